/**
 * Sharing the quickstart with its results: bytes of the bundle, seconds to
 * export it and to import it on a fresh cache, and the run after the import
 * (a no-op) — side by side with what the bundle saves, a cold run that
 * recomputes everything. Median of N each. Writes its section of
 * BENCHMARKS.md, and leaves the cold run's lock at --lock-out if given (the
 * quickstart's committed lock is that file).
 *
 *   npm run bench:bundle [-- --runs 3] [-- --lock-out pipelines/quickstart.lock.json]
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/paths.js';
import { machine, markdownTable, median, numericOption, timeProcess, updateBenchmarks } from './lib/report.js';

const RUNS = numericOption('runs', 3);
const lockOut = (() => {
  const i = process.argv.indexOf('--lock-out');
  return i > 0 ? process.argv[i + 1] : undefined;
})();
const bin = packagePath('bin/wsol-run.js');
const home = mkdtempSync(join(tmpdir(), 'wsol-bench-bundle-'));
const file = join(home, 'quickstart.json');
copyFileSync(packagePath('pipelines/quickstart.json'), file);
const cli = (args: string[], cwd: string): number => timeProcess(process.execPath, [bin, ...args], cwd);

const loadBefore = loadavg()[0]!;
const cold = cli([file, '--no-progress'], home);
console.log(`cold run: ${cold.toFixed(1)} s`);
if (lockOut) copyFileSync(join(home, 'quickstart.lock.json'), lockOut);

const exportAll: number[] = [];
const exportLean: number[] = [];
const importAll: number[] = [];
const runAfter: number[] = [];
const bundle = join(home, 'quickstart.bundle.tar.gz');
const lean = join(home, 'quickstart.lean.tar.gz');
for (let i = 0; i < RUNS; i++) {
  exportAll.push(cli(['export', file, '--results', 'all', '-o', bundle], home));
  exportLean.push(cli(['export', file, '-o', lean], home));
  const colleague = mkdtempSync(join(tmpdir(), 'wsol-bench-bundle-colleague-'));
  importAll.push(cli(['import', bundle], colleague));
  runAfter.push(cli(['quickstart.json', '--no-progress'], colleague));
  rmSync(colleague, { recursive: true, force: true });
  console.log(
    `run ${i + 1}/${RUNS}: export ${exportAll.at(-1)!.toFixed(2)} s, import ${importAll.at(-1)!.toFixed(2)} s, run after import ${runAfter.at(-1)!.toFixed(2)} s`,
  );
}
const loadAfter = loadavg()[0]!;
const bytes = statSync(bundle).size;
const leanBytes = statSync(lean).size;
const lockedNodes = (JSON.parse(readFileSync(join(home, 'quickstart.lock.json'), 'utf8')) as { nodes: Record<string, unknown> }).nodes;
rmSync(home, { recursive: true, force: true });

const size = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
const table = markdownTable(
  ['what', 'bundle', 'median (s)', 'runs (s)'],
  [
    ['export with results (`--results all`)', size(bytes), median(exportAll).toFixed(2), fmt(exportAll)],
    ['export without results', size(leanBytes), median(exportLean).toFixed(2), fmt(exportLean)],
    ['import on a fresh cache (verifies every file)', '', median(importAll).toFixed(2), fmt(importAll)],
    ['run after import (no-op)', '', median(runAfter).toFixed(2), fmt(runAfter)],
    ['**import + run**, vs', '', (median(importAll) + median(runAfter)).toFixed(2), ''],
    ['cold run recomputing everything (1 run)', '', cold.toFixed(1), cold.toFixed(1)],
  ],
);
const body = `## Sharing the quickstart: export and import of a bundle

Machine: ${machine()}. Command: \`npm run bench:bundle -- --runs ${RUNS}\` (measured ${new Date().toISOString().slice(0, 10)}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after). Whole-process wall time of each CLI call, median of ${RUNS}; the quickstart's ${Object.keys(lockedNodes).length} results in the bundle.

${table}

A colleague who imports the bundle has every result in ${(median(importAll) + median(runAfter)).toFixed(1)} s instead of recomputing for ${cold.toFixed(0)} s (${(cold / (median(importAll) + median(runAfter))).toFixed(0)}x).
`;
console.log(`\n${body}`);
updateBenchmarks('bundle', body);
