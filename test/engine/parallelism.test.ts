import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeThreads } from '../../src/engine/executors/executor.js';
import { graphOf } from '../../src/engine/graph.js';
import { peakCpu, phaseShare } from '../../src/engine/run/parallelism.js';

const one = (): number => 1;

/** The quickstart pipeline's shape: localizer and classifier side by side, then at most two again. */
function quickstartGraph(): ReturnType<typeof graphOf> {
  return graphOf(
    ['data', 'localizer', 'classifier', 'maps', 'pseudo', 'regressor', 'boxes', 'evalMaps', 'eval'],
    [
      ['data', 'localizer'],
      ['data', 'classifier'],
      ['localizer', 'maps'],
      ['classifier', 'maps'],
      ['maps', 'pseudo'],
      ['pseudo', 'regressor'],
      ['localizer', 'regressor'],
      ['regressor', 'boxes'],
      ['classifier', 'boxes'],
      ['maps', 'evalMaps'],
      ['boxes', 'eval'],
    ],
  );
}

test('the peak is --jobs, or less when the pipeline cannot run that many nodes at once', () => {
  assert.equal(peakCpu(graphOf(['a'], []), one, 2), 1, 'a lone node');
  assert.equal(
    peakCpu(
      graphOf(
        ['a', 'b', 'c'],
        [
          ['a', 'b'],
          ['b', 'c'],
        ],
      ),
      one,
      4,
    ),
    1,
    'a chain',
  );
  const fan = graphOf(
    ['s', 'm1', 'm2', 'm3', 't'],
    [
      ['s', 'm1'],
      ['s', 'm2'],
      ['s', 'm3'],
      ['m1', 't'],
      ['m2', 't'],
      ['m3', 't'],
    ],
  );
  assert.equal(peakCpu(fan, one, 2), 2);
  assert.equal(peakCpu(fan, one, 8), 3);
  const quickstart = quickstartGraph();
  assert.equal(peakCpu(quickstart, one, 16), 2);
  // Weights are resources.cpu, each capped at --jobs as the scheduler caps them.
  const pair = graphOf(['big', 'small'], []);
  const cpu = (id: string): number => (id === 'big' ? 2 : 1);
  assert.equal(peakCpu(pair, cpu, 4), 3);
  assert.equal(peakCpu(pair, cpu, 2), 2);
  assert.equal(
    peakCpu(pair, () => 5, 3),
    3,
  );
});

test('a compute node counts the phase it starts in: its own slots and those of unfinished unrelated compute nodes', () => {
  const quickstart = quickstartGraph();
  const computes = (id: string): boolean => ['localizer', 'classifier', 'maps', 'regressor', 'boxes'].includes(id);
  const share = (id: string, finished: string[], peak = 2): number =>
    phaseShare(quickstart, id, { cpuOf: one, computes, finished: (x) => finished.includes(x), jobs: 2, peak });
  assert.equal(share('localizer', ['data']), 2, 'the classifier trains beside it');
  assert.equal(share('classifier', ['data']), 2);
  // Everything it could run beside is done, or a descendant, or does not compute (the maps' evaluation).
  assert.equal(share('regressor', ['data', 'localizer', 'classifier', 'maps', 'pseudo']), 1, 'the regressor trains alone: every core');
  assert.equal(share('maps', ['data', 'localizer', 'classifier']), 1);
  // Never more than the run's peak (here --jobs 1).
  assert.equal(share('localizer', ['data'], 1), 1);
  // Three unrelated trainers, none finished: the peak (--jobs 2); once one is done, the other two still share.
  const three = graphOf(['a', 'b', 'c'], []);
  const all = (): boolean => true;
  assert.equal(phaseShare(three, 'c', { cpuOf: one, computes: all, finished: () => false, jobs: 2, peak: 2 }), 2);
  assert.equal(phaseShare(three, 'c', { cpuOf: one, computes: all, finished: (x) => x === 'a', jobs: 2, peak: 2 }), 2);
  assert.equal(phaseShare(three, 'c', { cpuOf: one, computes: all, finished: (x) => x !== 'c', jobs: 2, peak: 2 }), 1);
  // resources.cpu weighs as in the peak, capped at --jobs.
  assert.equal(phaseShare(three, 'c', { cpuOf: (x) => (x === 'a' ? 5 : 1), computes: all, finished: (x) => x === 'b', jobs: 2, peak: 2 }), 2);
});

