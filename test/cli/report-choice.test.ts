/**
 * Which report `wsol-run report` builds: with several candidate report/html
 * nodes (declared ones, or the instances of a matrixed one) it asks which
 * instead of choosing; and its "run the pipeline first" hint repeats the
 * user's --cache, --set and other flags so that the command it gives works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

const dir = tempDir('wsol-report-choice-');
const base = {
  data: { type: 'dataset/synthetic-shapes', with: { size: 32, train: 8, val: 4, test: 4, seed: 1 } },
  floor: { type: 'maps/intensity', inputs: { dataset: 'data' }, with: { splits: ['val', 'test'] } },
  eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'floor' } },
};
const report = { type: 'report/html', inputs: { evaluations: 'eval', datasets: 'data' } };

test('report with two declared report nodes names both and asks for --node', async () => {
  const file = writePipeline(dir, { name: 'two', nodes: { ...base, a: report, b: { ...report, with: { title: 'b' } } } }, 'two.json');
  const r = await runCli(['report', file, '--cache', join(dir, 'c1')], dir);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /2 report\/html nodes: a, b/);
  assert.match(r.stderr, /--node a/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('report of a pipeline whose report node is a matrix (via --set) lists the instances instead of picking the first', async () => {
  const file = writePipeline(dir, { name: 'sweep', nodes: { ...base, report } }, 'sweep.json');
  const r = await runCli(['report', file, '--cache', join(dir, 'c2'), '--set', 'report.matrix.alpha=[0.2,0.4]'], dir);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /report\[alpha=0\.2\], report\[alpha=0\.4\]/);
  assert.match(r.stderr, /--node 'report\[alpha=0\.2\]'/);
});

test("report's 'run the pipeline first' hint repeats --cache, --set and --backend", async () => {
  const file = writePipeline(dir, { name: 'one', nodes: { ...base, report } }, 'one.json');
  const cache = join(dir, 'empty cache');
  const r = await runCli(['report', file, '--cache', cache, '--set', 'report.alpha=0.3', '--backend', 'cpu'], dir);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const hint = /run the pipeline first: (.*)/.exec(r.stderr)?.[1] ?? '';
  assert.match(hint, /^wsol-run \S*one\.json /);
  assert.match(hint, / --cache '[^']*empty cache'/);
  assert.match(hint, / --set report\.alpha=0\.3/);
  assert.match(hint, / --backend cpu/);
});
