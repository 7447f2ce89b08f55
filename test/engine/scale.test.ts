/**
 * `plan` and `run` stay linear in the number of nodes (Step 16). No timings
 * here (those are in bench/engine-fanout.ts): each check counts the work the
 * code does through the operations that made it quadratic before (re-sorting
 * and shifting a ready list, copying a map per node, padding every row to
 * the widest one, racing every pending promise per wake-up, splicing a run
 * queue) and asserts that four times the nodes cost at most about four times
 * the work. A quadratic path costs sixteen times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderPlan } from '../../src/cli/commands/plan.js';
import { table } from '../../src/cli/format.js';
import type { Artifact, CacheStore, Lookup } from '../../src/engine/cache/cache.js';
import { LocalCacheStore } from '../../src/engine/cache/store.js';
import type { Executor } from '../../src/engine/executors/executor.js';
import { findCycle, graphOf, topologicalOrder, type Dag } from '../../src/engine/graph.js';
import { actionKey } from '../../src/engine/keys.js';
import { parseJsonSource } from '../../src/engine/load/json-source.js';
import { prepareSchemas, resolvePipeline } from '../../src/engine/load/load-pipeline.js';
import type { ResolvedPipeline } from '../../src/engine/pipeline.js';
import { keyMaterial } from '../../src/engine/run/node-keys.js';
import { peakCpu } from '../../src/engine/run/parallelism.js';
import { planPipeline } from '../../src/engine/run/plan.js';
import { schedule } from '../../src/engine/run/scheduler.js';
import { nodeTypes } from '../../src/nodes/registry.js';

// --- the work counter --------------------------------------------------------

let work = 0;
let counting = false;
const originals = {
  sort: Array.prototype.sort,
  shift: Array.prototype.shift,
  splice: Array.prototype.splice,
  set: Map.prototype.set,
  padEnd: String.prototype.padEnd,
  race: Promise.race,
};

/** The work `fn` does through the counted operations (each costs the size it touches). */
async function workOf(fn: () => unknown): Promise<number> {
  work = 0;
  counting = true;
  try {
    await fn();
  } finally {
    counting = false;
  }
  return work;
}

function install(): void {
  Array.prototype.sort = function (this: unknown[], ...args) {
    if (counting) work += this.length;
    return originals.sort.apply(this, args as [never]);
  };
  Array.prototype.shift = function (this: unknown[]) {
    if (counting) work += this.length;
    return originals.shift.apply(this);
  };
  Array.prototype.splice = function (this: unknown[], ...args: unknown[]) {
    if (counting) work += this.length;
    return originals.splice.apply(this, args as [number, number]);
  } as typeof Array.prototype.splice;
  Map.prototype.set = function (this: Map<unknown, unknown>, k: unknown, v: unknown) {
    if (counting) work += 1;
    return originals.set.call(this, k, v);
  };
  String.prototype.padEnd = function (this: string, length: number, fill?: string) {
    if (counting) work += Math.max(length, this.length);
    return originals.padEnd.call(this, length, fill);
  };
  Promise.race = function <T>(this: PromiseConstructor, values: Iterable<T>) {
    const list = [...values];
    if (counting) work += list.length;
    return originals.race.call(this, list) as Promise<Awaited<T>>;
  } as typeof Promise.race;
}

function uninstall(): void {
  Array.prototype.sort = originals.sort;
  Array.prototype.shift = originals.shift;
  Array.prototype.splice = originals.splice;
  Map.prototype.set = originals.set;
  String.prototype.padEnd = originals.padEnd;
  Promise.race = originals.race;
}

/** Asserts that `measure` at 4n does at most 6 times its work at n (linear: 4, n log n: under 5, quadratic: 16). */
async function assertLinear(what: string, n: number, measure: (n: number) => Promise<number>): Promise<void> {
  install();
  try {
    const small = await measure(n);
    const large = await measure(4 * n);
    assert.ok(small > 0, `${what}: nothing counted`);
    assert.ok(large <= 6 * small, `${what}: ${n} nodes cost ${small}, ${4 * n} nodes cost ${large} (${(large / small).toFixed(1)} times)`);
  } finally {
    uninstall();
  }
}

// --- pipelines ---------------------------------------------------------------

