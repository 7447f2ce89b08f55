/**
 * How many worker slots (`resources.cpu`) can be busy at once in a run: the
 * denominator of each node's share of the machine's cores (computeThreads()
 * in ../executors/executor.ts).
 *
 * The scheduler starts a node only when every input is done, so the nodes
 * running at any moment are pairwise unrelated in the DAG (an antichain), and
 * it never holds more than `jobs` slots. The peak is therefore
 * min(jobs, heaviest antichain), each node weighing min(cpu, jobs). Using the
 * antichain and not `jobs` alone matters with the default `--jobs` (the
 * cores): a chain of trainers, or a lone one, keeps all the cores instead of
 * one each.
 */
import { ancestorsOf, descendantsOf, topologicalOrder, type Dag } from '../graph.js';

/** min(jobs, the largest total weight of nodes that can run at the same time); at least 1. */
export function peakCpu(graph: Dag, cpuOf: (id: string) => number, jobs: number): number {
  const order = topologicalOrder(graph);
  const index = new Map(order.map((id, i) => [id, i]));
  const n = order.length;
  const weight = order.map((id) => Math.max(0, Math.min(cpuOf(id), jobs)));

  // Cheap lower bound: nodes at the same depth (longest path from a source) are unrelated.
  const depth = new Int32Array(n);
  const levels = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    for (const next of graph.outNeighbors(order[i]!)) {
      const j = index.get(next)!;
      depth[j] = Math.max(depth[j]!, depth[i]! + 1);
    }
    levels.set(depth[i]!, (levels.get(depth[i]!) ?? 0) + weight[i]!);
  }
  let widest = 0;
  for (const w of levels.values()) widest = Math.max(widest, w);
  if (widest >= jobs) return jobs;

  // Cheap upper bound: a cover of the DAG by chains (each node appended to the chain that ends at one
  // of its inputs, if any is still open). An antichain takes at most one node of each chain, so it
  // weighs at most the sum of the chains' heaviest nodes. When that equals the lower bound, it is the
  // answer: so a chain, or a few chains side by side, cost linear time, not the exact count's n^2.
  const chainOf = new Int32Array(n).fill(-1);
  const open = new Uint8Array(n); // 1 while node i ends its chain
  const heaviest: number[] = [];
  for (let i = 0; i < n; i++) {
    let tail = -1; // the earliest input that still ends its chain
    for (const prev of graph.inNeighbors(order[i]!)) {
      const j = index.get(prev)!;
      if (open[j] && (tail === -1 || j < tail)) tail = j;
    }
    if (tail === -1) {
      chainOf[i] = heaviest.length;
      heaviest.push(weight[i]!);
    } else {
      open[tail] = 0;
      chainOf[i] = chainOf[tail]!;
      heaviest[chainOf[i]!] = Math.max(heaviest[chainOf[i]!]!, weight[i]!);
    }
    open[i] = 1;
  }
  let upper = 0;
  for (const w of heaviest) upper += w;
  if (upper <= widest) return Math.max(1, Math.min(jobs, widest));

  // Exact: by Dilworth's theorem, the heaviest antichain is the total weight minus a
  // maximum matching in the comparability graph, each node taken `weight` times.
  const words = Math.ceil(n / 32);
  const reach = Array.from({ length: n }, () => new Uint32Array(words));
  for (let i = n - 1; i >= 0; i--) {
    const r = reach[i]!;
    for (const next of graph.outNeighbors(order[i]!)) {
      const j = index.get(next)!;
      r[j >>> 5]! |= 1 << (j & 31);
      const rj = reach[j]!;
      for (let k = 0; k < words; k++) r[k]! |= rj[k]!;
    }
  }
  const descendants = reach.map((r) => {
    const out: number[] = [];
    for (let j = 0; j < n; j++) if (r[j >>> 5]! & (1 << (j & 31))) out.push(j);
    return out;
  });
  // Copy c of node v is copy number first[v] + c on either side of the bipartite graph.
  const first = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) first[i + 1] = first[i]! + weight[i]!;
  const copies = first[n]!;
  const matchOfRight = new Int32Array(copies).fill(-1);
  const nodeOf = new Int32Array(copies);
  for (let i = 0; i < n; i++) nodeOf.fill(i, first[i]!, first[i + 1]!);
  const seen = new Uint8Array(copies);
  const augment = (left: number): boolean => {
    for (const j of descendants[nodeOf[left]!]!) {
      for (let right = first[j]!; right < first[j + 1]!; right++) {
        if (seen[right]) continue;
        seen[right] = 1;
        if (matchOfRight[right] === -1 || augment(matchOfRight[right]!)) {
          matchOfRight[right] = left;
          return true;
        }
      }
    }
    return false;
  };
  let matched = 0;
  for (let left = 0; left < copies; left++) {
    seen.fill(0);
    if (augment(left)) matched++;
  }
  return Math.max(1, Math.min(jobs, copies - matched));
}

/** Past this many nodes the share stays the run's peak: the phase costs a walk of the graph per compute node started. */
const PHASE_LIMIT = 5_000;

/**
 * The `of` of a compute node's share when it starts: the slots that can be
 * busy beside it from now on, i.e. its own plus those of the compute nodes
 * that are neither its ancestors nor its descendants and have not finished,
 * at most the run's peak. A node that will run alone (the quickstart's
 * regressor, after the localizer and classifier that ran side by side) gets
 * every core, where the run's peak gave it one. Nodes that do not compute
 * (no backend in their key) are not counted: their threads start no kernel
 * helpers. Thread counts never change results (the kernels' sums do not
 * depend on them), only speed.
 */
export function phaseShare(
  graph: Dag,
  id: string,
  o: { cpuOf: (id: string) => number; computes: (id: string) => boolean; finished: (id: string) => boolean; jobs: number; peak: number },
): number {
  if (graph.order > PHASE_LIMIT) return o.peak;
  const related = descendantsOf(graph, [id]);
  for (const a of ancestorsOf(graph, [id])) related.add(a);
  let busy = Math.min(o.cpuOf(id), o.jobs);
  graph.forEachNode((other) => {
    if (other !== id && !related.has(other) && o.computes(other) && !o.finished(other)) busy += Math.min(o.cpuOf(other), o.jobs);
  });
  return Math.max(1, Math.min(o.peak, busy));
}
