/**
 * What choosing the backend costs a no-op run now that webgpu is in the
 * order: whole-process wall time of a fully cached tensor pipeline with the
 * WebGPU adapter probe read from its cache file, with webgpu left out
 * (WSOL_RUN_WEBGPU=0: no probe considered) and with the probe file removed
 * first (the child-process probe runs, as after a driver change), medians
 * of N interleaved runs. Writes its section of BENCHMARKS.md.
 *
 *   npm run bench:backend-choice [-- --runs 7]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/paths.js';
import { machine, markdownTable, median, numericOption, timeProcess, updateBenchmarks } from './lib/report.js';

const RUNS = numericOption('runs', 7);
const dir = mkdtempSync(join(tmpdir(), 'wsol-bench-backend-'));
const file = join(dir, 'pipeline.json');
writeFileSync(
  file,
  JSON.stringify({
    name: 'backend-choice',
    nodes: {
      data: { type: 'dataset/cluttered-mnist', with: { train: 64, val: 16, test: 16, size: 32 } },
      cls: { type: 'train/classifier', inputs: { dataset: 'data' }, with: { channels: [8, 8], poolAfter: [0], epochs: 1, batchSize: 16 } },
      maps: { type: 'maps/cam', inputs: { model: 'cls', dataset: 'data' }, with: { splits: ['val', 'test'] } },
      eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'maps' } },
    },
  }),
);
const probe = join(dir, 'probe.json');
const bin = packagePath('bin/wsol-run.js');
const run = (env: Record<string, string>): number => {
  const saved = { ...process.env };
  Object.assign(process.env, { WSOL_RUN_PROBE_CACHE: probe, ...env });
  try {
    return timeProcess(process.execPath, [bin, file, '--no-progress'], dir);
  } finally {
    process.env = saved;
  }
};

run({}); // computes everything once (and writes the probe)
const cached: number[] = [];
const off: number[] = [];
const fresh: number[] = [];
for (let i = 0; i < RUNS; i++) {
  cached.push(run({}));
  off.push(run({ WSOL_RUN_WEBGPU: '0' }));
  rmSync(probe, { force: true });
  fresh.push(run({}));
}
rmSync(dir, { recursive: true, force: true });

const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
const table = markdownTable(
  ['no-op run of a cached 4-node tensor pipeline', 'median (s)', 'runs (s)'],
  [
    ['WebGPU adapter probe read from its cache file', median(cached).toFixed(2), fmt(cached)],
    ['webgpu left out (`WSOL_RUN_WEBGPU=0`)', median(off).toFixed(2), fmt(off)],
    ['probe file missing: the child-process probe runs', median(fresh).toFixed(2), fmt(fresh)],
  ],
);
const body = `## Choosing the backend: the cost of the WebGPU adapter probe

Machine: ${machine()}. Command: \`npm run bench:backend-choice -- --runs ${RUNS}\`, whole-process wall time, the three cases interleaved, median of ${RUNS}.

${table}

The cached probe costs a no-op run ${((median(cached) - median(off)) * 1000).toFixed(0)} ms against leaving webgpu out; a probe (once per machine, and after a driver change) ${((median(fresh) - median(cached)) * 1000).toFixed(0)} ms.
`;
console.log(body);
updateBenchmarks('backend-choice', body);
