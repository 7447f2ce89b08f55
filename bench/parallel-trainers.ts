/**
 * Two trainers side by side vs one after the other: a pipeline of two
 * independent `diagnostics/train-speed` nodes (the reference CNN at its
 * reference size, different seeds), whole-process wall time of the CLI in
 * three modes, interleaved (each round runs every mode once, in rotating
 * order), a fresh cache each run, median of N:
 *
 *   - sequential: --jobs 1, each node with every core;
 *   - side by side: --jobs 2, each node with its share (src/engine/executors/executor.ts computeThreads());
 *   - oversubscribed: --jobs 2 with WSOL_RUN_KERNEL_THREADS=<cores>, the
 *     behaviour before shares (every kernel module one thread per core).
 *
 * Writes its section of BENCHMARKS.md.
 *
 *   npm run bench:parallel [-- --runs 3 --steps 120]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/paths.js';
import { machine, markdownTable, median, numericOption, updateBenchmarks } from './lib/report.js';

const RUNS = numericOption('runs', 3);
const STEPS = numericOption('steps', 120);
const cores = availableParallelism();

interface Mode {
  name: string;
  /** The command line as shown in BENCHMARKS.md. */
  command: string;
  jobs: number;
  kernelThreads?: number;
}

const MODES: Mode[] = [
  { name: 'one after the other', command: 'wsol-run two.json --jobs 1', jobs: 1 },
  { name: 'side by side, threads derived', command: 'wsol-run two.json --jobs 2', jobs: 2 },
  {
    name: 'side by side, oversubscribed (before)',
    command: `WSOL_RUN_KERNEL_THREADS=${cores} wsol-run two.json --jobs 2`,
    jobs: 2,
    kernelThreads: cores,
  },
];

const dir = mkdtempSync(join(tmpdir(), 'wsol-bench-parallel-'));
const file = join(dir, 'two.json');
const trainer = (seed: number): unknown => ({ type: 'diagnostics/train-speed', with: { steps: STEPS, warmup: 2, batch: 32, size: 64, seed } });
writeFileSync(file, JSON.stringify({ name: 'two-trainers', nodes: { t0: trainer(0), t1: trainer(1) } }, null, 2));
const bin = packagePath('bin/wsol-run.js');

interface NodeDone {
  event: 'node-done';
  node: string;
  durationMs: number;
  metrics: { imagesPerSecond: number; kernelThreads: number | null };
}

interface Sample {
  wall: number;
  nodes: NodeDone[];
  load: number;
}

/** One cold run of the pipeline in `mode`: whole-process wall time and each node's metrics (same method as lib/report's timeProcess). */
function runOnce(mode: Mode): Sample {
  rmSync(join(dir, 'cache'), { recursive: true, force: true });
  rmSync(join(dir, 'two.lock.json'), { force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, WSOL_RUN_GPUS: '0' };
  delete env.WSOL_RUN_KERNEL_THREADS;
  if (mode.kernelThreads !== undefined) env.WSOL_RUN_KERNEL_THREADS = String(mode.kernelThreads);
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, file, '--jobs', String(mode.jobs), '--json'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${mode.command} failed (${r.status ?? r.error?.message}):\n${r.stdout}\n${r.stderr}`);
  const nodes = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string })
    .filter((e): e is NodeDone => e.event === 'node-done');
  if (nodes.length !== 2) throw new Error(`${mode.command}: expected 2 nodes run, got ${nodes.length}:\n${r.stdout}`);
  return { wall, nodes, load: loadavg()[0]! };
}

const samples = new Map<Mode, Sample[]>(MODES.map((m) => [m, []]));
const loadBefore = loadavg()[0]!;
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < MODES.length; k++) {
    const mode = MODES[(round + k) % MODES.length]!;
    const s = runOnce(mode);
    samples.get(mode)!.push(s);
    const threads = s.nodes.map((n) => n.metrics.kernelThreads).join('+');
    console.log(`round ${round + 1}/${RUNS} ${mode.name}: ${s.wall.toFixed(1)} s (kernel threads ${threads}, load ${s.load.toFixed(1)})`);
  }
}
const loadAfter = loadavg()[0]!;
rmSync(dir, { recursive: true, force: true });

const sequential = median(samples.get(MODES[0]!)!.map((s) => s.wall));
const rows = MODES.map((mode) => {
  const ss = samples.get(mode)!;
  const walls = ss.map((s) => s.wall);
  const threads = [...new Set(ss.map((s) => s.nodes.map((n) => n.metrics.kernelThreads).join(' + ')))].join(', ');
  const ips = median(ss.flatMap((s) => s.nodes.map((n) => n.metrics.imagesPerSecond)));
  const nodeS = median(ss.flatMap((s) => s.nodes.map((n) => n.durationMs / 1000)));
  return [
    mode.name,
    `\`${mode.command}\``,
    threads,
    median(walls).toFixed(1),
    (median(walls) / sequential).toFixed(2),
    walls.map((w) => w.toFixed(1)).join(', '),
    nodeS.toFixed(1),
    ips.toFixed(1),
  ];
});
const table = markdownTable(
  ['mode', 'command', 'kernel threads per node', 'median wall (s)', 'vs one after the other', 'runs (s)', 'median node time (s)', 'median img/s per node'],
  rows,
);
const parallel = median(samples.get(MODES[1]!)!.map((s) => s.wall));
const over = median(samples.get(MODES[2]!)!.map((s) => s.wall));
// Like bench/train-throughput.ts: say when other work shared the machine (or when the runs had a raised priority).
const nice = getPriority();
const loadNote =
  (loadBefore > 0.5 * cores
    ? ` The machine was busy before the first run (load ${loadBefore.toFixed(1)} on ${cores} cores): other work competed with every mode, which spreads the runs; interleaving spreads it over the modes alike.`
    : '') + (nice < 0 ? ` The runs had nice ${nice} (raised priority).` : '');
const body = `## Two trainers: side by side vs one after the other

Machine: ${machine()}. Command: \`npm run bench:parallel -- --runs ${RUNS} --steps ${STEPS}\` (measured ${new Date().toISOString().slice(0, 10)}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; after each run: ${[
  ...samples.values(),
]
  .flat()
  .map((s) => s.load.toFixed(1))
  .join(
    ', ',
  )}). Pipeline: two independent \`diagnostics/train-speed\` nodes (reference CNN, 64x64x3, batch 32, Adam, ${STEPS} timed steps after 2 warm-up steps, seeds 0 and 1), wasm backend. Whole-process wall time of the CLI (with \`--json\`), median of ${RUNS}, the three modes interleaved (each round runs every mode once, in rotating order), each run from an empty cache. Kernel threads: the \`kernelThreads\` metric of each node (the module's threads, the node's own included). Node time: the node's duration (worker start-up and backend start included); img/s: the node's median training step.${loadNote}

${table}

Side by side with derived threads: ${(parallel / sequential).toFixed(2)}x the wall time of one after the other (${parallel <= sequential * 1.02 ? 'no longer' : 'LONGER'}); oversubscribed: ${(over / sequential).toFixed(2)}x (derived vs oversubscribed: ${(parallel / over).toFixed(2)}x).
`;
console.log(`\n${body}`);
updateBenchmarks('parallel-trainers', body);
