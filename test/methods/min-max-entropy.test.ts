import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { buildNetwork } from '../../src/tensor/models/network.js';
import { tinyMinMaxEntropyConfig } from '../helpers/tiny-networks.js';
import { selectedCells, wildcatPool } from '../../src/tensor/nn/wildcat.js';
import { accumulateErasing, minMaxEntropyStep, trustOf, trustTensor, uniformCrossEntropyPerExample } from '../../src/methods/trainers/min-max-entropy.js';
import { oneHot } from '../../src/methods/losses.js';
import { measureLoss, type MeasuredGradients, type StepLosses } from '../../src/training/loop.js';

type T4 = TfCore.Tensor4D;
let tf: typeof TfCore;

before(async () => {
  tf = await initTensorBackend('wasm');
});

const config = tinyMinMaxEntropyConfig;

test('WILDCAT pooling: k rounds the fraction of cells (0.09 of 64 is 6), top and bottom means by hand', () => {
  assert.equal(selectedCells(0.09, 64, true), 6);
  assert.equal(selectedCells(0.001, 64, true), 1);
  assert.equal(selectedCells(0, 64, false), 0);
  assert.equal(selectedCells(3, 64, true), 3);
  assert.equal(selectedCells(100, 64, true), 64);
  // One image, 2x2 cells, two classes: class 0 = [4, -1, 2, 0], class 1 = [1, 1, 5, -3].
  const maps = tf.tensor4d([4, 1, -1, 1, 2, 5, 0, -3], [1, 2, 2, 2]);
  const top2 = wildcatPool(tf, maps, { kmax: 2, kmin: 0, alpha: 0 }).arraySync();
  assert.deepEqual(top2, [[3, 3]]);
  const both = wildcatPool(tf, maps, { kmax: 0.5, kmin: 1, alpha: 0.5 }).arraySync();
  assert.deepEqual(both, [[3 + 0.5 * -1, 3 + 0.5 * -3]]);
  // The gradient reaches the selected cells only, 1/k each.
  const g = tf
    .grad((m: TfCore.Tensor) => tf.sum(wildcatPool(tf, m as T4, { kmax: 2, kmin: 0, alpha: 0 })))(maps)
    .arraySync() as number[][][][];
  // Flat over [cell][class]: class 0 takes cells 0 and 2; class 1 cell 2 and, of its tie at 1, the first cell.
  assert.deepEqual(g.flat(3), [0.5, 0.5, 0, 0, 0.5, 0.5, 0, 0]);
});

test("WILDCAT's selection inside a custom gradient gives the same bits as gathering by read-back indices (the implementation before it)", () => {
  const x = tf.randomUniform([2, 5, 4, 3], -1, 1, 'float32', 9) as T4;
  const r = tf.randomUniform([2, 3], -1, 1, 'float32', 10);
  const options = { kmax: 0.3, kmin: 2, alpha: 0.7 };
  const now = tf
    .grad((m: TfCore.Tensor) => tf.sum(tf.mul(wildcatPool(tf, m as T4, options), r)))(x)
    .dataSync();
  // The former meanOfTop: indices read back to JavaScript and gathered as a constant.
  const before = tf
    .grad((m: TfCore.Tensor) => {
      const rows = tf.reshape(tf.transpose(tf.reshape(m, [2, 20, 3]), [0, 2, 1]), [6, 20]) as TfCore.Tensor2D;
      const meanOf = (k: number, largest: boolean): TfCore.Tensor => {
        const sel = tf.topk(largest ? rows : tf.neg(rows), k).indices.dataSync();
        const flat = Int32Array.from({ length: 6 * k }, (_, i) => Math.floor(i / k) * 20 + sel[i]!);
        return tf.mean(tf.reshape(tf.gather(tf.reshape(rows, [120]), tf.tensor1d(flat, 'int32')), [6, k]), 1);
      };
      const score = tf.add(meanOf(6, true), tf.mul(meanOf(2, false), 0.7));
      return tf.sum(tf.mul(tf.reshape(score, [2, 3]), r));
    })(x)
    .dataSync();
  assert.deepEqual(now, before);
});

test('the cross-entropy toward the uniform distribution: log C at equal scores, gradient softmax − 1/C', () => {
  const equal = uniformCrossEntropyPerExample(tf, tf.tensor2d([[2, 2, 2, 2]])).dataSync()[0]!;
  assert.ok(Math.abs(equal - Math.log(4)) < 1e-6);
  const logits = tf.tensor2d([[1, -2, 0.5]]);
  const g = tf
    .grad((l: TfCore.Tensor) => tf.sum(uniformCrossEntropyPerExample(tf, l as TfCore.Tensor2D)))(logits)
    .dataSync();
  const p = tf.softmax(logits).dataSync();
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(g[j]! - (p[j]! - 1 / 3)) < 1e-6, `component ${j}`);
});

