/**
 * The training loop every trainer shares: seeded shuffling, mini-batches,
 * gradients once per step applied per parameter group (so the head can
 * learn faster than a pretrained backbone), L2 weight decay, the
 * learning-rate schedule, live progress, cancellation, and a NaN/Inf loss
 * that stops training with the epoch and step that produced it.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';
import type { ProgressUpdate } from '../core/progress.js';
import { l2Penalty, learningRate, makeOptimizer, type Optimizer, type OptimizerParams } from './optimizer.js';
import { deriveSeed, permutation, rng } from './random.js';
import { UserError } from '../core/errors.js';

export interface ParamGroup {
  variables: TfCore.Variable[];
  lrMultiplier: number;
}

/** Where a step is: 0-based epoch and step, the fraction of training done before it, and the epoch's augmentation stream. */
export interface StepInfo {
  epoch: number;
  step: number;
  /** (epoch + step / stepsPerEpoch) / epochs: drives schedules inside a loss (STL's α, VST's switch-on). */
  progress: number;
  random: () => number;
}

export interface StepLosses {
  /** The loss to minimise (weight decay is added by the loop). */
  loss: TfCore.Scalar;
  /** Named parts to log (e.g. smt, vst); read after the step. */
  parts?: Record<string, TfCore.Scalar>;
}

export interface EpochRecord {
  epoch: number;
  lr: number;
  /** Mean of the step losses (without weight decay). */
  loss: number;
  /** Means of the named parts. */
  parts: Record<string, number>;
  seconds: number;
  /** Whatever onEpochEnd measured (e.g. validation accuracy). */
  eval: Record<string, number>;
}

export interface TrainLoopOptions {
  tf: Tf;
  epochs: number;
  batchSize: number;
  /** Training examples; the loop shuffles indices 0..count-1. */
  count: number;
  seed: number;
  optimizer: OptimizerParams;
  groups: ParamGroup[];
  /** Kernels under weight decay. */
  decayed: TfCore.Variable[];
  /** Builds the loss of one mini-batch (called inside the gradient tape). */
  step(indices: readonly number[], info: StepInfo): StepLosses;
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  log(message: string): void;
  onEpochEnd?(epoch: number): Promise<Record<string, number>> | Record<string, number>;
}

export async function trainLoop(o: TrainLoopOptions): Promise<EpochRecord[]> {
  const tf = o.tf;
  if (o.count < 1) throw new UserError('the training split is empty', 'check the dataset node: its train split has no images');
  const stepsPerEpoch = Math.ceil(o.count / o.batchSize);
  const lr0 = learningRate(o.optimizer, 0, o.epochs);
  const optimizers: Optimizer[] = o.groups.map((g) => makeOptimizer(tf, o.optimizer, lr0 * g.lrMultiplier));
  const records: EpochRecord[] = [];
  let lastReport = 0;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const started = performance.now();
      const lr = learningRate(o.optimizer, epoch, o.epochs);
      optimizers.forEach((opt, i) => setLearningRate(opt, lr * o.groups[i]!.lrMultiplier));
      const order = permutation(o.count, rng(deriveSeed(o.seed, `shuffle/${epoch}`)));
      const random = rng(deriveSeed(o.seed, `augment/${epoch}`));
      let lossSum = 0;
      const partSums: Record<string, number> = {};
      let steps = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        o.signal.throwIfAborted();
        const indices = order.slice(s * o.batchSize, (s + 1) * o.batchSize);
        // A batch of one breaks batch statistics; the remainder joins the next epoch's shuffle.
        if (indices.length < 2 && stepsPerEpoch > 1) continue;
        let parts: Record<string, TfCore.Scalar> = {};
        const all = o.groups.flatMap((g) => g.variables);
        const { value, grads } = tf.variableGrads(() => {
          const out = o.step(indices, { epoch, step: s, progress: (epoch + s / stepsPerEpoch) / o.epochs, random });
          parts = Object.fromEntries(Object.entries(out.parts ?? {}).map(([k, v]) => [k, tf.keep(v)]));
          const decay = l2Penalty(tf, o.decayed, o.optimizer.weightDecay);
          tf.keep(out.loss);
          parts['__loss'] = out.loss;
          return decay ? tf.add(out.loss, decay) : out.loss;
        }, all);
        const lossValue = parts['__loss']!.dataSync()[0]!;
        const partValues = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.dataSync()[0]!]));
        for (const t of Object.values(parts)) t.dispose();
        value.dispose();
        if (!Number.isFinite(lossValue)) {
          for (const g of Object.values(grads)) g.dispose();
          throw new UserError(
            `the loss became ${lossValue} at epoch ${epoch + 1}, step ${s + 1} (learning rate ${lr})`,
            'lower the learning rate (`lr`), or check the dataset for broken images; results of earlier nodes are kept in the cache',
          );
        }
        o.groups.forEach((g, i) => {
          const mine: Record<string, TfCore.Tensor> = {};
          for (const v of g.variables) if (grads[v.name]) mine[v.name] = grads[v.name]!;
          optimizers[i]!.applyGradients(mine as TfCore.NamedTensorMap);
        });
        for (const g of Object.values(grads)) g.dispose();
        lossSum += lossValue;
        for (const [k, v] of Object.entries(partValues)) if (k !== '__loss') partSums[k] = (partSums[k] ?? 0) + v;
        steps++;
        const now = performance.now();
        if (now - lastReport > 500 || s === stepsPerEpoch - 1) {
          lastReport = now;
          o.progress({ fraction: (epoch + (s + 1) / stepsPerEpoch) / o.epochs, epoch: epoch + 1, epochs: o.epochs, step: s + 1, steps: stepsPerEpoch, loss: lossValue });
        }
        // Let the worker see a cancel message between steps.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const evalResult = o.onEpochEnd ? await o.onEpochEnd(epoch) : {};
      const record: EpochRecord = {
        epoch: epoch + 1,
        lr,
        loss: lossSum / Math.max(1, steps),
        parts: Object.fromEntries(Object.entries(partSums).map(([k, v]) => [k, v / Math.max(1, steps)])),
        seconds: (performance.now() - started) / 1000,
        eval: evalResult,
      };
      records.push(record);
      o.log(`epoch ${record.epoch}/${o.epochs}: loss ${record.loss.toFixed(4)}${Object.entries(record.parts).map(([k, v]) => ` ${k} ${v.toFixed(4)}`).join('')}${Object.entries(evalResult).map(([k, v]) => ` ${k} ${v.toFixed(4)}`).join('')} (${record.seconds.toFixed(1)} s)`);
    }
  } finally {
    for (const opt of optimizers) opt.dispose();
  }
  return records;
}

/** tfjs's SGD/momentum optimisers have setLearningRate; Adam keeps it in a field read on every step. */
function setLearningRate(opt: Optimizer, lr: number): void {
  if (typeof (opt as Partial<Optimizer>).setLearningRate === 'function') opt.setLearningRate(lr);
  else (opt as unknown as { learningRate: number }).learningRate = lr;
}