/** One source, `middle` nodes each taking it, one gather node taking them all (test/cli/distributed.test.ts). */
function fanOutFile(middle: number): unknown {
  const nodes: Record<string, unknown> = { src: { type: 'util/concat', with: { text: 'source\n' } } };
  for (let i = 0; i < middle; i++) nodes[`m${i}`] = { type: 'util/concat', inputs: { in: 'src' }, with: { text: `middle ${i}\n` } };
  nodes.all = { type: 'util/concat', inputs: { in: Array.from({ length: middle }, (_, i) => `m${i}`) }, with: { text: 'all\n' } };
  return { name: 'fan-out', nodes };
}

async function fanOut(middle: number, file = join(tmpdir(), 'fan-out.json')): Promise<ResolvedPipeline> {
  await prepareSchemas(nodeTypes);
  const p = resolvePipeline(parseJsonSource(JSON.stringify(fanOutFile(middle)), 'fan-out.json'), { types: nodeTypes });
  return { ...p, file, plugins: [] };
}

const fanOutGraph = (middle: number): Dag => {
  const ids = ['src', ...Array.from({ length: middle }, (_, i) => `m${i}`), 'all'];
  const deps: [string, string][] = [];
  for (let i = 0; i < middle; i++) deps.push(['src', `m${i}`], [`m${i}`, 'all']);
  return graphOf(ids, deps);
};

/** The cycle findCycle found before Step 16 (a recursive depth-first search): the reference. */
function referenceCycle(g: Dag): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of g.outNeighbors(node)) {
      const s = state.get(next);
      if (s === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const c = visit(next);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of g.nodes()) {
    if (!state.has(node)) {
      const c = visit(node);
      if (c) return c;
    }
  }
  return undefined;
}

/** The order topologicalOrder gave before Step 16 (re-sorting the ready list by declaration each time): the reference. */
function referenceOrder(g: Dag): string[] {
  const indegree = new Map(g.nodes().map((n) => [n, g.inDegree(n)]));
  const position = new Map(g.nodes().map((n, i) => [n, i]));
  const ready = g.nodes().filter((n) => indegree.get(n) === 0);
  const order: string[] = [];
  while (ready.length) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const n = ready.shift()!;
    order.push(n);
    for (const m of g.outNeighbors(n)) {
      indegree.set(m, indegree.get(m)! - 1);
      if (indegree.get(m) === 0) ready.push(m);
    }
  }
  return order;
}

// --- ordering ----------------------------------------------------------------

test('cycle check: the same cycle as before on random graphs, and no stack overflow on a 70k-node chain', () => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  let cycles = 0;
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(random() * 25);
    const ids = Array.from({ length: n }, (_, i) => `n${i}`);
    const deps: [string, string][] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && random() < 0.06) deps.push([ids[i]!, ids[j]!]);
    const g = graphOf(ids, deps);
    const found = findCycle(g);
    if (found) cycles++;
    assert.deepEqual(found, referenceCycle(g), `round ${round}`);
  }
  assert.ok(cycles > 20 && cycles < 280, `both kinds of graph were tried (${cycles} with a cycle)`);
  const n = 70_000;
  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  const chain = Array.from({ length: n - 1 }, (_, i): [string, string] => [`c${i}`, `c${i + 1}`]);
  assert.equal(findCycle(graphOf(ids, chain)), undefined);
  assert.deepEqual(findCycle(graphOf(ids, [...chain, [`c${n - 1}`, 'c0']]))?.length, n + 1, 'the whole ring');
});

test('topological order: the earliest-declared ready node first, exactly as before, on random DAGs', () => {
  let seed = 1;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let round = 0; round < 200; round++) {
    const n = 1 + Math.floor(random() * 40);
    // A random DAG over a random rank, declared in a shuffled order.
    const rank = Array.from({ length: n }, (_, i) => `n${i}`);
    const declared = [...rank].sort(() => random() - 0.5);
    const deps: [string, string][] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (random() < 0.15) deps.push([rank[i]!, rank[j]!]);
    const g = graphOf(declared, deps);
    assert.deepEqual(topologicalOrder(g), referenceOrder(g), `round ${round}`);
  }
  const fan = fanOutGraph(1000);
  assert.deepEqual(topologicalOrder(fan), ['src', ...Array.from({ length: 1000 }, (_, i) => `m${i}`), 'all']);
  const chain = graphOf(
    Array.from({ length: 50_000 }, (_, i) => `c${49_999 - i}`),
    Array.from({ length: 49_999 }, (_, i): [string, string] => [`c${i}`, `c${i + 1}`]),
  );
  assert.deepEqual(
    topologicalOrder(chain),
    Array.from({ length: 50_000 }, (_, i) => `c${i}`),
    'a 50k-node chain declared backwards',
  );
});

