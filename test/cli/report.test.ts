/**
 * The HTML report through the CLI: a report/html node and `wsol-run report`
 * give deterministic bytes, the report opens in a real browser without
 * errors (every image and chart decoded, one table row per method, a
 * screenshot that is not blank), and a report of uncached results says
 * what to run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';
import { browserOrSkip, checkPage, pageProblems } from '../helpers/browser.js';

const nodes = {
  data: { type: 'dataset/synthetic-shapes', with: { size: 32, train: 48, val: 12, test: 12, seed: 1 } },
  cls: { type: 'train/classifier', inputs: { dataset: 'data' }, with: { channels: [8, 8], poolAfter: [0], epochs: 2, batchSize: 8 }, matrix: { seed: [0, 1] } },
  maps: { type: 'maps/cam', inputs: { model: 'cls', dataset: 'data' }, with: { splits: ['val', 'test'] } },
  eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'maps' } },
  floor: { type: 'maps/intensity', inputs: { dataset: 'data' }, with: { splits: ['val', 'test'] } },
  evalFloor: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'floor' } },
  sweep: { type: 'sweep/dgl-layers', inputs: { model: 'cls', dataset: 'data' }, with: { batchSize: 16 } },
};
/** What `wsol-run report` wires for these nodes. */
const generated = {
  type: 'report/html',
  with: { title: 'rep' },
  inputs: { evaluations: ['eval[*]', 'evalFloor'], maps: ['maps[*]', 'floor'], datasets: ['data'], models: ['cls[*]'], sweeps: ['sweep[*]'] },
};

const dir = tempDir('wsol-report-');
const withNode = writePipeline(dir, { name: 'rep', nodes: { ...nodes, report: generated } }, 'with-node.json');
const without = writePipeline(dir, { name: 'rep', nodes }, 'rep.json');

function sizeOf(root: string): number {
  return (readdirSync(root, { recursive: true }) as string[]).reduce((s, p) => s + (statSync(join(root, p)).isFile() ? statSync(join(root, p)).size : 0), 0);
}

let reportDir = '';

test('the report node writes the same bytes when re-run, and `wsol-run report` of a pipeline without one gives those bytes', async () => {
  const run = await runCli([withNode, '--json'], dir);
  assert.equal(run.code, 0, run.stderr);
  const done = run.events.find((e) => e.event === 'node-done' && e.node === 'report') as { digest: string; metrics: Record<string, number> };
  assert.deepEqual(done.metrics, { evaluations: 3, methods: 2, overlays: 36, charts: 9 });
  const again = await runCli([withNode, '--json', '--force', 'report'], dir);
  assert.equal((again.events.find((e) => e.event === 'node-done' && e.node === 'report') as { digest: string }).digest, done.digest, 'deterministic bytes');

  const built = await runCli(['report', without, '-o', join(dir, 'out'), '--json'], dir);
  assert.equal(built.code, 0, built.stderr);
  const event = JSON.parse(built.stdout.trim().split('\n').at(-1)!) as { digest: string; index: string };
  assert.equal(event.digest, done.digest, 'the same bytes from the node and from the verb');
  reportDir = join(dir, 'out');
  const html = readFileSync(join(reportDir, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /\b20\d\d-\d\d-\d\dT|\d+(\.\d+)? ?ms\b/, 'no dates or wall times');
  assert.match(html, /digest <code>[0-9a-f]{12}<\/code>/, 'numbers carry their provenance');
  assert.ok(sizeOf(reportDir) < 1_000_000, `bounded size (${sizeOf(reportDir)} bytes)`);
});

test('report -o replaces only an earlier report: a folder with a file of its own is refused and keeps it', async () => {
  assert.ok(reportDir, 'needs the report of the first test');
  // Rebuilding into the earlier report works.
  const again = await runCli(['report', without, '-o', reportDir], dir);
  assert.equal(again.code, 0, again.stderr);
  // A user's folder is never emptied.
  const mine = join(dir, 'mine');
  mkdirSync(mine);
  writeFileSync(join(mine, 'thesis.tex'), 'years of work\n');
  const refused = await runCli(['report', without, '-o', mine], dir);
  assert.equal(refused.code, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /is not empty and holds no earlier report \(1 file\(s\), e\.g\. thesis\.tex\): nothing was deleted/);
  assert.equal(readFileSync(join(mine, 'thesis.tex'), 'utf8'), 'years of work\n');
  // A file added into an earlier report is not deleted either.
  writeFileSync(join(reportDir, 'notes.md'), 'mine\n');
  const added = await runCli(['report', without, '-o', reportDir], dir);
  assert.equal(added.code, 2);
  assert.match(added.stderr, /holds an earlier report and 1 file\(s\) it did not write \(notes\.md\)/);
  assert.equal(readFileSync(join(reportDir, 'notes.md'), 'utf8'), 'mine\n');
  rmSync(join(reportDir, 'notes.md'));
});

test('the report opens offline in a real browser: no errors, every image and chart decoded, one row per method, not blank (needs chromium)', async (t) => {
  if (!browserOrSkip(t)) return;
  assert.ok(reportDir, 'needs the first test');
  const check = await checkPage(reportDir, { selectorCounts: ['table.results tbody tr', 'img[src$=".svg"]', 'img[src$=".png"]'] });
  assert.deepEqual(pageProblems(check), []);
  assert.deepEqual(check.consoleErrors, []);
  assert.equal(check.selectorCounts['table.results tbody tr'], 2, 'CAM and the floor');
  assert.equal(check.selectorCounts['img[src$=".svg"]'], 9, 'BoxAcc and PR per evaluation, training, a DGL sweep per seed');
  assert.equal(check.selectorCounts['img[src$=".png"]'], 36);
  for (const image of check.images) assert.ok(image.naturalWidth > 0 && image.naturalHeight > 0, `${image.src} decoded`);
  assert.ok(check.nonBlankFraction > 0.05, `screenshot not blank (${check.nonBlankFraction})`);
});

test('a report of results that are not cached says which and what to run', async () => {
  const fresh = await runCli(['report', without, '--cache', join(dir, 'empty-cache')], dir);
  assert.equal(fresh.code, 2, fresh.stdout + fresh.stderr);
  assert.match(fresh.stderr, /needs results that are not in .*empty-cache: data \(new: no earlier result/);
  assert.match(fresh.stderr, /run the pipeline first: wsol-run .*rep\.json/);
});
