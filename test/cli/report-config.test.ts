/**
 * What a reader sees first: the run summary, `show` and the report print
 * metrics with their unit and one precision per kind, and the report's
 * first screen (1280×800) says which configuration it shows — params,
 * --set overrides, backend, run id — with no table wider than the window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';
import { browserOrSkip, inspectPage, pageProblems } from '../helpers/browser.js';

const dir = tempDir('wsol-report-config-');
const cache = join(dir, 'cache');
const file = writePipeline(
  dir,
  {
    name: 'cfg',
    params: { seed: 1 },
    nodes: {
      data: { type: 'dataset/synthetic-shapes', with: { size: 32, train: 8, val: 6, test: 6, seed: '${params.seed}' } },
      floor: { type: 'maps/intensity', inputs: { dataset: 'data' }, with: { splits: ['val', 'test'] } },
      eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'floor' } },
      report: { type: 'report/html', inputs: { evaluations: 'eval', maps: 'floor', datasets: 'data' }, with: { title: 'cfg' } },
    },
  },
  'cfg.json',
);
const set = ['--set', 'params.seed=2'];
let runId = '';
const out = join(dir, 'out');

test('the run summary prints percentages with one decimal and %', async () => {
  const r = await runCli([file, '--cache', cache, ...set], dir);
  assert.equal(r.code, 0, r.stderr);
  runId = /\(run (\S+)\)/.exec(r.stdout)?.[1] ?? '';
  assert.ok(runId, r.stdout);
  const row = r.stdout.split('\n').find((l) => l.startsWith('eval '));
  assert.ok(row, r.stdout);
  const cells = row
    .trim()
    .split(/\s{2,}/)
    .slice(1);
  assert.ok(cells.length > 0);
  for (const c of cells) assert.match(c, /^\d+\.\d%$/, `one decimal and a unit: ${row}`);
});

test('show prints metrics with their unit and one precision per kind', async () => {
  const r = await runCli(['show', file, 'eval', '--cache', cache, ...set], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\ngtKnownLoc\s+\d+\.\d%\n/);
  assert.doesNotMatch(r.stdout, /\d\.\d{2,}%/, 'one decimal per percentage');
});

test('report puts the configuration (params, overrides, backend, run id) on its first screen and fits tables in 1280 px (needs chromium)', async (t) => {
  const built = await runCli(['report', file, '--cache', cache, ...set, '-o', out], dir);
  assert.equal(built.code, 0, built.stderr);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(html, /id="configuration"/);
  assert.ok(html.includes(runId), 'the run id');
  assert.ok(html.includes('params.seed=2'), 'the override');
  assert.match(html, /backend/);
  // The report's own numbers: percentages with one decimal and their unit, as summary and show print them.
  const results = /<table class="results sortable">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
  assert.match(results, />\d+\.\d%<\/td>/);
  assert.doesNotMatch(html, />\d+\.\d\d<\/td>/, 'no two-decimal metric cells');
  if (!browserOrSkip(t)) return;
  await inspectPage(out, { viewport: { width: 1280, height: 800 } }, async (check) => {
    assert.deepEqual(pageProblems(check), []);
    const box = await check.evaluate<{ top: number; bottom: number; left: number; right: number } | null>(
      `(() => { const e = document.getElementById('configuration'); if (!e) return null; const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right }; })()`,
    );
    assert.ok(box, 'a configuration element');
    assert.ok(box.top >= 0 && box.bottom <= 800 && box.left >= 0 && box.right <= 1280, `within the first screen: ${JSON.stringify(box)}`);
    const widths = await check.evaluate<number[]>(`Array.from(document.querySelectorAll('table'), (t) => t.getBoundingClientRect().right)`);
    assert.ok(widths.length >= 3);
    for (const w of widths) assert.ok(w <= 1280, `a table reaches ${w}px`);
    assert.ok((await check.evaluate<number>('document.documentElement.scrollWidth')) <= 1280, 'no horizontal scroll');
  });
});
