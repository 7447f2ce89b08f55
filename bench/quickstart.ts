/**
 * The quickstart pipeline as a user runs it: whole-process wall time of a
 * cold run in a fresh cache (dataset, three trainings, maps, pseudo boxes,
 * evaluation) and of a no-op re-run, median of N each, next to the issue's
 * targets (cold <= 60 s on 2 cores, Step 18; no-op < 1 s). Writes its section of
 * BENCHMARKS.md.
 *
 *   npm run bench:quickstart [-- --runs 3]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/paths.js';
import { machine, markdownTable, median, numericOption, timeProcess, updateBenchmarks } from './lib/report.js';

const RUNS = numericOption('runs', 3);
const dir = mkdtempSync(join(tmpdir(), 'wsol-bench-quickstart-'));
const file = join(dir, 'quickstart.json');
copyFileSync(packagePath('pipelines/quickstart.json'), file);
const bin = packagePath('bin/wsol-run.js');
/** Node durations of the last cold run, from its `--json` events (what the time goes to). */
let nodeSeconds: [string, number][] = [];
const run = (): number => timeProcess(process.execPath, [bin, file, '--no-progress'], dir);
const coldRun = (): number => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, file, '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, WSOL_RUN_GPUS: '0' }, maxBuffer: 2 ** 28 });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`quickstart failed (${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  nodeSeconds = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event?: string; node?: string; durationMs?: number })
    .filter((e) => e.event === 'node-done' && e.durationMs !== undefined)
    .map((e) => [e.node!, e.durationMs! / 1000]);
  return s;
};

const loadBefore = loadavg()[0]!;
const cold: number[] = [];
const noop: number[] = [];
for (let i = 0; i < RUNS; i++) {
  rmSync(join(dir, 'cache'), { recursive: true, force: true });
  rmSync(join(dir, 'quickstart.lock.json'), { force: true });
  cold.push(coldRun());
  noop.push(run());
  console.log(`run ${i + 1}/${RUNS}: cold ${cold.at(-1)!.toFixed(1)} s, no-op ${noop.at(-1)!.toFixed(2)} s`);
}
const loadAfter = loadavg()[0]!;
rmSync(dir, { recursive: true, force: true });

const fmt = (xs: number[], digits: number): string => xs.map((x) => x.toFixed(digits)).join(', ');
const table = markdownTable(
  ['what', 'median (s)', 'runs (s)', 'target'],
  [
    ['cold run, fresh cache', median(cold).toFixed(1), fmt(cold, 1), '<= 60 s on 2 cores'],
    ['no-op re-run', median(noop).toFixed(2), fmt(noop, 2), '< 1 s'],
  ],
);
const body = `## Quickstart pipeline: cold run and no-op re-run

Machine: ${machine()}. Command: \`npm run bench:quickstart -- --runs ${RUNS}\` (measured ${new Date().toISOString().slice(0, 10)}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after). Whole-process wall time of \`wsol-run pipelines/quickstart.json\` (default backend, default jobs; cold runs with \`--json\`, whose events give each node's duration, no-op runs with \`--no-progress\`), median of ${RUNS}; each cold run starts from an empty cache.

${table}

Cold: ${median(cold) <= 60 ? 'within' : 'OVER'} the 1-minute target (Step 18). No-op: ${median(noop) < 1 ? 'within' : 'OVER'} the 1-second target.

Where the last cold run's time went (each node's duration, its worker's start included; the localizer and classifier run side by side, then everything else one after the other): ${nodeSeconds.map(([n, sec]) => `${n} ${sec.toFixed(1)} s`).join(', ')}.
`;
console.log(`\n${body}`);
updateBenchmarks('quickstart', body);
