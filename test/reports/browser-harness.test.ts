import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { browserOrSkip, checkPage, inspectPage, nonBlankFraction, pageProblems } from '../helpers/browser.js';

async function writeReport(html: string, files: Record<string, Buffer> = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'wsol-run-browser-'));
  writeFileSync(join(dir, 'index.html'), html);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

const page = (body: string): string => `<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>${body}</body></html>`;

test('nonBlankFraction: 0 for one colour, the share of the other colours otherwise', async () => {
  const white = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
  assert.equal(await nonBlankFraction(white), 0);
  const black = await sharp({ create: { width: 5, height: 5, channels: 3, background: '#000000' } })
    .png()
    .toBuffer();
  const quarter = await sharp(white)
    .composite([{ input: black, left: 0, top: 0 }])
    .png()
    .toBuffer();
  assert.equal(await nonBlankFraction(quarter), 0.25);
});

test('a clean offline report: image decoded, one SVG, three rows, no errors, not blank (needs chromium)', async (t) => {
  const chromium = browserOrSkip(t);
  if (!chromium) return;
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  const dir = await writeReport(
    page(`
      <h1>Results</h1>
      <img src="chart.png" alt="chart">
      <svg width="120" height="60" xmlns="http://www.w3.org/2000/svg"><rect width="120" height="60" fill="#c33"/></svg>
      <table class="results"><thead><tr><th>method</th><th>acc</th></tr></thead>
        <tbody><tr><td>cam</td><td>50</td></tr><tr><td>vst</td><td>60</td></tr><tr><td>acol</td><td>70</td></tr></tbody></table>`),
    { 'chart.png': png },
  );
  try {
    const c = await checkPage(dir, { executablePath: chromium, selectorCounts: ['table.results tbody tr', 'h1'] });
    assert.deepEqual(pageProblems(c), []);
    assert.deepEqual(c.consoleErrors, []);
    assert.equal(c.images.length, 1);
    assert.deepEqual([c.images[0]!.naturalWidth, c.images[0]!.naturalHeight], [40, 30]);
    assert.equal(c.svgCount, 1);
    assert.deepEqual(c.selectorCounts, { 'table.results tbody tr': 3, h1: 1 });
    assert.equal(c.title, 't');
    assert.ok(c.nonBlankFraction > 0.01, `nonBlankFraction ${c.nonBlankFraction}`);
    assert.deepEqual([c.screenshotSize.width, c.screenshotPng.subarray(1, 4).toString()], [1280, 'PNG']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the harness reports a console error, an uncaught error, a missing image, and requests that would leave the machine (needs chromium)', async (t) => {
  const chromium = browserOrSkip(t);
  if (!chromium) return;
  const dir = await writeReport(
    page(`
      <img src="missing.png" alt="missing">
      <script>console.error('x'); fetch('http://example.invalid/beacon').catch(() => {}); new WebSocket('ws://example.invalid/live');</script>
      <script>throw new Error('boom');</script>`),
  );
  try {
    await inspectPage(dir, { executablePath: chromium }, async (c) => {
      assert.ok(c.consoleErrors.includes('x'), c.consoleErrors.join('\n'));
      assert.equal(c.images.length, 1);
      assert.match(c.images[0]!.src, /\/missing\.png$/);
      assert.equal(c.images[0]!.naturalWidth, 0);
      assert.ok(
        c.failedRequests.some((r) => r.url.endsWith('/missing.png') && /ERR_FILE_NOT_FOUND/.test(r.reason)),
        JSON.stringify(c.failedRequests),
      );
      assert.ok(
        c.failedRequests.some((r) => r.url === 'http://example.invalid/beacon' && r.reason.startsWith('blocked:')),
        JSON.stringify(c.failedRequests),
      );
      assert.ok(
        c.failedRequests.some((r) => r.url === 'ws://example.invalid/live' && r.reason === 'blocked: WebSocket'),
        JSON.stringify(c.failedRequests),
      );
      assert.equal(c.pageErrors.length, 1);
      assert.match(c.pageErrors[0]!, /boom/);
      assert.ok(pageProblems(c).some((p) => p === `image did not load: ${c.images[0]!.src}`));
      assert.equal(await c.evaluate<number>('document.querySelectorAll("img").length'), 1);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
