/**
 * Fingerprinting data never blocks on a file that is not a regular file: a
 * FIFO (or socket, or device) under a dataset root is not data, is left out
 * of the fingerprint, and is never opened (opening a FIFO for reading waits
 * for a writer, forever).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { FileHashes, fingerprint, MISSING } from '../../src/engine/data/fingerprint.js';
import { tempDir } from '../helpers/cli.js';

const within = async <T>(ms: number, p: Promise<T>, what: string): Promise<T> => {
  const r = await Promise.race([p, delay(ms, undefined, { ref: false })]);
  if (r === undefined) assert.fail(`${what} did not finish within ${ms} ms`);
  return r;
};

test('a FIFO under a dataset root is left out of its fingerprint and never opened', { timeout: 20_000 }, async () => {
  const dir = tempDir('wsol-fp-');
  const root = join(dir, 'data');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'a.txt'), 'a\n');
  writeFileSync(join(root, 'sub', 'b.txt'), 'b\n');
  const before = await fingerprint({ param: 'root', path: root }, FileHashes.open(join(dir, 'cache')));
  assert.equal(spawnSync('mkfifo', [join(root, 'sub', 'pipe')]).status, 0);
  const withFifo = await within(5000, fingerprint({ param: 'root', path: root }, FileHashes.open(join(dir, 'cache'))), 'fingerprinting a root with a FIFO');
  assert.deepEqual(Object.keys(withFifo.listing.files), ['a.txt', 'sub/b.txt']);
  assert.equal(withFifo.digest, before.digest, 'the FIFO is not data');
  // Named explicitly, it is not a file either: listed as missing, not read.
  const named = await within(
    5000,
    fingerprint({ param: 'root', path: root, files: ['a.txt', 'sub/pipe'] }, FileHashes.open(join(dir, 'cache'))),
    'fingerprinting a named FIFO',
  );
  assert.equal(named.listing.files['sub/pipe'], MISSING);
  rmSync(dir, { recursive: true, force: true });
});