test('trust over a scripted sequence: Γ is p(y) while the prediction holds and the CE does not rise, then 0 for good; Ψ decays as exp(−t/σ)', () => {
  const labels = [0, 1];
  const ce0 = [0.5, 0.5];
  let alive = [true, true];
  // Step 1: both correct, sample 1's CE above its step-0 CE.
  const g1 = trustOf([0.7, 0.2, 0.1, 0.1, 0.6, 0.3], 3, labels, [0.4, 0.6], ce0, alive);
  assert.deepEqual(g1, [0.7, 0]);
  alive = g1.map((g) => g > 0);
  // Step 2: sample 1 would be correct and confident again, but its trust is gone; sample 0 flips to class 2.
  const g2 = trustOf([0.2, 0.1, 0.7, 0.05, 0.9, 0.05], 3, labels, [0.3, 0.1], ce0, alive);
  assert.deepEqual(g2, [0, 0]);
  // The training step's on-device trust gives the same numbers (float32) at both steps, a tie included.
  const onDevice = (p: number[], ce: number[], al: boolean[]): number[] =>
    Array.from(trustTensor(tf, tf.tensor2d(p, [2, 3]), labels, tf.tensor1d(ce), tf.tensor1d(ce0), al).dataSync());
  assert.deepEqual(onDevice([0.7, 0.2, 0.1, 0.1, 0.6, 0.3], [0.4, 0.6], [true, true]), [Math.fround(0.7), 0]);
  assert.deepEqual(onDevice([0.2, 0.1, 0.7, 0.05, 0.9, 0.05], [0.3, 0.1], [true, false]), [0, 0]);
  assert.deepEqual(
    onDevice([0.4, 0.4, 0.2, 0.3, 0.3, 0.4], [0.4, 0.4], [true, true]),
    trustOf([0.4, 0.4, 0.2, 0.3, 0.3, 0.4], 3, labels, [0.4, 0.4], ce0, [true, true]).map(Math.fround),
  );
  // Ψ·M+ accumulated as a running maximum, each step's trust decayed.
  const ones = tf.ones([2, 2, 2, 1]) as T4;
  let state = { accumulated: tf.zeros([2, 2, 2, 1]) as T4, alive: [true, true] };
  state = accumulateErasing(tf, state, ones, [0.8, 0.5], 1, 10);
  const after1 = state.accumulated.dataSync();
  assert.ok(Math.abs(after1[0]! - 0.8 * Math.exp(-0.1)) < 1e-6 && Math.abs(after1[4]! - 0.5 * Math.exp(-0.1)) < 1e-6);
  state = accumulateErasing(tf, state, tf.mul(ones, 0.1) as T4, [1, 0], 2, 10);
  const after2 = state.accumulated.dataSync();
  assert.ok(Math.abs(after2[0]! - 0.8 * Math.exp(-0.1)) < 1e-6, 'a smaller trusted mask does not lower R+*');
  assert.ok(Math.abs(after2[4]! - 0.5 * Math.exp(-0.1)) < 1e-6);
  assert.deepEqual(state.alive, [true, false]);
});

/** A measure that records which variables each pass reached, then differentiates as the loop does. */
function recordingMeasure(seen: string[][]): (loss: () => StepLosses) => Promise<MeasuredGradients> {
  return async (lossOf) => {
    const measured = await measureLoss(tf, lossOf);
    seen.push(Object.keys(measured.grads));
    return measured;
  };
}

function batch(n: number, seed: number): { x: T4; y: TfCore.Tensor2D; labels: number[] } {
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  return { x: tf.randomUniform([n, 16, 16, 1], 0, 1, 'float32', seed) as T4, y: oneHot(tf, labels, 3), labels };
}

test("the mask is detached: the classifier's losses reach the backbone and C's head, never M's head", async () => {
  const net = buildNetwork(tf, config, 1);
  const { x, y, labels } = batch(4, 2);
  const seen: string[][] = [];
  const result = await minMaxEntropyStep(tf, net, x, y, labels, { erasingDepth: 0, sigma: 10, omega: 8, sigmaPrime: 0.5 }, recordingMeasure(seen));
  assert.equal(seen.length, 2, "M's pass on X, then C's passes on X+ and X-");
  const nameOf = new Map(net.params.names().map((n) => [net.params.get(n).name, n]));
  const [mPass, cPass] = (seen as [string[], string[]]).map((ids) => ids.map((id) => nameOf.get(id)!)) as [string[], string[]];
  assert.ok(mPass.some((n) => n.includes('loc_conv')) && !mPass.some((n) => n.includes('cls_conv')));
  assert.ok(
    cPass.some((n) => n.includes('cls_conv')),
    "C's head learns from C's losses",
  );
  assert.ok(!cPass.some((n) => n.includes('loc_conv')), "no gradient reaches M's head through the mask");
  assert.ok(
    cPass.some((n) => n.includes('conv1/kernel')),
    'the shared backbone learns from both',
  );
  for (const g of Object.values(result.grads)) g.dispose();
  net.dispose();
});

