import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

// The CLI inherits this process's environment: the derived counts need it unset.
const userThreads = process.env.WSOL_RUN_KERNEL_THREADS;
delete process.env.WSOL_RUN_KERNEL_THREADS;
after(() => {
  if (userThreads === undefined) delete process.env.WSOL_RUN_KERNEL_THREADS;
  else process.env.WSOL_RUN_KERNEL_THREADS = userThreads;
});

const cores = availableParallelism();
/** What the kernel module runs with for a share of the cores (it caps at 8). */
const moduleThreads = (cpu: number, of: number): number => Math.min(8, Math.max(1, Math.floor((cores * cpu) / of)));

const speed = (seed: number, cpu?: number): unknown => ({
  type: 'diagnostics/train-speed',
  with: { steps: 1, warmup: 0, batch: 2, size: 16, seed },
  ...(cpu ? { resources: { cpu } } : {}),
});

/** Runs a pipeline of train-speed nodes in a fresh directory; each node's kernelThreads metric. */
async function kernelThreads(nodes: Record<string, unknown>, args: string[]): Promise<Record<string, unknown>> {
  const dir = tempDir();
  const file = writePipeline(dir, { name: 'threads', nodes });
  const r = await runCli([file, '--json', ...args], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const done = r.events.filter((e) => e.event === 'node-done') as { node: string; metrics: { kernelThreads: unknown } }[];
  assert.equal(done.length, Object.keys(nodes).length);
  return Object.fromEntries(done.map((e) => [e.node, e.metrics.kernelThreads]));
}

test('two trainers side by side (--jobs 2) share the cores: each kernel module gets half', async () => {
  assert.deepEqual(await kernelThreads({ a: speed(0), b: speed(1) }, ['--jobs', '2']), { a: moduleThreads(1, 2), b: moduleThreads(1, 2) });
});

test('a lone trainer keeps every core whatever --jobs', async () => {
  assert.deepEqual(await kernelThreads({ a: speed(2) }, ['--jobs', '2']), { a: moduleThreads(1, 1) });
});

test('resources.cpu sizes the share, and a worker thread only gets nodes of its module thread count', async () => {
  // `big` holds both slots, so the two small ones run beside each other but not beside it, possibly
  // on the same piscina thread index: they must not inherit big's module (a pool per thread count).
  assert.deepEqual(await kernelThreads({ big: speed(3, 2), small: speed(4), small2: speed(7) }, ['--jobs', '2']), {
    big: moduleThreads(2, 2),
    small: moduleThreads(1, 2),
    small2: moduleThreads(1, 2),
  });
});

test('WSOL_RUN_KERNEL_THREADS set by the user wins over the derived count', async () => {
  process.env.WSOL_RUN_KERNEL_THREADS = '3';
  try {
    assert.deepEqual(await kernelThreads({ a: speed(5), b: speed(6) }, ['--jobs', '2']), { a: 3, b: 3 });
  } finally {
    delete process.env.WSOL_RUN_KERNEL_THREADS;
  }
});
