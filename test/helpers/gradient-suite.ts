/**
 * Every gradient the methods need, on the wasm backend with our training
 * kernels (or on webgpu), against the cpu backend (the reference
 * implementation of tfjs), over a grid of shapes, strides, paddings and odd
 * sizes. Run by several test files, one per kernel configuration (kernel
 * module with and without fused multiply-add, the previous kernels, webgpu):
 * each test file is its own process. Values are read with `await data()`:
 * webgpu in Node cannot read synchronously.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { activeKernelModule, initTensorBackend } from '../../src/tensor/backends/init.js';
import { runningAdapter, takeGpuErrors } from '../../src/tensor/backends/webgpu/start.js';
import { describeAdapter } from '../../src/tensor/backends/webgpu/adapters.js';
import { trainingBatchNorm } from '../../src/tensor/nn/batch-norm.js';
import { wildcatPool } from '../../src/tensor/nn/wildcat.js';
import { engine, getKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

/** tfjs's own BatchMatMul on wasm, taken before the backend starts and wsol-run's kernels replace it. */
const shippedBatchMatMul: KernelFunc = getKernel('BatchMatMul', 'wasm')!.kernelFunc;

let tf: typeof TfCore;
/** The backend under test. */
let backend: 'wasm' | 'webgpu' = 'wasm';
/**
 * A smaller grid (webgpu on a software adapter compiles a shader for every
 * new shape: the full grid takes many minutes there).
 */
let small = false;

/** The values of tensors made in `f`, read asynchronously, the tensors freed. */
async function read(f: () => TfCore.Tensor[]): Promise<Float32Array[]> {
  const ts = tf.tidy(f);
  const out = await Promise.all(ts.map((t) => t.data() as Promise<Float32Array>));
  for (const t of ts) t.dispose();
  return out;
}

/** Deterministic pseudo-random values in [-1, 1), with optional repeats to create ties. */
function values(n: number, seed: number, ties = false): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = (s / 2 ** 32) * 2 - 1;
    out[i] = ties ? Math.round(v * 3) / 3 : v;
  }
  return out;
}

type Shapes = number[][];
type Fn = (...xs: TfCore.Tensor[]) => TfCore.Tensor;

/** Gradients of sum(f(xs) * r) w.r.t. every input on one backend. */
async function gradsOn(on: string, f: Fn, shapes: Shapes, seed: number, ties: boolean): Promise<Float32Array[]> {
  await tf.setBackend(on);
  return read(() => {
    const xs = shapes.map((s, i) =>
      tf.tensor(
        values(
          s.reduce((a, b) => a * b, 1),
          seed + i,
          ties,
        ),
        s,
      ),
    );
    const probe = f(...xs);
    const r = tf.tensor(values(probe.size, seed + 99), probe.shape);
    return tf.grads((...args: TfCore.Tensor[]) => tf.sum(tf.mul(f(...args), r)))(xs);
  });
}

let worst = 0;
/** Largest |wasm - cpu| / max |cpu| of two float arrays. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxDiff = 0;
  let scale = 1e-6;
  for (let j = 0; j < expected.length; j++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[j]! - expected[j]!));
    scale = Math.max(scale, Math.abs(expected[j]!));
  }
  return maxDiff / scale;
}

async function check(name: string, f: Fn, shapes: Shapes, seed = 1, ties = false): Promise<void> {
  const cpu = await gradsOn('cpu', f, shapes, seed, ties);
  const tested = await gradsOn(backend, f, shapes, seed, ties);
  cpu.forEach((expected, i) => {
    const actual = tested[i]!;
    assert.equal(actual.length, expected.length, `${name}: gradient ${i} size`);
    const rel = relativeError(actual, expected);
    worst = Math.max(worst, rel);
    assert.ok(rel <= 1e-4, `${name}: gradient ${i} relative error ${rel.toExponential(2)}`);
  });
}

/** Values of f on one backend (forward kernels that have no gradient path, e.g. fused or dilated convolutions). */
async function valuesOn(on: string, f: Fn, shapes: Shapes, seed: number): Promise<Float32Array> {
  await tf.setBackend(on);
  const [values_] = await read(() => [
    f(
      ...shapes.map((s, i) =>
        tf.tensor(
          values(
            s.reduce((a, b) => a * b, 1),
            seed + i,
          ),
          s,
        ),
      ),
    ),
  ]);
  return values_!;
}

