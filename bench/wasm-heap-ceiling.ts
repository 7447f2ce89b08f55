/**
 * Where the wasm backend's heap fails: one child process per target size
 * grows tfjs-backend-wasm's heap with live tensors to that size, then runs
 * a convolution, its gradients, a matrix product and a max-pool on fresh
 * tensors (placed at the top of the heap) and compares them with the same
 * ops run on the small heap at start. Writes its section of BENCHMARKS.md:
 * the figure behind worker recycling (WSOL_RUN_RECYCLE_HEAP_MB).
 *
 *   npm run build && node dist/bench/wasm-heap-ceiling.js [-- --sizes 2.3,3.8,4.1]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machine, markdownTable, stringOption, updateBenchmarks } from './lib/report.js';

const CHILD = '--child';

async function child(targetGiB: number): Promise<void> {
  const { initTensorBackend } = await import('../src/tensor/backends/init.js');
  const tf = await initTensorBackend('wasm');
  const heap = (): number => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  const ops = (): string => {
    const x = tf.randomNormal([8, 32, 32, 16], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 2);
    const { value, grads } = tf.valueAndGrads((a: typeof x, b: typeof x) => tf.sum(tf.relu(tf.conv2d(a as never, b as never, 1, 'same'))))([x, w]);
    const m = tf.matMul(tf.reshape(x, [128, 1024]), tf.randomNormal([1024, 64], 0, 1, 'float32', 3));
    return JSON.stringify([value, tf.sum(grads[0]!), tf.sum(grads[1]!), tf.sum(m), tf.max(tf.maxPool(x as never, 2, 2, 'same'))].map((t) => t.dataSync()[0]));
  };
  const reference = ops();
  const keep: unknown[] = [];
  while (heap() < targetGiB * 2 ** 30) keep.push(tf.add(tf.zeros([16 * 2 ** 20]), 1));
  const reached = heap();
  try {
    const same = ops() === reference;
    process.stdout.write(JSON.stringify({ reached, outcome: same ? 'same results' : 'WRONG results' }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ reached, outcome: `failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` }));
  }
}

if (process.argv.includes(CHILD)) {
  await child(Number(process.argv[process.argv.indexOf(CHILD) + 1]));
} else {
  const sizes = stringOption('sizes', '1,2.3,3.5,3.9,4.1').split(',').map(Number);
  const rows: string[][] = [];
  for (const size of sizes) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), CHILD, String(size)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    let row: { reached?: number; outcome: string };
    try {
      row = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as { reached: number; outcome: string };
    } catch {
      const last = (r.stderr.match(/(RuntimeError|Error): [^\n]*/) ?? [`exit ${r.status}`])[0];
      row = { outcome: `process died: ${last}` };
    }
    rows.push([`${size} GiB`, row.reached === undefined ? '-' : `${(row.reached / 2 ** 20).toFixed(0)} MiB`, row.outcome]);
    console.log(rows.at(-1)!.join('  '));
  }
  const body = `## The wasm heap ceiling: where tfjs-backend-wasm fails (bench/wasm-heap-ceiling.ts)\n\n${machine()}\n\nCommand: \`node dist/bench/wasm-heap-ceiling.js\` (tfjs-backend-wasm; one process per row).\n\n${markdownTable(['target heap', 'heap reached', 'conv, its gradients, matMul, maxPool on fresh tensors'], rows)}\n\nThe heap grows to the largest need and never shrinks. Past 4 GiB the next allocation aborts the module (\`Aborted()\`, the failure REP10's run met), and the thread's backend is unusable afterwards: a worker thread whose heap passed WSOL_RUN_RECYCLE_HEAP_MB (2048 by default) after its node is replaced, and so is one whose module trapped.`;
  updateBenchmarks('wasm-heap-ceiling', body);
}
