/**
 * A sweep's report: `--set floor.matrix.cell=[1,4]` turns the report node
 * into one instance per cell; `wsol-run report --node 'report[*]'` builds one
 * report across them (a comparison row per instance, the same images for
 * every instance), without touching the declared node's bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

const dir = tempDir('wsol-report-across-');
const cache = join(dir, 'cache');
const file = writePipeline(
  dir,
  {
    name: 'sweep',
    nodes: {
      data: { type: 'dataset/synthetic-shapes', with: { size: 32, train: 8, val: 6, test: 6, seed: 1 } },
      floor: { type: 'maps/intensity', inputs: { dataset: 'data' }, with: { splits: ['val', 'test'] } },
      eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'floor' } },
      report: { type: 'report/html', inputs: { evaluations: 'eval', maps: 'floor', datasets: 'data' }, with: { title: 'sweep', sample: 3 } },
    },
  },
  'sweep.json',
);
const set = ['--set', 'floor.matrix.cell=[1,4]'];

test("report --node 'report[*]' gives one report across a sweep's instances: a row per instance, the same images for each", async () => {
  const run = await runCli([file, '--cache', cache, ...set], dir);
  assert.equal(run.code, 0, run.stderr);
  const asked = await runCli(['report', file, '--cache', cache, ...set], dir);
  assert.equal(asked.code, 2);
  assert.match(asked.stderr, /--node 'report\[\*\]'/, 'the error offers the report across instances');
  const out = join(dir, 'out');
  const r = await runCli(['report', file, '--cache', cache, ...set, '--node', 'report[*]', '-o', out], dir);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  const results = /<table class="results sortable">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
  assert.equal((results.match(/<tr>/g) ?? []).length, 3, 'a header and a row per instance');
  assert.match(results, /cell=1/);
  assert.match(results, /cell=4/);
  // The side-by-side section: one row of the same 3 images per instance.
  const side = /<h2 id="side-by-side">[\s\S]*?(?=<h2 )/.exec(html)?.[0] ?? '';
  const captions = [...side.matchAll(/<figcaption>([^ <]+)/g)].map((m) => m[1]);
  assert.equal(captions.length, 6, side);
  assert.deepEqual(captions.slice(0, 3), captions.slice(3), 'the same images across instances');
});
