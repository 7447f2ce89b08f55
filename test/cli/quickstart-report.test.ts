/**
 * The shipped quickstart's report, built in CI: the quickstart as shipped
 * with its data and training shrunk by --set (the pipeline's own report node
 * and wiring), then `wsol-run report` and a real browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../src/paths.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { browserOrSkip, checkPage, pageProblems } from '../helpers/browser.js';

const SMALL = ['data.train=300', 'data.val=60', 'data.test=60', 'params.epochs=1', 'localizer.epochs=1', 'params.channels=[8,16,16,16]'].flatMap((s) => [
  '--set',
  s,
]);

test("the quickstart's report opens in a real browser with both evaluations, their overlays and charts (needs chromium)", async (t) => {
  const dir = tempDir('wsol-quickstart-report-');
  const file = join(dir, 'quickstart.json');
  copyFileSync(packagePath('pipelines/quickstart.json'), file);
  const run = await runCli([file, ...SMALL], dir);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /evaluation\s+GT-known/, 'the summary leads with the box metrics');
  const report = await runCli(['report', file, ...SMALL, '-o', join(dir, 'report')], dir);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /cached report of report/, "the pipeline's own report node, already built by the run");
  if (!browserOrSkip(t)) return;
  const check = await checkPage(join(dir, 'report'), { selectorCounts: ['table.results tbody tr', 'img'] });
  assert.deepEqual(pageProblems(check), []);
  assert.equal(check.selectorCounts['table.results tbody tr'], 2, 'eval-localizer and eval');
  assert.ok(check.images.length >= 10 && check.images.every((i) => i.naturalWidth > 0), `${check.images.length} images, all decoded`);
  assert.ok(check.nonBlankFraction > 0.05);
});
