/**
 * The kernel module on its own: threads, resident inputs, failure handling,
 * and that the committed .wasm files are what the C source compiles to.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { J, OP, REDUCTION_BLOCKS, WG_TRANSFORM_FLOATS } from '../../src/tensor/kernels/layout.js';
import { ArenaFull, KernelModule, type InputSpec } from '../../src/tensor/kernels/module.js';
import { buildKernelModules, findClang, KERNEL_MODULES } from '../../src/tensor/kernels/build.js';
import { startKernelModule } from '../../src/tensor/backends/init.js';

let mod: KernelModule;
before(async () => {
  mod = await KernelModule.start({ threads: 2 });
});
after(async () => {
  await mod.stop();
});

/** An input of `floats` values, all equal to `value`, counting how often it is copied. */
function input(key: object, floats: number, value: number, copies: Map<object, number>): InputSpec {
  return {
    key,
    floats,
    fill: (dst) => {
      dst.fill(value);
      copies.set(key, (copies.get(key) ?? 0) + 1);
    },
  };
}

/** Column sums of a [rows, k] matrix on `m`, REDUCTION_BLOCKS partial sums added in order. */
function columnSums(m: KernelModule, src: Float32Array, rows: number, k: number): Float32Array {
  const [x] = m.startCall([{ key: {}, floats: src.length, fill: (d) => d.set(src) }]);
  const { at, fields } = m.job();
  const k4 = Math.ceil(k / 4) * 4;
  const parts = m.alloc(REDUCTION_BLOCKS * k4 * 4);
  m.f32(parts, REDUCTION_BLOCKS * k4).fill(NaN); // each block must write its whole part
  fields[J.OP] = OP.columnSums;
  fields[J.N] = rows;
  fields[J.K] = k;
  fields[J.X] = x!;
  fields[J.Y] = parts;
  fields[J.BLOCKS] = REDUCTION_BLOCKS;
  m.runParallel(at);
  m.exports.sum_blocks(parts, REDUCTION_BLOCKS, k4);
  return m.f32(parts, k).slice();
}

test('jobs run on two threads, match plain JS, and give the same bits as one thread', async () => {
  assert.equal(mod.threads, 2);
  const rows = 1000;
  const k = 7;
  const src = Float32Array.from({ length: rows * k }, (_, i) => Math.sin(i) * (1 + (i % 13)));
  const one = await KernelModule.start({ threads: 1 });
  const reference = columnSums(one, src, rows, k);
  await one.stop();
  for (let j = 0; j < k; j++) {
    let expected = 0;
    for (let i = 0; i < rows; i++) expected += src[i * k + j]!;
    assert.ok(Math.abs(reference[j]! - expected) < 1e-3, `column ${j}: ${reference[j]} vs ${expected}`);
  }
  // Many repetitions: the helper joins some jobs and not others, takes different blocks; the bits never change.
  for (let r = 0; r < 200; r++) assert.deepEqual(columnSums(mod, src, rows, k), reference, `repetition ${r}`);
});

/** Runs filter-transform job `op` on every thread, each with the scratch a transform needs. */
function transformJob(op: number, src: number, out: number, c: number, k: number, transposed: boolean): void {
  const { at, fields } = mod.job();
  const stride = Math.ceil((WG_TRANSFORM_FLOATS * 4 + 64) / 64) * 64;
  fields[J.SCRATCH] = mod.alloc(stride * mod.threads);
  fields[J.SCRATCH_BYTES] = stride;
  Object.assign(fields, { [J.OP]: op, [J.X]: src, [J.Y]: out, [J.C]: c, [J.K]: k, [J.ACT]: transposed ? 1 : 0 });
  mod.runParallel(at);
}

test("filter transforms and block sums as jobs on two threads have the single-thread exports' bits", () => {
  const values = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * (1 + ((i * 7) % 5)));
  // c and k not multiples of the unit (4 channels) or of a panel (8); the input-gradient orientation too.
  for (const [c, k, transposed] of [
    [13, 21, false],
    [21, 13, true],
    [64, 40, false],
  ] as const) {
    const w = values(9 * c * k, c + k);
    const k8 = Math.ceil(k / 8) * 8;
    const c4 = Math.ceil(c / 4) * 4;
    for (const [op, planes, exported] of [
      [OP.packWinograd, 16, 'pack_filter_winograd'],
      [OP.packWinograd4, 36, 'pack_filter_winograd4'],
    ] as const) {
      const floats = planes * k8 * c;
      const [src] = mod.startCall([{ key: {}, floats: w.length, fill: (d) => d.set(w) }]);
      const byExport = mod.alloc(floats * 4);
      mod.exports[exported](src!, byExport, c, k, transposed ? 1 : 0);
      const expected = mod.f32(byExport, floats).slice();
      const byJob = mod.alloc(floats * 4);
      mod.f32(byJob, floats).fill(Number.NaN); // every element must be written (zeros past k included)
      transformJob(op, src!, byJob, c, k, transposed);
      assert.deepEqual(new Uint32Array(mod.f32(byJob, floats).slice().buffer), new Uint32Array(expected.buffer), `${exported} c=${c} k=${k}`);
    }
    for (const [op, planes, exported] of [
      [OP.unpackWinograd, 16, 'unpack_winograd_filter_grad'],
      [OP.unpackWinograd4, 36, 'unpack_winograd4_filter_grad'],
    ] as const) {
      const part = values(planes * c4 * k8, 3);
      const [src] = mod.startCall([{ key: {}, floats: part.length, fill: (d) => d.set(part) }]);
      const byExport = mod.alloc(9 * c * k * 4);
      mod.exports[exported](src!, c, k, byExport);
      const expected = mod.f32(byExport, 9 * c * k).slice();
      const byJob = mod.alloc(9 * c * k * 4);
      transformJob(op, src!, byJob, c, k, false);
      assert.deepEqual(new Uint32Array(mod.f32(byJob, 9 * c * k).slice().buffer), new Uint32Array(expected.buffer), `${exported} c=${c} k=${k}`);
    }
  }
  // Block sums: 8 parts of 10,000 floats (not a multiple of the unit), summed by the export and by the job.
  const floats = 10_000;
  const parts = values(REDUCTION_BLOCKS * floats, 9);
  const sum = (job: boolean): Uint32Array => {
    const [at] = mod.startCall([{ key: {}, floats: parts.length, fill: (d) => d.set(parts) }]);
    if (job) {
      const { at: j, fields } = mod.job();
      Object.assign(fields, { [J.OP]: OP.sumBlocks, [J.Y]: at!, [J.N]: floats, [J.BLOCKS]: REDUCTION_BLOCKS });
      mod.runParallel(j);
    } else mod.exports.sum_blocks(at!, REDUCTION_BLOCKS, floats);
    return new Uint32Array(mod.f32(at!, floats).slice().buffer);
  };
  assert.deepEqual(sum(true), sum(false));
});

