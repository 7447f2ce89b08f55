/**
 * Data is tracked: the files a dataset node reads enter its key by content,
 * so an edited, added or removed file re-runs it and `plan` names the files;
 * a touched but unchanged file (new mtime) and a copy of the data elsewhere
 * with other mtimes hit the same cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCubFixture } from '../helpers/fixtures/cub.js';
import { nodesWith, runCli, tempDir, writePipeline } from '../helpers/cli.js';

test('editing, adding or removing a dataset file re-runs the dataset node; plan names the files; mtimes alone change nothing', async () => {
  const dir = tempDir('wsol-data-');
  const fixture = await writeCubFixture(join(dir, 'data', 'CUB_200_2011'), { classes: 2, trainPerClass: 2, testPerClass: 1 });
  const file = writePipeline(dir, {
    name: 'data',
    nodes: {
      birds: { type: 'dataset/cub', with: { root: 'data/CUB_200_2011', imageSize: 32, valPerClass: 1 } },
      text: { type: 'util/concat', with: { text: 'independent\n' } },
    },
  });
  const first = await runCli([file, '--json'], dir);
  assert.equal(first.code, 0, first.stderr);
  const lock = JSON.parse(readFileSync(join(dir, 'pipeline.lock.json'), 'utf8')) as { nodes: Record<string, { data?: Record<string, string> }> };
  assert.match(lock.nodes.birds!.data?.root ?? '', /^[0-9a-f]{64}$/, 'the lock records the fingerprint of root');

  // Same bytes, new mtime: re-hashed, same fingerprint, cached.
  const image = join(fixture.root, 'images', fixture.images[0]!.relPath);
  utimesSync(image, new Date(), new Date(Date.now() + 5000));
  const touched = await runCli([file, '--json'], dir);
  assert.deepEqual(nodesWith(touched, 'node-start'), [], 'a new mtime with the same content hits the cache');

  // A colleague's clone: the same files elsewhere, other mtimes, another cache: the same dataset digest.
  const clone = tempDir('wsol-data-clone-');
  cpSync(join(dir, 'data'), join(clone, 'data'), { recursive: true, preserveTimestamps: false });
  const cloneFile = writePipeline(clone, JSON.parse(readFileSync(file, 'utf8')));
  const theirs = await runCli([cloneFile, '--json'], clone);
  assert.equal(theirs.code, 0, theirs.stderr);
  const digestOf = (r: typeof first): string => (r.events.find((e) => e.event === 'node-done' && e.node === 'birds') as { digest: string }).digest;
  assert.equal(digestOf(theirs), digestOf(first), 'the same files give the same dataset on another machine');

  // One byte of an annotation changes: plan names the file, run re-runs only the dataset node.
  const boxes = join(fixture.root, 'bounding_boxes.txt');
  writeFileSync(
    boxes,
    readFileSync(boxes, 'utf8').replace(/^1 (\d+)/m, (_, x: string) => `1 ${Number(x) + 1}`),
  );
  const plan = await runCli(['plan', file, '--wide'], dir);
  assert.match(plan.stdout, /birds\s+dataset\/cub\s+to-run\s+files under root \(data\/CUB_200_2011\) changed: 1 changed \(bounding_boxes\.txt\)/);
  assert.match(plan.stdout, /text\s+util\/concat\s+cached/);
  const edited = await runCli([file, '--json'], dir);
  assert.equal(edited.code, 0, edited.stderr);
  assert.deepEqual(nodesWith(edited, 'node-start'), ['birds']);

  // Adding and removing files are named too.
  writeFileSync(join(fixture.root, 'README.txt'), 'notes\n');
  rmSync(join(fixture.root, 'images', fixture.images.at(-1)!.relPath));
  const plan2 = await runCli(['plan', file, '--wide'], dir);
  assert.match(plan2.stdout, /1 added \(README\.txt\), 1 removed \(images\/[^)]+\)/);
});

test('a file swapped for another version with the same size and mtime (as reproducible archives give) is re-hashed: no stale cache hit', async () => {
  const dir = tempDir('wsol-data-swap-');
  const fixture = await writeCubFixture(join(dir, 'data', 'CUB_200_2011'), { classes: 2, trainPerClass: 2, testPerClass: 1 });
  const file = writePipeline(dir, {
    name: 'data',
    nodes: { birds: { type: 'dataset/cub', with: { root: 'data/CUB_200_2011', imageSize: 32, valPerClass: 1 } } },
  });
  const boxes = join(fixture.root, 'bounding_boxes.txt');
  // Archives store whole seconds: both versions carry the same one.
  const archived = new Date(1_600_000_000_000);
  utimesSync(boxes, archived, archived);
  const first = await runCli([file, '--json'], dir);
  assert.equal(first.code, 0, first.stderr);
  const before = readFileSync(boxes, 'utf8');
  // The same number of bytes: one digit of the first box becomes another digit.
  const after = before.replace(/^1 (\d)/m, (_, d: string) => `1 ${d === '9' ? '8' : String(Number(d) + 1)}`);
  assert.equal(after.length, before.length);
  assert.notEqual(after, before);
  writeFileSync(boxes, after);
  utimesSync(boxes, archived, archived);
  const plan = await runCli(['plan', file, '--wide'], dir);
  assert.match(plan.stdout, /birds\s+dataset\/cub\s+to-run\s+files under root \(data\/CUB_200_2011\) changed: 1 changed \(bounding_boxes\.txt\)/, plan.stdout);
  const second = await runCli([file, '--json'], dir);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(nodesWith(second, 'node-start'), ['birds'], 'the swapped file re-runs the dataset node');
});