test('topological order of a fan-out is linear in its nodes', async () => {
  await assertLinear('topologicalOrder', 2000, async (n) => {
    const g = fanOutGraph(n);
    return workOf(() => topologicalOrder(g));
  });
});

// --- plan --------------------------------------------------------------------

test('the plan table is linear in its rows even when one reason is as long as all the node names', async () => {
  // The text is what it was: every column but the last padded to its widest cell, lines right-trimmed.
  assert.equal(
    table(
      ['a', 'bb', 'c'],
      [
        ['xxx', 'y', 'z  '],
        ['', 'yyyy', 'last'],
      ],
    ),
    'a    bb    c\n---  ----  ----\nxxx  y     z\n     yyyy  last',
  );
  await assertLinear('renderPlan', 2000, async (n) => {
    const p = await fanOut(n);
    const entries = [...p.nodes.keys()].map((id) => ({
      node: id,
      type: 'util/concat',
      status: 'to-run' as const,
      reason: id === 'all' ? `upstream ${[...p.nodes.keys()].filter((x) => x.startsWith('m')).join(', ')} will run` : 'not in the cache',
    }));
    return workOf(() => renderPlan(entries));
  });
});

test('plan on a warm cache is linear in the nodes (and names every node cached)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wsol-scale-plan-'));
  try {
    await assertLinear('planPipeline', 300, async (n) => {
      const cacheDir = join(root, `cache-${n}`);
      const p = await fanOut(n, join(root, `fan-${n}.json`));
      // One artifact, recorded under every node's key: each lookup is a hit.
      const cache = new LocalCacheStore(cacheDir);
      await cache.open();
      const work = await cache.createWorkDir();
      writeFileSync(join(work, 'out.txt'), 'x\n');
      const artifact = await cache.adopt(work, { type: 'util/concat', version: 1 });
      const digests = new Map<string, string>();
      for (const node of p.nodes.values()) {
        await cache.recordAction(actionKey(keyMaterial(node, digests, {})!), artifact.digest, 'util/concat');
        digests.set(node.id, artifact.digest);
      }
      let cached = 0;
      const counted = await workOf(async () => {
        const entries = await planPipeline(p, { cacheDir, force: [], env: {}, verify: false });
        cached = entries.filter((e) => e.status === 'cached').length;
      });
      assert.equal(cached, n + 2);
      return counted;
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// --- run ---------------------------------------------------------------------

/** A cache in memory: every key a hit (`warm`) or a miss; hits return one made-up artifact. */
function memoryCache(warm: boolean): CacheStore {
  const dir = mkdtempSync(join(tmpdir(), 'wsol-scale-art-'));
  mkdirSync(dir, { recursive: true });
  const artifact: Artifact = { digest: 'd'.repeat(64), dir, manifest: { files: [], producer: { type: 'util/concat', version: 1 } } as never };
  return {
    lookup: async (): Promise<Lookup> => (warm ? { status: 'hit', artifact } : { status: 'miss' }),
    artifact: async () => ({ ok: true, artifact }),
    artifactDir: () => dir,
    beginWrite: () => Promise.reject(new Error('not used')),
    checkpointDir: () => dir,
    removeCheckpoint: async () => undefined,
  };
}

/** Runs every node at once (no worker): a digest from the node id, a tick later. */
const instantExecutor: Executor = {
  run: async (task) => {
    await new Promise((r) => setImmediate(r));
    return { ok: true, digest: task.nodeId.padEnd(64, '0').slice(0, 64) };
  },
  close: async () => undefined,
};

async function scheduleWork(n: number, warm: boolean): Promise<number> {
  const p = await fanOut(n);
  let counts = { ran: 0, cached: 0 };
  const counted = await workOf(async () => {
    const r = await schedule(p, {
      cache: memoryCache(warm),
      executor: async () => instantExecutor,
      plugins: [],
      jobs: 2,
      gpus: 0,
      checkpointEvery: 0,
      force: new Set(),
      keepGoing: false,
      verification: 'fast',
      env: {},
      previous: undefined,
      signal: new AbortController().signal,
      emit: () => undefined,
    });
    counts = r.counts;
  });
  assert.deepEqual([counts.ran, counts.cached], warm ? [0, n + 2] : [n + 2, 0]);
  return counted;
}

test('a cold run of a fan-out schedules in work linear in its nodes', async () => {
  await assertLinear('schedule (cold)', 1000, (n) => scheduleWork(n, false));
});

test('a no-op run of a fan-out (every node cached) is linear in its nodes', async () => {
  await assertLinear('schedule (no-op)', 1000, (n) => scheduleWork(n, true));
});

test('a --keep-going run where many nodes fail above a long tail skips the tail once, not once per failure', async () => {
  // src -> n failing nodes -> all -> a chain of n: each failure used to walk all its descendants again.
  const owner = (g: Dag): { outNeighbors: Dag['outNeighbors'] } => {
    let o = Object.getPrototypeOf(g);
    while (!Object.hasOwn(o, 'outNeighbors')) o = Object.getPrototypeOf(o);
    return o;
  };
  const proto = owner(graphOf(['a'], []));
  const original = proto.outNeighbors;
  proto.outNeighbors = function (this: Dag, ...args: Parameters<Dag['outNeighbors']>) {
    if (counting) work++;
    return original.apply(this, args);
  } as Dag['outNeighbors'];
  const failing: Executor = {
    run: async (task) => (task.nodeId.startsWith('m') ? { ok: false, error: { message: 'no', stack: '' } } : { ok: true, digest: 'e'.repeat(64) }),
    close: async () => undefined,
  };
  try {
    await assertLinear('schedule (failures)', 300, async (n) => {
      const file = fanOutFile(n) as { nodes: Record<string, unknown> };
      for (let i = 0; i < n; i++) file.nodes[`t${i}`] = { type: 'util/concat', inputs: { in: i === 0 ? 'all' : `t${i - 1}` }, with: { text: `t${i}\n` } };
      await prepareSchemas(nodeTypes);
      const p: ResolvedPipeline = {
        ...resolvePipeline(parseJsonSource(JSON.stringify(file), 'tail.json'), { types: nodeTypes }),
        file: join(tmpdir(), 'tail.json'),
        plugins: [],
      };
      let counts = { failed: 0, skipped: 0 };
      const counted = await workOf(async () => {
        const r = await schedule(p, {
          cache: memoryCache(false),
          executor: async () => failing,
          plugins: [],
          jobs: 2,
          gpus: 0,
          checkpointEvery: 0,
          force: new Set(),
          keepGoing: true,
          verification: 'fast',
          env: {},
          previous: undefined,
          signal: new AbortController().signal,
          emit: () => undefined,
        });
        counts = r.counts;
      });
      assert.deepEqual([counts.failed, counts.skipped], [n, n + 1]);
      return counted;
    });
  } finally {
    proto.outNeighbors = original;
  }
});

test("the run's peak parallelism of a few long parallel chains is found in work linear in the nodes", async () => {
  // k chains side by side, --jobs above k: the peak is k (weights 1). Counted: the arrays it builds.
  const push = Array.prototype.push;
  Array.prototype.push = function (this: unknown[], ...items: unknown[]) {
    if (counting) work += items.length;
    return push.apply(this, items);
  };
  try {
    await assertLinear('peakCpu', 500, async (m) => {
      const k = 3;
      const ids: string[] = [];
      const deps: [string, string][] = [];
      for (let c = 0; c < k; c++) {
        for (let i = 0; i < m; i++) {
          ids.push(`c${c}-${i}`);
          if (i > 0) deps.push([`c${c}-${i - 1}`, `c${c}-${i}`]);
        }
      }
      const g = graphOf(ids, deps);
      let peak = 0;
      const counted = await workOf(() => {
        peak = peakCpu(g, () => 1, 8);
      });
      assert.equal(peak, k);
      return counted;
    });
  } finally {
    Array.prototype.push = push;
  }
});