test('large inputs stay resident between calls; small ones are copied every call', () => {
  const copies = new Map<object, number>();
  const big = 300_000; // above the 1 MiB residency threshold
  const a = {};
  const b = {};
  const c = {};
  const small = {};
  const check = (at: number, floats: number, value: number): void => {
    const v = mod.f32(at, floats);
    assert.equal(v[0], value);
    assert.equal(v[floats - 1], value);
  };
  let [pa, ps] = mod.startCall([input(a, big, 1, copies), input(small, 10, 5, copies)]);
  check(pa!, big, 1);
  check(ps!, 10, 5);
  [pa, ps] = mod.startCall([input(a, big, 1, copies), input(small, 10, 5, copies)]);
  check(pa!, big, 1);
  assert.equal(copies.get(a), 1, 'the big input is copied once');
  assert.equal(copies.get(small), 2, 'the small input is copied every call');
  // A second big input takes the other slot; both stay.
  let [pb, pa2] = mod.startCall([input(b, big, 2, copies), input(a, big, 1, copies)]);
  check(pb!, big, 2);
  check(pa2!, big, 1);
  assert.equal(copies.get(a), 1);
  // A third evicts the least recently used (b), not a.
  let [pc] = mod.startCall([input(c, big, 3, copies)]);
  check(pc!, big, 3);
  [pa] = mod.startCall([input(a, big, 1, copies)]);
  check(pa!, big, 1);
  assert.equal(copies.get(a), 1);
  [pb] = mod.startCall([input(b, big, 2, copies)]);
  check(pb!, big, 2);
  assert.equal(copies.get(b), 2, 'b was evicted and copied again');
  // The same key with another size (a reshape of other data would not share a dataId, but be safe) is copied.
  [pa] = mod.startCall([input(a, big + 8, 1, copies)]);
  check(pa!, big + 8, 1);
  // A bigger input grows the slots: everything is laid out again and still correct.
  [pc, pa] = mod.startCall([input(c, 3 * big, 3, copies), input(a, big, 1, copies)]);
  check(pc!, 3 * big, 3);
  check(pa!, big, 1);
  const arena = mod.alloc(64);
  assert.ok(arena >= pc! + 3 * big * 4 && arena >= pa! + big * 4, 'the per-call arena starts after the resident slots');
});

test('a call too large for the module memory throws ArenaFull and leaves the module usable', () => {
  mod.startCall([]);
  assert.throws(() => mod.alloc(3 * 2 ** 30), ArenaFull);
  const src = Float32Array.from({ length: 64 * 3 }, (_, i) => i % 5);
  const sums = columnSums(mod, src, 64, 3);
  assert.deepEqual(
    [...sums],
    [0, 1, 2].map((j) => Array.from({ length: 64 }, (_, i) => (i * 3 + j) % 5).reduce((a, b) => a + b, 0)),
  );
});

test('a kernel module that cannot start degrades to the previous kernels with a warning', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  const m = await startKernelModule(() => Promise.reject(new Error('no SharedArrayBuffer here')));
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.equal(m, undefined);
  assert.ok(
    warnings.some((w) => /kernel module did not start \(no SharedArrayBuffer here\); training uses the slower kernels/.test(w)),
    warnings.join('\n'),
  );
});

test('the committed kernel modules are what the C source compiles to (skipped without clang)', (t) => {
  const clang = findClang();
  if (!clang) {
    t.skip('no clang with the wasm32 target here');
    return;
  }
  const built = buildKernelModules(clang);
  assert.ok(built.plain.equals(readFileSync(KERNEL_MODULES.plain)), 'src/tensor/kernels/wsol_kernels.wasm is stale: run npm run build:kernels');
  assert.ok(built.fma.equals(readFileSync(KERNEL_MODULES.fma)), 'src/tensor/kernels/wsol_kernels_fma.wasm is stale: run npm run build:kernels');
});
