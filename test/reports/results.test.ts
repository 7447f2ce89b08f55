import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findBlocks, patternRegExp, renderResults, sampleStd, verdictOf, type LockedMetrics } from '../../src/reports/results.js';

const lock: LockedMetrics = {
  nodes: {
    'eval[variant=cam,seed=0]': { metrics: { gtKnownLoc: 60, top1Cls: 90 } },
    'eval[variant=cam,seed=1]': { metrics: { gtKnownLoc: 62, top1Cls: 92 } },
    'eval[variant=cam,seed=2]': { metrics: { gtKnownLoc: 64, top1Cls: 94 } },
    'eval[variant=slt,seed=0]': { metrics: { gtKnownLoc: 70, top1Cls: 80 } },
    'eval[variant=slt,seed=1]': { metrics: { gtKnownLoc: 71, top1Cls: 81 } },
    'eval[variant=slt,seed=2]': { metrics: { gtKnownLoc: 72, top1Cls: 82 } },
    'eval-floor': { metrics: { gtKnownLoc: 27.05 } },
    'train[seed=0]': { metrics: { valTop1: 85 } },
    'train[seed=1]': { metrics: { valTop1: 79.9 } },
  },
};
const read = (path: string): LockedMetrics => {
  assert.equal(path, 'x.lock.json');
  return lock;
};

test('patterns: * is one coordinate value, everything else literal', () => {
  const re = patternRegExp('eval[variant=cam,seed=*]');
  assert.ok(re.test('eval[variant=cam,seed=0]'));
  assert.ok(re.test('eval[variant=cam,seed=12]'));
  assert.ok(!re.test('eval[variant=cam,seed=0,x=1]'));
  assert.ok(!re.test('eval[variant=camx,seed=0]'));
  assert.ok(!patternRegExp('eval').test('eval-floor'));
});

test('sample std and verdicts: reproduced beyond twice the pooled std, inverted below minus it, else not reproduced', () => {
  assert.equal(sampleStd([60, 62, 64]), 2);
  assert.equal(sampleStd([5]), 0);
  // effect 9, pooled std sqrt((4 + 1) / 2) = 1.58, bar 3.16
  const v = verdictOf([70, 71, 72], [60, 62, 64]);
  assert.equal(v.effect, 9);
  assert.ok(Math.abs(v.bar - 2 * Math.sqrt(2.5)) < 1e-12);
  assert.equal(v.verdict, 'reproduced');
  assert.equal(verdictOf([60, 62, 64], [70, 71, 72]).verdict, 'inverted');
  assert.equal(verdictOf([61, 63, 65], [60, 62, 64]).verdict, 'not reproduced');
});

const doc = (spec: object, body = 'stale\n'): string => `# R\n\nprose\n<!-- results ${JSON.stringify(spec)} -->\n${body}<!-- /results -->\nafter\n`;

test('a metrics table: mean ± sample std over the matched nodes, one value alone, a dash where a row has no such metric', () => {
  const text = doc({
    kind: 'metrics',
    lock: 'x.lock.json',
    runs: true,
    columns: [
      { metric: 'top1Cls', label: 'top-1' },
      { metric: 'gtKnownLoc', label: 'GT-known', digits: 2 },
    ],
    rows: [
      { label: 'floor', nodes: 'eval-floor' },
      { label: 'CAM', nodes: 'eval[variant=cam,seed=*]' },
    ],
  });
  const out = renderResults(text, read);
  assert.equal(
    out,
    text.replace('stale\n', '|  | runs | top-1 | GT-known |\n| --- | --- | --- | --- |\n| floor | 1 | – | 27.05 |\n| CAM | 3 | 92.0 ± 2.0 | 62.00 ± 2.00 |\n'),
  );
  // Rendering is a fixed point: the rendered document renders to itself.
  assert.equal(renderResults(out, read), out);
});

test('a verdict table and a gate table', () => {
  const verdicts = renderResults(
    doc({
      kind: 'verdicts',
      lock: 'x.lock.json',
      claims: [
        { claim: 'SLT > CAM', regime: 'R', metric: 'gtKnownLoc', better: { nodes: 'eval[variant=slt,seed=*]' }, worse: { nodes: 'eval[variant=cam,seed=*]' } },
      ],
    }),
    read,
  );
  assert.match(verdicts, /\| SLT > CAM \| R \| gtKnownLoc \| 71\.0 ± 1\.0 vs 62\.0 ± 2\.0 \| \+9\.0 \| 3\.2 \| 3 \| \*\*reproduced\*\* \|/);
  const gate = renderResults(
    doc({ kind: 'gate', lock: 'x.lock.json', rows: [{ label: 'CAM val top-1', nodes: 'train[seed=*]', metric: 'valTop1', min: 80 }] }),
    read,
  );
  assert.match(gate, /\| CAM val top-1 \| valTop1 \| 85\.0 \/ 79\.9 \| ≥ 80 \| \*\*NOT passed\*\* \|/);
});

test('bad specs and selections are errors naming the line', () => {
  assert.throws(() => findBlocks('<!-- results {nope} -->\n<!-- /results -->\n'), /RESULTS\.md:1: the table spec is not JSON/);
  assert.throws(
    () => findBlocks('x\n<!-- results {"kind": "metrics", "columns": [{"metric": "a"}], "rows": [{"label": "a", "nodes": "a"}]} -->\nno end\n'),
    /RESULTS\.md:2: the table has no/,
  );
  assert.throws(() => findBlocks('<!-- results {"kind": "pie"} -->\n<!-- /results -->\n'), /no known "kind"/);
  assert.throws(
    () =>
      renderResults(
        doc({ kind: 'metrics', lock: 'x.lock.json', columns: [{ metric: 'gtKnownLoc' }], rows: [{ label: 'x', nodes: 'eval[variant=vst,seed=*]' }] }),
        read,
      ),
    /RESULTS\.md:4, row "x": no node of x\.lock\.json matches "eval\[variant=vst,seed=\*\]"/,
  );
  assert.throws(
    () => renderResults(doc({ kind: 'gate', lock: 'x.lock.json', rows: [{ label: 'g', nodes: 'eval-floor', metric: 'valTop1', min: 1 }] }), read),
    /records no number valTop1 for eval-floor/,
  );
});

test('a row reads a column under another metric name with "as" (a floor of maps in a column of boxes)', () => {
  const out = renderResults(
    doc({
      kind: 'metrics',
      lock: 'x.lock.json',
      columns: [{ metric: 'boxGtKnownLoc', label: 'GT-known' }],
      rows: [{ label: 'floor', nodes: 'eval-floor', as: { boxGtKnownLoc: 'gtKnownLoc' } }],
    }),
    read,
  );
  assert.match(out, /\| floor \| 27\.1 \|/);
});

test('a claim whose gate fails says so beside its verdict', () => {
  const out = renderResults(
    doc({
      kind: 'verdicts',
      lock: 'x.lock.json',
      claims: [
        {
          claim: 'SLT > CAM',
          regime: 'R',
          metric: 'gtKnownLoc',
          better: { nodes: 'eval[variant=slt,seed=*]' },
          worse: { nodes: 'eval[variant=cam,seed=*]' },
          gate: { nodes: 'train[seed=*]', metric: 'valTop1', min: 80 },
        },
      ],
    }),
    read,
  );
  assert.match(out, /\| \*\*reproduced\*\* \(gate not passed\) \|/);
});
