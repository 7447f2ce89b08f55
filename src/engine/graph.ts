import graphology from 'graphology';
import type { ResolvedPipeline } from './pipeline.js';

const { DirectedGraph } = graphology;
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

/** One cycle as a closed path [a, b, ..., a], or undefined for a DAG. */
export function findCycle(g: Dag): string[] | undefined {
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

/** Kahn's algorithm, stable with respect to the graph's node order. Assumes a DAG. */
export function topologicalOrder(g: Dag): string[] {
  const indegree = new Map<string, number>();
  for (const n of g.nodes()) indegree.set(n, g.inDegree(n));
  const order: string[] = [];
  const ready = g.nodes().filter((n) => indegree.get(n) === 0);
  // Process in declaration order: pick the earliest-declared ready node each time.
  const position = new Map(g.nodes().map((n, i) => [n, i]));
  while (ready.length) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const n = ready.shift()!;
    order.push(n);
    for (const m of g.outNeighbors(n)) {
      const d = indegree.get(m)! - 1;
      indegree.set(m, d);
      if (d === 0) ready.push(m);
    }
  }
  return order;
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
