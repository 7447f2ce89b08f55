import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendMap, GT_COLOUR, jet, overlay, PREDICTED_COLOUR } from '../../src/reports/html/overlay.js';
import { boxAccChart, renderChart, stableSvgIds, trainingChart } from '../../src/reports/html/charts.js';
import { escapeHtml, sortableTable } from '../../src/reports/html/page.js';
import { commonSample, pickCases } from '../../src/reports/html/report.js';
import { headlineColumns, headlineMetrics } from '../../src/reports/headline.js';
import { createRaster } from '../../src/image/raster.js';

test('jet runs dark blue -> blue -> cyan -> yellow -> red -> dark red, clamped', () => {
  assert.deepEqual(jet(0), [0, 0, 128]);
  assert.deepEqual(jet(0.125), [0, 0, 255]);
  assert.deepEqual(jet(0.375), [0, 255, 255]);
  assert.deepEqual(jet(0.5), [128, 255, 128]);
  assert.deepEqual(jet(0.625), [255, 255, 0]);
  assert.deepEqual(jet(0.875), [255, 0, 0]);
  assert.deepEqual(jet(1), [128, 0, 0]);
  assert.deepEqual(jet(-3), jet(0));
  assert.deepEqual(jet(7), jet(1));
  assert.deepEqual(jet(Number.NaN), jet(0));
});

test('blending: alpha 0 keeps the image, alpha 1 shows the colour map, in between mixes per channel', () => {
  const image = createRaster(2, 1, 3);
  image.data.set([10, 20, 30, 200, 100, 50]);
  assert.deepEqual([...blendMap(image, [0, 1], 0).data], [10, 20, 30, 200, 100, 50]);
  assert.deepEqual([...blendMap(image, [0, 1], 1).data], [...jet(0), ...jet(1)]);
  assert.deepEqual([...blendMap(image, [0.5, 0.5], 0.5).data], [69, 138, 79, 164, 178, 89]);
  assert.throws(() => blendMap(image, [0], 0.5), /map of 1 values for a 2x1 RGB image/);
});

test('boxes are drawn two pixels wide at the scaled corners, ground truth green and prediction red', () => {
  const image = createRaster(10, 10, 3); // black
  const out = overlay({ image, map: null, gt: [[2, 2, 5, 5]], predicted: [6, 0, 9, 3], side: 20 });
  assert.equal(out.width, 20);
  const at = (x: number, y: number): number[] => [...out.data.subarray(3 * (y * 20 + x), 3 * (y * 20 + x) + 3)];
  // Image pixels 2..5 become 4..11 at twice the size: the outline's outer edge on 4 and 11, two pixels thick.
  for (const [x, y] of [
    [4, 4],
    [11, 4],
    [4, 11],
    [11, 11],
    [5, 8],
    [8, 10],
  ])
    assert.deepEqual(at(x!, y!), [...GT_COLOUR], `green at ${x},${y}`);
  for (const [x, y] of [
    [3, 4],
    [12, 11],
    [6, 6],
    [8, 8],
  ])
    assert.deepEqual(at(x!, y!), [0, 0, 0], `untouched at ${x},${y}`);
  assert.deepEqual(at(12, 0), [...PREDICTED_COLOUR]);
  assert.deepEqual(at(19, 7), [...PREDICTED_COLOUR]);
  assert.deepEqual(at(15, 3), [0, 0, 0]);
});

test('SVG ids are renumbered per chart, references follow, and a chart renders to the same bytes twice', async () => {
  const svg = '<svg><defs><clipPath id="clip17"><rect/></clipPath></defs><g clip-path="url(#clip17)"></g><g id="gradient_3"></g><a href="#clip17"></a></svg>';
  assert.equal(
    stableSvgIds(svg, 'c'),
    '<svg><defs><clipPath id="c-1"><rect/></clipPath></defs><g clip-path="url(#c-1)"></g><g id="c-2"></g><a href="#c-1"></a></svg>',
  );
  const spec = boxAccChart({ title: 't', thresholds: [0, 0.5], curves: { 50: [10, 20], 70: [5, 8] }, chosenTau: 0.5 });
  const a = await renderChart(spec, 'x');
  assert.match(a, /^<svg/);
  assert.equal(await renderChart(spec, 'x'), a);
});

test('cases: best, median and worst by IoU without repeats; the common sample is the same ids for every method', () => {
  const rows = [0.9, 0.1, 0.5, 0.7, 0.3, 0.6].map((iou, i) => ({ id: `i${i}`, gtKnown: { iou, box: [0, 0, 1, 1] as const } }));
  const cases = pickCases(rows, 2);
  assert.deepEqual(
    cases.map((c) => [c.label, c.rows.map((r) => r.id)]),
    [
      ['best', ['i0', 'i3']],
      ['median', ['i5', 'i2']],
      ['worst', ['i1', 'i4']],
    ],
  );
  assert.deepEqual(pickCases(rows, 0), []);
  const a = commonSample(
    [
      ['a', 'b', 'c', 'd'],
      ['d', 'c', 'b'],
    ],
    2,
  );
  assert.equal(a.length, 2);
  assert.ok(a.every((id) => ['b', 'c', 'd'].includes(id)));
  assert.deepEqual(
    commonSample(
      [
        ['d', 'c', 'b'],
        ['a', 'b', 'c', 'd'],
      ],
      2,
    ),
    a,
    'the order of the methods does not matter',
  );
});

test('headline metrics by kind; escaping and sortable cells', () => {
  assert.deepEqual(headlineMetrics({ gtKnownLoc: 1, top1Loc: 2, maxBoxAccV2: 3, maxBoxAcc: 4, top1Cls: 5 }), [
    'gtKnownLoc',
    'top1Loc',
    'maxBoxAccV2',
    'top1Cls',
  ]);
  assert.deepEqual(
    headlineMetrics({ pxap: 1, piou: 2, f1Pos: 3, f1Neg: 4, maxBoxAccV2: 5, auc: 6 }),
    ['pxap', 'piou', 'f1Pos', 'f1Neg'],
    'two-class masks (GlaS)',
  );
  assert.deepEqual(headlineMetrics({ pxap: 1, f1Pos: 3, gtKnownLoc: 2, maxBoxAccV2: 5 }), ['gtKnownLoc', 'maxBoxAccV2', 'pxap'], 'boxes with masks (CUB)');
  assert.deepEqual(headlineColumns([{ boxGtKnownLoc: 1 }, { gtKnownLoc: 2 }]), ['gtKnownLoc', 'boxGtKnownLoc']);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.match(
    sortableTable({ className: 'r', headers: ['m'], rows: [[{ text: '1 ± 0', sort: 1, title: 'from <n>' }]] }),
    /<td data-sort="1" title="from &lt;n&gt;">1 ± 0<\/td>/,
  );
});

test('a one-epoch training chart labels its epoch axis with whole numbers (no "1.000000")', async () => {
  const svg = await renderChart(trainingChart({ title: 't', rows: [{ model: 'm', epoch: 1, loss: 0.5, valTop1: 40 }] }), 'x');
  const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
  assert.ok(labels.includes('1'), labels.join(' | '));
  assert.ok(!labels.some((l) => /^\d+\.\d{3,}$/.test(l)), `no long decimals: ${labels.join(' | ')}`);
});