/** The heaviest set of pairwise unrelated nodes, by trying every subset. */
function bruteForcePeak(n: number, edges: [number, number][], weight: number[], jobs: number): number {
  const reach = Array.from({ length: n }, () => new Set<number>());
  for (let i = n - 1; i >= 0; i--) {
    for (const [a, b] of edges) {
      if (a !== i) continue;
      reach[i]!.add(b);
      for (const d of reach[b]!) reach[i]!.add(d);
    }
  }
  let best = 0;
  for (let set = 1; set < 1 << n; set++) {
    const members = [...Array(n).keys()].filter((i) => set & (1 << i));
    if (members.some((i) => members.some((j) => reach[i]!.has(j)))) continue;
    best = Math.max(
      best,
      members.reduce((s, i) => s + Math.min(weight[i]!, jobs), 0),
    );
  }
  return Math.max(1, Math.min(jobs, best));
}

test('the peak equals the heaviest antichain capped at --jobs on arbitrary DAGs (fast-check)', () => {
  const dag = fc.integer({ min: 1, max: 10 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      // Edges go from a lower to a higher index: always a DAG.
      edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: n > 1 ? 20 : 0 }).map((pairs) => {
        const unique = new Map<string, [number, number]>();
        for (const [x, y] of pairs) {
          const a = x % (n - 1);
          const b = a + 1 + (y % (n - 1 - a));
          unique.set(`${a}-${b}`, [a, b]);
        }
        return [...unique.values()];
      }),
      weight: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
      jobs: fc.integer({ min: 1, max: 12 }),
    }),
  );
  fc.assert(
    fc.property(dag, ({ n, edges, weight, jobs }) => {
      // Declared in reverse so that the topological order is not the index order.
      const ids = [...Array(n).keys()].reverse().map((i) => `n${i}`);
      const g = graphOf(
        ids,
        edges.map(([a, b]) => [`n${a}`, `n${b}`]),
      );
      assert.equal(
        peakCpu(g, (id) => weight[Number(id.slice(1))]!, jobs),
        bruteForcePeak(n, edges, weight, jobs),
      );
    }),
    { numRuns: 300 },
  );
});

test('a node gets max(1, floor(cores * cpu / peak)) threads; WSOL_RUN_KERNEL_THREADS wins', () => {
  assert.equal(computeThreads({ cpu: 1, of: 2 }, 2, {}), 1);
  assert.equal(computeThreads({ cpu: 1, of: 1 }, 2, {}), 2);
  assert.equal(computeThreads({ cpu: 1, of: 2 }, 8, {}), 4);
  assert.equal(computeThreads({ cpu: 2, of: 3 }, 8, {}), 5);
  assert.equal(computeThreads({ cpu: 1, of: 4 }, 2, {}), 1, 'more slots than cores: only the node thread');
  assert.equal(computeThreads({ cpu: 1, of: 2 }, 2, { WSOL_RUN_KERNEL_THREADS: '3' }), 3);
  assert.equal(computeThreads({ cpu: 1, of: 2 }, 8, { WSOL_RUN_KERNEL_THREADS: 'x' }), 4, 'an unusable value is ignored');
});

test('nodes that can run at once never get more threads than the cores, unless there are more of them than cores (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 16 }),
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 16 }),
      (cores, of, cpus) => {
        // Whatever runs at once holds at most `of` slots.
        const running: number[] = [];
        let held = 0;
        for (const c of cpus.map((c) => Math.min(c, of))) {
          if (held + c > of) break;
          running.push(c);
          held += c;
        }
        const threads = running.reduce((s, cpu) => s + computeThreads({ cpu, of }, cores, {}), 0);
        assert.ok(threads <= Math.max(cores, running.length), `${threads} threads on ${cores} cores`);
      },
    ),
  );
});
