/**
 * The quickstart pipeline as a user runs it: whole-process wall time of a
 * cold run in a fresh cache (dataset, three trainings, maps, pseudo boxes,
 * evaluation) and of a no-op re-run, median of N each, next to the issue's
 * targets (cold <= 5 min on 2 cores, no-op < 1 s). Writes its section of
 * BENCHMARKS.md.
 *
 *   npm run bench:quickstart [-- --runs 3]
 */
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
const run = (): number => timeProcess(process.execPath, [bin, file, '--no-progress'], dir);

const loadBefore = loadavg()[0]!;
const cold: number[] = [];
const noop: number[] = [];
for (let i = 0; i < RUNS; i++) {
  rmSync(join(dir, 'cache'), { recursive: true, force: true });
  rmSync(join(dir, 'quickstart.lock.json'), { force: true });
  cold.push(run());
  noop.push(run());
  console.log(`run ${i + 1}/${RUNS}: cold ${cold.at(-1)!.toFixed(1)} s, no-op ${noop.at(-1)!.toFixed(2)} s`);
}
const loadAfter = loadavg()[0]!;
rmSync(dir, { recursive: true, force: true });

const fmt = (xs: number[], digits: number): string => xs.map((x) => x.toFixed(digits)).join(', ');
const table = markdownTable(
  ['what', 'median (s)', 'runs (s)', 'target'],
  [
    ['cold run, fresh cache', median(cold).toFixed(1), fmt(cold, 1), '<= 300 s on 2 cores'],
    ['no-op re-run', median(noop).toFixed(2), fmt(noop, 2), '< 1 s'],
  ],
);
const body = `## Quickstart pipeline: cold run and no-op re-run

Machine: ${machine()}. Command: \`npm run bench:quickstart -- --runs ${RUNS}\` (measured ${new Date().toISOString().slice(0, 10)}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after). Whole-process wall time of \`wsol-run pipelines/quickstart.json\` (default backend, default jobs), median of ${RUNS}; each cold run starts from an empty cache.

${table}

Cold: ${median(cold) <= 300 ? 'within' : 'OVER'} the 5-minute target. No-op: ${median(noop) < 1 ? 'within' : 'OVER'} the 1-second target.
`;
console.log(`\n${body}`);
updateBenchmarks('quickstart', body);