async function checkValues(name: string, f: Fn, shapes: Shapes, seed = 1): Promise<void> {
  const rel = relativeError(await valuesOn(backend, f, shapes, seed), await valuesOn('cpu', f, shapes, seed));
  worst = Math.max(worst, rel);
  assert.ok(rel <= 1e-4, `${name}: relative error ${rel.toExponential(2)}`);
}

export type KernelConfig = 'module' | 'module-plain' | 'previous' | 'webgpu';

/**
 * Registers the whole suite for one kernel configuration (chosen by the
 * caller's environment before the backend starts) and checks that the
 * configuration is the one actually running.
 */
export function gradientSuite(config: KernelConfig): void {
  before(async () => {
    // Guard bytes after every kernel buffer, checked after every job: a write past a buffer fails the test.
    process.env.WSOL_RUN_KERNEL_CHECKS = '1';
    backend = config === 'webgpu' ? 'webgpu' : 'wasm';
    small = config === 'webgpu';
    tf = await initTensorBackend(backend);
    // webgpu computes small tensors whose data is still on the CPU with the cpu backend's kernels: the
    // suite's shapes are small, so that is switched off here for the GPU kernels to be the ones tested.
    if (backend === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
    await import('@tensorflow/tfjs-backend-cpu');
  });

  test(`the kernels under test are the ${config} ones`, () => {
    const m = activeKernelModule();
    if (config === 'webgpu') {
      const a = runningAdapter();
      assert.ok(a, 'webgpu started on an adapter');
      assert.equal(tf.getBackend(), 'webgpu');
      process.stdout.write(`# webgpu adapter: ${describeAdapter(a)}\n`);
    } else if (config === 'previous') assert.equal(m, undefined);
    else {
      assert.ok(m, 'the kernel module started');
      assert.ok(m.checks, 'buffer guards are on');
      if (config === 'module-plain') assert.equal(m.variant, 'plain');
      process.stdout.write(`# kernel module: ${m.variant}, ${m.threads} threads\n`);
    }
  });

  test('conv2d gradients (input and filter) over strides, paddings, kernel sizes and odd shapes', async () => {
    const pads: (['same' | 'valid', string] | [TfCore.backend_util.ExplicitPadding, string])[] = [
      ['same', 'same'],
      ['valid', 'valid'],
      [
        [
          [0, 0],
          [1, 2],
          [0, 1],
          [0, 0],
        ],
        'explicit',
      ],
    ];
    let cases = 0;
    const sizes = [
      [7, 5, 3, 4],
      [8, 8, 1, 2],
      [9, 6, 2, 3],
    ] as const;
    for (const [h, w, c, k] of small ? sizes.slice(0, 1) : sizes) {
      for (const f of small ? [1, 3] : [1, 3, 5]) {
        for (const stride of small ? [1, 2] : [1, 2, 3]) {
          for (const [pad, padName] of pads) {
            if (pad === 'valid' && (f > h || f > w)) continue;
            await check(
              `conv2d ${h}x${w}x${c}->${k} f${f} s${stride} ${padName}`,
              (x, filt) => tf.conv2d(x as TfCore.Tensor4D, filt as TfCore.Tensor4D, stride, pad),
              [
                [2, h, w, c],
                [f, f, c, k],
              ],
              cases,
            );
            cases++;
          }
        }
      }
    }
    assert.ok(cases >= (small ? 12 : 70));
  });

  test('conv2d gradients with batch 1 and 3, channel counts that are not multiples of 4 or 8, Winograd-sized layers', async () => {
    // [batch, h, w, c, k]: c >= 8 takes the Winograd filter gradient; k % 8 != 0 the partial panels.
    const shapes = [
      [1, 6, 7, 9, 13],
      [3, 5, 5, 12, 10],
      [1, 10, 9, 17, 6],
      [3, 4, 6, 5, 7],
    ] as const;
    let cases = 0;
    for (const [n, h, w, c, k] of small ? shapes.slice(0, 2) : shapes) {
      for (const [f, stride, pad] of [
        [3, 1, 'same'],
        [3, 1, 'valid'],
        [3, 2, 'same'],
        [5, 1, 'same'],
        [1, 1, 'valid'],
        [3, 3, 'valid'],
      ] as const) {
        await check(
          `conv2d n${n} ${h}x${w}x${c}->${k} f${f} s${stride} ${pad}`,
          (x, filt) => tf.conv2d(x as TfCore.Tensor4D, filt as TfCore.Tensor4D, stride, pad),
          [
            [n, h, w, c],
            [f, f, c, k],
          ],
          100 + cases,
        );
        cases++;
      }
      await check(
        `conv2d n${n} ${h}x${w}x${c}->${k} f3 s1 explicit`,
        (x, filt) =>
          tf.conv2d(x as TfCore.Tensor4D, filt as TfCore.Tensor4D, 1, [
            [0, 0],
            [2, 0],
            [0, 1],
            [0, 0],
          ]),
        [
          [n, h, w, c],
          [3, 3, c, k],
        ],
        200 + cases,
      );
    }
  });

  test('a conv layer (conv + bias + relu) large enough for its gradient to stay resident between kernels', async () => {
    // dy is 1x48x48x128 floats (1.2 MB): the bias Sum, input and filter gradients share one copy of it.
    await check(
      'conv layer 48x48x24->128',
      (x, filt, b) => tf.relu(tf.add(tf.conv2d(x as TfCore.Tensor4D, filt as TfCore.Tensor4D, 1, 'same'), b)),
      [[1, 48, 48, 24], [3, 3, 24, 128], [128]],
      7,
    );
  });

  test('gradients are the same bits on every run (scheduling of the threads does not enter the sums)', async () => {
    const run = (): Promise<Float32Array[]> =>
      read(() => {
        const x = tf.tensor(values(2 * 20 * 20 * 16, 11), [2, 20, 20, 16]);
        const w = tf.tensor(values(3 * 3 * 16 * 24, 12), [3, 3, 16, 24]);
        const b = tf.tensor(values(24, 13), [24]);
        return tf.grads((xx: TfCore.Tensor, ww: TfCore.Tensor, bb: TfCore.Tensor) =>
          tf.sum(tf.square(tf.relu(tf.add(tf.conv2d(xx as TfCore.Tensor4D, ww as TfCore.Tensor4D, 1, 'same'), bb)))),
        )([x, w, b]);
      });
    await tf.setBackend(backend);
    const first = await run();
    for (let i = 0; i < 10; i++) assert.deepEqual(await run(), first, `run ${i}`);
  });

  test('forward-only convolutions: fused bias + relu, dilation, linear fused', async () => {
    const xs = [[2, 9, 8, 6], [3, 3, 6, 11], [11]];
    await checkValues(
      'fused conv2d bias relu same',
      (x, f, b) => tf.fused.conv2d({ x: x as TfCore.Tensor4D, filter: f as TfCore.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }),
      xs,
    );
    await checkValues(
      'fused conv2d bias linear stride 2',
      (x, f, b) => tf.fused.conv2d({ x: x as TfCore.Tensor4D, filter: f as TfCore.Tensor4D, strides: 2, pad: 'valid', bias: b }),
      xs,
    );
    await checkValues(
      'fused conv2d prelu (previous kernels)',
      (x, f, b) =>
        tf.fused.conv2d({
          x: x as TfCore.Tensor4D,
          filter: f as TfCore.Tensor4D,
          strides: 1,
          pad: 'same',
          bias: b,
          activation: 'prelu',
          preluActivationWeights: tf.scalar(0.1),
        }),
      xs,
    );
    await checkValues('dilated conv2d', (x, f) => tf.conv2d(x as TfCore.Tensor4D, f as TfCore.Tensor4D, 1, 'same', 'NHWC', 2), [
      [2, 9, 8, 6],
      [3, 3, 6, 5],
    ]);
    await checkValues('dilated conv2d valid', (x, f) => tf.conv2d(x as TfCore.Tensor4D, f as TfCore.Tensor4D, 1, 'valid', 'NHWC', [2, 3]), [
      [1, 11, 10, 3],
      [3, 2, 3, 4],
    ]);
  });

  test('batch norm in training (batch moments, ReLU fused or not): values and gradients in x, gamma and beta', async () => {
    const shapes: [number, number, number, number][] = [
      [2, 5, 3, 4],
      [3, 7, 9, 6],
      [1, 1, 1, 3],
      [4, 16, 16, 33],
      [16, 8, 8, 128],
    ];
    for (const [i, shape] of shapes.entries()) {
      const c = shape[3];
      for (const activation of ['linear', 'relu'] as const) {
        const bn = (x: TfCore.Tensor, g: TfCore.Tensor, b: TfCore.Tensor): TfCore.Tensor => trainingBatchNorm(tf, x, g, b, 1e-3, activation).y;
        await check(`batch norm ${shape.join('x')} ${activation}`, bn, [shape, [c], [c]], 300 + i);
        await checkValues(
          `batch moments ${shape.join('x')}`,
          (x) => {
            const { mean, variance } = trainingBatchNorm(tf, x, tf.ones([c]), tf.zeros([c]), 1e-3, activation);
            return tf.concat([mean, variance]);
          },
          [shape],
        );
      }
    }
  });

  test('batch norm gradients are the same bits on every run', async () => {
    await tf.setBackend(backend);
    const run = (): Promise<Float32Array[]> =>
      read(() => {
        const x = tf.tensor(values(8 * 12 * 12 * 20, 21), [8, 12, 12, 20]);
        const g = tf.tensor(values(20, 22), [20]);
        const b = tf.tensor(values(20, 23), [20]);
        return tf.grads((xx: TfCore.Tensor, gg: TfCore.Tensor, bb: TfCore.Tensor) => tf.sum(tf.square(trainingBatchNorm(tf, xx, gg, bb, 1e-3, 'relu').y)))([
          x,
          g,
          b,
        ]);
      });
    const first = await run();
    for (let i = 0; i < 5; i++) assert.deepEqual(await run(), first, `run ${i}`);
  });

  test('sums over leading axes (bias gradients) and other reductions', async () => {
    await checkValues('sum [0,1,2] inner 5', (x) => tf.sum(x, [0, 1, 2]), [[3, 4, 5, 5]]);
    await checkValues('sum [0] keepDims inner 12', (x) => tf.sum(x, 0, true), [[70, 3, 4]]);
    await checkValues('sum [0,1] negative axes', (x) => tf.sum(x, [-3, -2]), [[2, 9, 7]]);
    await checkValues('sum inner axis (previous kernel)', (x) => tf.sum(x, [1, 2]), [[2, 9, 7]]);
  });

  test('max pooling gradients with ties and negative maxima', async () => {
    for (const [f, s, pad] of [
      [2, 2, 'valid'],
      [3, 2, 'same'],
      [3, 1, 'same'],
      [2, 1, 'valid'],
      [3, 3, 'valid'],
    ] as const) {
      await check(`maxPool f${f} s${s} ${pad} ties`, (x) => tf.maxPool(x as TfCore.Tensor4D, f, s, pad), [[2, 7, 6, 3]], f * 10 + s, true);
      await check(`maxPool f${f} s${s} ${pad} negative`, (x) => tf.maxPool(tf.sub(x, 2) as TfCore.Tensor4D, f, s, pad), [[1, 5, 5, 2]], f + s);
      // 6 and 8 channels: the 4-channel vector path (plus a 2-channel tail), batch 3.
      await check(`maxPool f${f} s${s} ${pad} ties c6`, (x) => tf.maxPool(x as TfCore.Tensor4D, f, s, pad), [[3, 6, 7, 6]], f * 10 + s + 1, true);
      await check(`maxPool f${f} s${s} ${pad} negative c8`, (x) => tf.maxPool(tf.sub(x, 2) as TfCore.Tensor4D, f, s, pad), [[1, 5, 6, 8]], f + s + 1);
    }
    // The MaxPoolGrad kernel called directly (as tfjs's gradient does), with its own output tensor.
    for (const [f, st, pad, shape] of [
      [2, 2, 'valid', [2, 7, 6, 5]],
      [3, 1, 'same', [1, 5, 6, 6]],
    ] as const) {
      const attrs = { filterSize: [f, f], strides: [st, st], pad, dimRoundingMode: undefined };
      await checkValues(
        `MaxPoolGrad kernel alone f${f} s${st} ${pad}`,
        (x, dy) =>
          tf
            .engine()
            .runKernel(
              'MaxPoolGrad',
              { dy, input: x, output: tf.add(tf.maxPool(x as TfCore.Tensor4D, f, st, pad), 0) },
              attrs as unknown as TfCore.NamedAttrMap,
            ) as TfCore.Tensor,
        [
          [...shape],
          [shape[0], Math.ceil((shape[1] - (pad === 'valid' ? f - 1 : 0)) / st), Math.ceil((shape[2] - (pad === 'valid' ? f - 1 : 0)) / st), shape[3]],
        ],
        80 + f,
      );
    }
    // Disjoint windows that cover every pixel (each pixel written once, no zeroing): even sizes, and 'same' with a clipped last window.
    await check('maxPool f2 s2 valid covering c5', (x) => tf.maxPool(x as TfCore.Tensor4D, 2, 2, 'valid'), [[2, 8, 6, 5]], 71, true);
    await check('maxPool f2 s2 same clipped c6', (x) => tf.maxPool(tf.sub(x, 2) as TfCore.Tensor4D, 2, 2, 'same'), [[1, 7, 7, 6]], 72);
    await check('maxPool f3 s3 same clipped c4', (x) => tf.maxPool(x as TfCore.Tensor4D, 3, 3, 'same'), [[3, 7, 8, 4]], 73, true);
  });

  test('depthwise and separable conv gradients', async () => {
    for (const [s, pad, m] of [
      [1, 'same', 1],
      [2, 'valid', 2],
      [2, 'same', 1],
      [1, 'valid', 3],
    ] as const) {
      await check(
        `depthwise s${s} ${pad} m${m}`,
        (x, f) => tf.depthwiseConv2d(x as TfCore.Tensor4D, f as TfCore.Tensor4D, s, pad),
        [
          [2, 7, 6, 3],
          [3, 3, 3, m],
        ],
        s + m,
      );
    }
    await check(
      'separable',
      (x, d, p) => tf.separableConv2d(x as TfCore.Tensor4D, d as TfCore.Tensor4D, p as TfCore.Tensor4D, 1, 'same'),
      [
        [2, 6, 6, 2],
        [3, 3, 2, 2],
        [1, 1, 4, 3],
      ],
      5,
    );
  });

  /** [m, k, n]: tfjs's block of 48 and its edges, tiles of 4 rows and panels of 8 columns with remainders, a dense layer's size. */
  const PRODUCTS: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 48, 8],
    [5, 49, 9],
    [7, 97, 13],
    [64, 100, 65],
    [130, 3, 17],
    [2, 1000, 10],
    [32, 2048, 64],
  ];

  test('matrix products: gradients of dense layers, every transpose, batches, odd sizes', async () => {
    for (const [m, k, n] of small ? PRODUCTS.slice(0, 4) : PRODUCTS) {
      await check(`matMul ${m}x${k}x${n}`, (a, b) => tf.matMul(a as TfCore.Tensor2D, b as TfCore.Tensor2D), [
        [m, k],
        [k, n],
      ]);
      await check(`matMul^T ${m}x${k}x${n}`, (a, b) => tf.matMul(a as TfCore.Tensor2D, b as TfCore.Tensor2D, true, true), [
        [k, m],
        [n, k],
      ]);
      await check(`batched matMul ${m}x${k}x${n}`, (a, b) => tf.matMul(a as TfCore.Tensor3D, b as TfCore.Tensor3D), [
        [3, m, k],
        [3, k, n],
      ]);
    }
  });

  test("matrix products have the bits of tfjs's own BatchMatMul (XNNPACK's and its blocked loops')", async (t) => {
    if (config === 'previous' || config === 'webgpu') return t.skip('no kernel module');
    await tf.setBackend('wasm');
    const be = engine().backend;
    for (const [m, k, n] of PRODUCTS)
      for (const [transposeA, transposeB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const)
        for (const batch of [0, 2]) {
          const lead = batch ? [batch] : [];
          const a = tf.tensor(values(m * k * (batch || 1), m + k), [...lead, ...(transposeA ? [k, m] : [m, k])]);
          // Zeros among b's values: sums of -0 products, whose sign tfjs's bias-free "+ 0" decides.
          const b = tf.tensor(values(k * n * (batch || 1), n + 7, true), [...lead, ...(transposeB ? [n, k] : [k, n])]);
          const ours = tf.matMul(a as TfCore.Tensor3D, b as TfCore.Tensor3D, transposeA, transposeB);
          const theirs = engine().makeTensorFromTensorInfo(
            shippedBatchMatMul({ inputs: { a, b }, attrs: { transposeA, transposeB }, backend: be } as never) as TensorInfo,
          );
          const [x, y] = [new Uint32Array((await ours.data()).buffer), new Uint32Array((await theirs.data()).buffer)];
          assert.deepEqual(ours.shape, theirs.shape);
          const differ = x.findIndex((v, i) => v !== y[i]);
          assert.equal(differ, -1, `${m}x${k}x${n} transposeA=${transposeA} transposeB=${transposeB} batch=${batch}: element ${differ} differs`);
          for (const z of [a, b, ours, theirs]) z.dispose();
        }
  });

  test('slices of every rank, whole and partial axes, float32 and int32, are exact; and the gradient of a pad', async () => {
    const cases: [number[], number[], number[]][] = [
      [[7], [2], [3]],
      [
        [5, 6],
        [1, 0],
        [3, 6],
      ],
      [
        [5, 6],
        [0, 2],
        [5, 3],
      ],
      [
        [3, 4, 5],
        [1, 1, 1],
        [2, -1, 3],
      ],
      [
        [2, 6, 6, 4],
        [0, 1, 1, 0],
        [2, 4, 4, 4],
      ],
      [
        [2, 6, 6, 4],
        [1, 0, 0, 0],
        [1, 6, 6, 4],
      ],
      [
        [2, 6, 6, 4],
        [0, 0, 0, 1],
        [2, 6, 6, 2],
      ],
      [
        [2, 3, 4, 5],
        [0, 0, 0, 0],
        [2, 3, 4, 5],
      ],
      [
        [2, 3, 4, 5],
        [1, 2, 3, 4],
        [0, 1, 1, 1],
      ],
    ];
    for (const [shape, begin, size] of cases) {
      for (const dtype of ['float32', 'int32'] as const) {
        const n = shape.reduce((a, b) => a * b, 1);
        const got: number[][] = [];
        for (const on of [backend, 'cpu']) {
          await tf.setBackend(on);
          const [v] = await read(() => [
            tf.slice(
              tf.tensor(
                Array.from({ length: n }, (_, i) => i * 3 - 7),
                shape,
                dtype,
              ),
              begin,
              size,
            ),
          ]);
          got.push(Array.from(v!));
        }
        assert.deepEqual(got[0], got[1], `slice ${shape} from ${begin} size ${size} (${dtype})`);
      }
    }
    await check(
      'pad',
      (x) =>
        tf.pad(x, [
          [0, 0],
          [1, 2],
          [2, 1],
          [0, 0],
        ]),
      [[2, 5, 4, 3]],
    );
  });

  test('pooling, dense, batch norm, activations, losses, gather and resize gradients', async () => {
    await check('avgPool', (x) => tf.avgPool(x as TfCore.Tensor4D, 3, 2, 'same'), [[2, 7, 5, 3]]);
    await check('global average pool', (x) => tf.mean(x, [1, 2]), [[2, 5, 4, 3]]);
    await check('global max pool', (x) => tf.max(x, [1, 2]), [[2, 5, 4, 3]]);
    await check('dense', (x, w, b) => tf.add(tf.matMul(x as TfCore.Tensor2D, w as TfCore.Tensor2D), b), [[4, 6], [6, 3], [3]]);
    await check(
      'batch norm',
      (x, mean, v, off, sc) =>
        tf.batchNorm(
          x as TfCore.Tensor4D,
          mean as TfCore.Tensor1D,
          tf.add(tf.abs(v), 0.5) as TfCore.Tensor1D,
          off as TfCore.Tensor1D,
          sc as TfCore.Tensor1D,
          1e-3,
        ),
      [[2, 4, 3, 3], [3], [3], [3], [3]],
    );
    await check(
      'batch statistics',
      (x) => {
        const m = tf.moments(x, [0, 1, 2]);
        return tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, 1e-3)));
      },
      [[2, 4, 3, 3]],
    );
    await check('relu, sigmoid, tanh, elu, leaky relu', (x) => tf.addN([tf.relu(x), tf.sigmoid(x), tf.tanh(x), tf.elu(x), tf.leakyRelu(x, 0.1)]), [[3, 7]]);
    await check(
      'dropout-style mask',
      (x) =>
        tf.mul(
          x,
          tf.tensor(
            values(12, 3).map((v) => (v > 0 ? 2 : 0)),
            [3, 4],
          ),
        ),
      [[3, 4]],
    );
    await check('softmax cross-entropy', (logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 0, 3], 'int32'), 4), logits as TfCore.Tensor2D), [
      [3, 4],
    ]);
    await check(
      'sigmoid cross-entropy',
      (logits) =>
        tf.losses.sigmoidCrossEntropy(
          tf.tensor2d([
            [1, 0],
            [0, 1],
            [1, 1],
          ]),
          logits as TfCore.Tensor2D,
        ),
      [[3, 2]],
    );
    await check('log-sum-exp pooling', (x) => tf.logSumExp(x, [1, 2]), [[2, 4, 5, 3]]);
    await check('gather (UnsortedSegmentSum)', (x) => tf.gather(x, tf.tensor1d([2, 0, 2, 1], 'int32')), [[3, 5]]);
    await check('bilinear resize (square)', (x) => tf.image.resizeBilinear(x as TfCore.Tensor4D, [9, 9]), [[2, 4, 4, 3]]);
    // tfjs has no TopK gradient: WILDCAT's top-k pooling gathers the selected values by index.
    await check('WILDCAT pooling (top and bottom k, fractions)', (x) => wildcatPool(tf, x as TfCore.Tensor4D, { kmax: 0.3, kmin: 2, alpha: 0.7 }), [
      [2, 3, 4, 3],
    ]);
    await check(
      'WILDCAT pooling with dropout on the selection',
      (x) => wildcatPool(tf, x as TfCore.Tensor4D, { kmax: 3, kmin: 0, alpha: 0, dropout: { rate: 0.5, seed: 5 } }),
      [[1, 4, 4, 2]],
    );
  });

  test('transposes of int32, bool and cast float32 tensors, ranks 2 to 4, and reductions over outer axes of casts', async () => {
    let cases = 0;
    // Over 1,000 elements each: webgpu computes smaller tensors from CPU data on the CPU.
    for (const [shape, perm] of [
      [
        [40, 30],
        [1, 0],
      ],
      [
        [2, 40, 30],
        [0, 2, 1],
      ],
      [
        [4, 5, 6, 12],
        [1, 0, 2, 3],
      ],
      [
        [4, 5, 6, 12],
        [0, 3, 1, 2],
      ],
    ] as [number[], number[]][]) {
      for (const make of [
        (x: TfCore.Tensor) => tf.cast(tf.mul(x, 100), 'int32'),
        (x: TfCore.Tensor) => tf.greater(x, 0),
        (x: TfCore.Tensor) => tf.cast(tf.greater(x, 0), 'float32'),
        (x: TfCore.Tensor) => tf.cast(tf.cast(tf.mul(x, 100), 'int32'), 'float32'),
      ]) {
        const f = (x: TfCore.Tensor): TfCore.Tensor => tf.cast(tf.transpose(make(x), perm), 'float32');
        // tfjs's reductions over outer axes transpose internally, past any kernel registration.
        const g = (x: TfCore.Tensor): TfCore.Tensor =>
          tf.concat([tf.reshape(tf.max(tf.cast(make(x), 'float32'), 0), [-1]), tf.reshape(tf.sum(tf.cast(make(x), 'float32'), 0), [-1])]);
        // (Compared as numbers: the cpu backend keeps a cast's Int32Array under the float32 tensor.)
        const same = async (fn: Fn, seed: number, what: string): Promise<void> =>
          assert.deepEqual(Array.from(await valuesOn(backend, fn, [shape], seed)), Array.from(await valuesOn('cpu', fn, [shape], seed)), what);
        await same(g, 60 + cases, `reductions over axis 0 of ${shape.join('x')} case ${cases}`);
        await same(f, 40 + cases, `transpose ${shape.join('x')} [${perm}] case ${cases}`);
        cases++;
      }
    }
  });

  test('the GPU reported no error during the suite (a kernel that does not compile leaves zeros behind)', async () => {
    if (config === 'webgpu') assert.deepEqual(await takeGpuErrors(), []);
  });

  test('the kernel module never failed over to the previous kernels during the suite', () => {
    if (config !== 'previous' && config !== 'webgpu') assert.equal(activeKernelModule()?.failed, false);
  });

  test('worst relative error stays far below the bound', () => {
    assert.ok(worst < 1e-4);
    process.stdout.write(`# worst relative error over all gradient checks: ${worst.toExponential(2)}\n`);
  });
}
