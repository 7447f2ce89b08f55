import graphology from 'graphology';
import type { ResolvedPipeline } from './pipeline.js';

const { DirectedGraph } = graphology;
/** A graphology directed graph over node ids with an edge producer -> consumer for each dependency (pipelineGraph, graphOf). */
export type Dag = InstanceType<typeof DirectedGraph>;

/** A directed graph over `ids` with an edge producer -> consumer for each dependency. */
export function graphOf(ids: Iterable<string>, dependencies: Iterable<[producer: string, consumer: string]>): Dag {
  const g = new DirectedGraph();
  for (const id of ids) g.addNode(id);
  for (const [from, to] of dependencies) {
    if (!g.hasDirectedEdge(from, to)) g.addDirectedEdge(from, to);
  }
  return g;
}

/** The run graph of a resolved pipeline. */
export function pipelineGraph(p: ResolvedPipeline): Dag {
  const deps: [string, string][] = [];
  for (const n of p.nodes.values()) {
    for (const producers of Object.values(n.inputs)) for (const producer of producers) deps.push([producer, n.id]);
  }
  return graphOf(p.nodes.keys(), deps);
}

/**
 * One cycle as a closed path [a, b, ..., a], or undefined for a DAG. A depth-first search in the
 * graph's node and neighbour order, on an explicit stack (a chain of 70k nodes is deeper than the
 * call stack).
 */
export function findCycle(g: Dag): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const onPath = new Map<string, number>();
  // Per open node: its out-neighbours and how many of them were looked at.
  const frames: { next: string[]; i: number }[] = [];
  for (const root of g.nodes()) {
    if (state.has(root)) continue;
    const open = (node: string): void => {
      state.set(node, 'open');
      onPath.set(node, path.length);
      path.push(node);
      frames.push({ next: g.outNeighbors(node), i: 0 });
    };
    open(root);
    while (frames.length) {
      const frame = frames[frames.length - 1]!;
      if (frame.i < frame.next.length) {
        const next = frame.next[frame.i++]!;
        const s = state.get(next);
        if (s === 'open') return [...path.slice(onPath.get(next)!), next];
        if (s === undefined) open(next);
      } else {
        frames.pop();
        const node = path.pop()!;
        onPath.delete(node);
        state.set(node, 'done');
      }
    }
  }
  return undefined;
}

/**
 * Kahn's algorithm, stable with respect to the graph's node order: of the ready nodes, the
 * earliest-declared goes first. The ready nodes are a binary heap of declaration positions, so
 * the order costs O((nodes + edges) log nodes). Assumes a DAG.
 */
export function topologicalOrder(g: Dag): string[] {
  const nodes = g.nodes();
  const position = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) position.set(nodes[i]!, i);
  const indegree = new Int32Array(nodes.length);
  const ready = new MinHeap();
  for (let i = 0; i < nodes.length; i++) {
    indegree[i] = g.inDegree(nodes[i]!);
    if (indegree[i] === 0) ready.push(i);
  }
  const order: string[] = [];
  while (ready.size > 0) {
    const n = nodes[ready.pop()]!;
    order.push(n);
    for (const m of g.outNeighbors(n)) {
      const j = position.get(m)!;
      if (--indegree[j]! === 0) ready.push(j);
    }
  }
  return order;
}

/** A binary min-heap of non-negative integers. */
class MinHeap {
  private items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(x: number): void {
    const a = this.items;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= x) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = x;
  }

  /** Removes and returns the smallest item (the heap must not be empty). */
  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Every node reachable from `roots` (excluding the roots). */
export function descendantsOf(g: Dag, roots: Iterable<string>): Set<string> {
  return reachable(roots, (n) => g.outNeighbors(n));
}

/** Every node `roots` depend on, directly or not (excluding the roots): what their keys need. */
export function ancestorsOf(g: Dag, roots: Iterable<string>): Set<string> {
  return reachable(roots, (n) => g.inNeighbors(n));
}

function reachable(roots: Iterable<string>, next: (n: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length) {
    const n = todo.pop()!;
    for (const m of next(n)) {
      if (!seen.has(m)) {
        seen.add(m);
        todo.push(m);
      }
    }
  }
  return seen;
}
