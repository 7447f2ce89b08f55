/**
 * The BullMQ executor's overhead: the 202-node fan-out/fan-in of util/concat
 * (bench/engine-fanout.ts's shape) run cold through a real redis-server and
 * two `wsol-run worker` processes on this machine, side by side with the
 * local worker-thread pool in the same run (target: distributed cold <= 3x
 * local). Whole-process wall time of the submitting CLI, median of N.
 *
 *   npm run bench:distributed [-- --runs 3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/paths.js';
import { startRedis } from '../test/helpers/redis.js';
import { machine, markdownTable, median, numericOption, updateBenchmarks } from './lib/report.js';

const RUNS = numericOption('runs', 3);
const MIDDLE = 200;
const bin = packagePath('bin/wsol-run.js');
const dir = mkdtempSync(join(tmpdir(), 'wsol-bench-distributed-'));
const nodes: Record<string, unknown> = { src: { type: 'util/concat', with: { text: 'source\n' } } };
for (let i = 0; i < MIDDLE; i++) nodes[`m${i}`] = { type: 'util/concat', inputs: { in: 'src' }, with: { text: `middle ${i}\n` } };
nodes.all = { type: 'util/concat', inputs: { in: Array.from({ length: MIDDLE }, (_, i) => `m${i}`) }, with: { text: 'all\n' } };
const file = join(dir, 'fan-out.json');
writeFileSync(file, JSON.stringify({ name: 'fan-out', nodes }));

function timed(args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, WSOL_RUN_GPUS: '0' } });
  if (r.status !== 0) throw new Error(`wsol-run ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const redis = await startRedis();
const cache = join(dir, 'shared');
const workers = [0, 1].map(() =>
  spawn(process.execPath, [bin, 'worker', '--redis', redis.url, '--cache', cache, '--concurrency', '1'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] }),
);
await Promise.all(
  workers.map((w) => new Promise<void>((resolve) => w.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('worker ') && resolve()))),
);
const loadBefore = loadavg()[0]!;
const local: number[] = [];
const remote: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    rmSync(join(dir, 'local'), { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
    local.push(timed([file, '--no-progress', '--jobs', '2', '--cache', join(dir, 'local')]));
    remote.push(timed([file, '--no-progress', '--executor', 'bullmq', '--redis', redis.url, '--cache', cache]));
    console.log(`run ${i + 1}/${RUNS}: local ${local.at(-1)!.toFixed(2)} s, bullmq ${remote.at(-1)!.toFixed(2)} s`);
  }
} finally {
  for (const w of workers) w.kill('SIGKILL');
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
const loadAfter = loadavg()[0]!;
const ratio = median(remote) / median(local);
const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
const body = `## Distributed: 202-node fan-out through BullMQ and two workers

Machine: ${machine()}. Command: \`npm run bench:distributed -- --runs ${RUNS}\` (measured ${new Date().toISOString().slice(0, 10)}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after). Cold runs of the 202-node util/concat fan-out/fan-in (1 -> 200 -> 1), whole-process wall time of the submitting CLI, median of ${RUNS}: the local pool with \`--jobs 2\`, and \`--executor bullmq\` with a redis-server and two \`wsol-run worker --concurrency 1\` processes on the same machine and cache (each run from an empty cache).

${markdownTable(
  ['executor', 'cold median (s)', 'per node (ms)', 'runs (s)'],
  [
    ['local pool, --jobs 2', median(local).toFixed(2), ((median(local) * 1000) / (MIDDLE + 2)).toFixed(1), fmt(local)],
    ['bullmq, 2 workers', median(remote).toFixed(2), ((median(remote) * 1000) / (MIDDLE + 2)).toFixed(1), fmt(remote)],
  ],
)}

Distributed / local: ${ratio.toFixed(2)}x (${ratio <= 3 ? 'within' : 'OVER'} the 3x target).
`;
console.log(`\n${body}`);
updateBenchmarks('distributed', body);
