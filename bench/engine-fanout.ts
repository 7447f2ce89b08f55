/**
 * Engine overhead on a fan-out/fan-in pipeline of 202 util/concat nodes
 * (1 source -> 200 middle -> 1 aggregate): whole-process wall time of the
 * CLI, median of N runs, for a cold run, a no-op re-run and a re-run after
 * editing one middle node's text. Writes its section of BENCHMARKS.md.
 *
 *   npm run bench:engine [-- --runs 5 --jobs 2]
 */
import { rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/paths.js';
import { machine, markdownTable, median, numericOption, timeProcess, updateBenchmarks } from './lib/report.js';

const option = numericOption;
const RUNS = option('runs', 5);
const JOBS = option('jobs', 2);
const MIDDLE = 200;

function fanPipeline(editedText?: string): unknown {
  const nodes: Record<string, unknown> = { source: { type: 'util/concat', with: { text: 'source\n' } } };
  for (let i = 0; i < MIDDLE; i++) {
    nodes[`m${i}`] = { type: 'util/concat', inputs: { in: 'source' }, with: { text: i === 100 && editedText ? editedText : `middle ${i}\n` } };
  }
  const inputs: Record<string, string> = {};
  for (let i = 0; i < MIDDLE; i++) inputs[`in${String(i).padStart(3, '0')}`] = `m${i}`;
  nodes.aggregate = { type: 'util/concat', inputs, with: { text: 'end\n' } };
  return { name: 'fan-out-fan-in', nodes };
}

const dir = mkdtempSync(join(tmpdir(), 'wsol-bench-engine-'));
const file = join(dir, 'fan.json');
const bin = packagePath('bin/wsol-run.js');
const run = (): number => timeProcess(process.execPath, [bin, file, '--jobs', String(JOBS), '--no-progress'], dir);
const write = (edited?: string): void => writeFileSync(file, JSON.stringify(fanPipeline(edited), null, 2));
const fresh = (): void => {
  rmSync(join(dir, 'cache'), { recursive: true, force: true });
  rmSync(join(dir, 'fan.lock.json'), { force: true });
};

const cold: number[] = [];
const noop: number[] = [];
const edit: number[] = [];
for (let r = 0; r < RUNS; r++) {
  fresh();
  write();
  cold.push(run());
}
for (let r = 0; r < RUNS; r++) noop.push(run());
for (let r = 0; r < RUNS; r++) {
  write(`edited ${r}\n`); // a new value each time: exactly one middle node and the aggregate re-run
  edit.push(run());
}
rmSync(dir, { recursive: true, force: true });

const fmt = (s: number): string => `${s.toFixed(3)} s`;
const rows = [
  ['cold run (202 nodes run)', fmt(median(cold)), '≤ 2 s', median(cold) <= 2 ? 'met' : 'MISSED', '109 s'],
  ['no-op re-run (0 nodes run)', fmt(median(noop)), '≤ 0.3 s', median(noop) <= 0.3 ? 'met' : 'MISSED', '1.07 s'],
  ['re-run after editing one middle node (2 nodes run)', fmt(median(edit)), '≤ 0.5 s', median(edit) <= 0.5 ? 'met' : 'MISSED', '3.1 s'],
];
const table = markdownTable(['scenario', `wsol-run (median of ${RUNS})`, 'target', '', 'Snakemake 7.21, same shape*'], rows);
process.stdout.write(`${table}\n\nall runs (s): cold ${cold.map((x) => x.toFixed(3)).join(' ')} | no-op ${noop.map((x) => x.toFixed(3)).join(' ')} | edit ${edit.map((x) => x.toFixed(3)).join(' ')}\n`);
updateBenchmarks(
  'engine-fanout',
  `## Engine overhead: 202-node fan-out/fan-in (util/concat)

Machine: ${machine()}. Command: \`npm run bench:engine -- --runs ${RUNS} --jobs ${JOBS}\` (whole-process wall time of \`wsol-run fan.json --jobs ${JOBS}\`, median of ${RUNS}; measured ${new Date().toISOString().slice(0, 10)}).

${table}

All runs (s): cold ${cold.map((x) => x.toFixed(3)).join(', ')}; no-op ${noop.map((x) => x.toFixed(3)).join(', ')}; edit ${edit.map((x) => x.toFixed(3)).join(', ')}.

\\* Snakemake figures are the ones given in the issue for the same shape on this machine kind; we did not re-measure them.`,
);