test('erasing runs at most u passes of M, fewer once no sample keeps trust; a few steps lower the loss', async () => {
  const net = buildNetwork(tf, config, 3);
  const { x, y, labels } = batch(6, 4);
  const seen: string[][] = [];
  const r = await minMaxEntropyStep(tf, net, x, y, labels, { erasingDepth: 4, sigma: 10, omega: 8, sigmaPrime: 0.5 }, recordingMeasure(seen));
  assert.ok(r.steps >= 1 && r.steps <= 5 && seen.length === r.steps + 1, `${r.steps} passes of M, ${seen.length} measured`);
  for (const g of Object.values(r.grads)) g.dispose();
  // Plain SGD on one batch: the summed loss goes down.
  const losses: number[] = [];
  for (let s = 0; s < 12; s++) {
    const step = await minMaxEntropyStep(tf, net, x, y, labels, { erasingDepth: 2, sigma: 10, omega: 8, sigmaPrime: 0.5 }, recordingMeasure([]));
    losses.push(step.loss - (step.parts.erasing ?? 0));
    const vars = net.trainable();
    tf.tidy(() => {
      for (const v of vars) {
        const g = step.grads[v.name];
        if (g) v.assign(tf.sub(v, tf.mul(g, 0.05)));
      }
    });
    for (const g of Object.values(step.grads)) g.dispose();
  }
  assert.ok(losses.at(-1)! < losses[0]!, `loss ${losses[0]} -> ${losses.at(-1)}`);
  net.dispose();
});

test('recursive erasing holds one pass at a time: peak tensor memory with u = 4 is that of u = 0 plus a few masks', async () => {
  const net = buildNetwork(tf, config, 5);
  const { x } = batch(8, 6);
  // Every sample keeps its trust, so erasing runs all u steps: labels = M's own predictions, and a mask
  // threshold σ' far above the normalised map makes M+ exactly 0 (the erased image is X itself).
  const labels = Array.from(tf.argMax(net.forward(x, true).logits!, 1).dataSync());
  const y = oneHot(tf, labels, 3);
  let steps = 0;
  const peak = async (u: number): Promise<number> => {
    const info = await tf.profile(async () => {
      const r = await minMaxEntropyStep(tf, net, x, y, labels, { erasingDepth: u, sigma: 10, omega: 8, sigmaPrime: 100 }, recordingMeasure([]));
      steps = r.steps;
      for (const g of Object.values(r.grads)) g.dispose();
    });
    return info.peakBytes;
  };
  await peak(0);
  const p0 = await peak(0);
  const p4 = await peak(4);
  assert.equal(steps - 1, 4, 'erasing ran all four steps');
  const maskBytes = 8 * 16 * 16 * 4;
  assert.ok(p4 <= p0 + 8 * maskBytes, `peak ${p4} bytes with u = 4 vs ${p0} with u = 0`);
  net.dispose();
});

test("the mask's normalisation: per image, every image spans [0, 1] before the sigmoid; over the batch (the authors' code), only the batch does", async () => {
  const { positiveMask } = await import('../../src/methods/min-max-mask.js');
  // Two images, one class, 1x2 cells: image 0 = [0, 1], image 1 = [2, 4]; the posterior of a single class is 1.
  const maps = tf.tensor4d([0, 1, 2, 4], [2, 1, 2, 1]);
  const logits = tf.zeros([2, 1]) as TfCore.Tensor2D;
  // ω large and σ' = 0.5 turn the sigmoid into a step at 0.5: what lies above half of the normalised range.
  const p = { omega: 1000, sigmaPrime: 0.5 };
  const size = { height: 1, width: 2 };
  const perImage = (await positiveMask(tf, logits, maps, size, p).data()) as Float32Array;
  assert.deepEqual(Array.from(perImage, Math.round), [0, 1, 0, 1]);
  // Over the batch: (x − 0) / 4 = [0, 0.25 | 0.5, 1]: only image 1's right cell is above 0.5 (0.5 itself gives 0.5).
  const perBatch = (await positiveMask(tf, logits, maps, size, { ...p, maskNormalization: 'batch' }).data()) as Float32Array;
  assert.deepEqual(
    Array.from(perBatch, (v) => Math.round(v * 2) / 2),
    [0, 0, 0.5, 1],
  );
});
