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
import { permutation, rng } from '../core/random.js';
import { UserError } from '../core/errors.js';
import { restoreCheckpoint, saveCheckpoint, type CheckpointTarget } from './checkpoint.js';
import { formatMetricValue } from '../evaluation/metric-format.js';

/** Checkpointing of a training: where, how often, and the network state beyond the optimisers' (every parameter by name). */
export interface TrainCheckpointing extends CheckpointTarget {
  parameters(): TfCore.NamedTensorMap;
  restore(values: TfCore.NamedTensorMap): void;
}

/** Variables trained with one optimiser at the schedule's learning rate times `lrMultiplier` (the head can learn faster than the backbone). */
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

/** What a trainer's step returns, inside the gradient tape: the loss to minimise and named parts to log. */
export interface StepLosses {
  /** The loss to minimise (weight decay is added by the loop). */
  loss: TfCore.Scalar;
  /** Named parts to log (e.g. smt, vst); read after the step. */
  parts?: Record<string, TfCore.Scalar>;
}

/** A loss and its gradients over the trained variables, read back to numbers. */
export interface MeasuredGradients {
  loss: number;
  parts: Record<string, number>;
  /** Variable name -> gradient; the caller owns (and disposes) them. */
  grads: TfCore.NamedTensorMap;
}

/**
 * A step that makes its own gradients, for methods that need more than one
 * loss per step (e.g. accumulating over several forward passes so memory
 * does not grow with their number). `measure` differentiates one loss over
 * every trained variable; the loop adds weight decay to what is returned.
 */
export type GradientStep = (
  indices: readonly number[],
  info: StepInfo,
  measure: (loss: () => StepLosses) => Promise<MeasuredGradients>,
) => Promise<MeasuredGradients>;

/** What a trainer supplies per step: a loss (the usual case), or its own gradients. */
export type TrainStep = ((indices: readonly number[], info: StepInfo) => StepLosses) | { gradients: GradientStep };

/** One epoch of a training log (saved with the model and in checkpoints): its learning rate, mean losses, and what onEpochEnd measured. */
export interface EpochRecord {
  epoch: number;
  lr: number;
  /** Mean of the step losses (without weight decay). */
  loss: number;
  /** Means of the named parts. */
  parts: Record<string, number>;
  /** Whatever onEpochEnd measured (e.g. validation accuracy). */
  eval: Record<string, number>;
}

/** Everything trainLoop needs: epochs, batches and seed, the optimiser settings and parameter groups, the step, hooks and checkpointing. */
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
  /** The loss of one mini-batch (called inside the gradient tape), or a step that makes its own gradients. */
  step: TrainStep;
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  log(message: string): void;
  /** Receives each epoch's wall-clock seconds (for the run store: the log saved with a model holds no timings). */
  timing?(name: string, seconds: number): void;
  onEpochEnd?(epoch: number): Promise<Record<string, number>> | Record<string, number>;
  /** Checkpoint every few epochs and resume from the last checkpoint (see checkpoint.ts). */
  checkpoint?: TrainCheckpointing;
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
    const firstEpoch = o.checkpoint ? await resume(tf, o, o.checkpoint, optimizers, records) : 0;
    for (let epoch = firstEpoch; epoch < o.epochs; epoch++) {
      const started = performance.now();
      const lr = learningRate(o.optimizer, epoch, o.epochs);
      optimizers.forEach((opt, i) => setLearningRate(opt, lr * o.groups[i]!.lrMultiplier));
      const order = permutation(o.count, rng(o.seed, 'shuffle', epoch));
      const random = rng(o.seed, 'augment', epoch).next;
      let lossSum = 0;
      const partSums: Record<string, number> = {};
      let steps = 0;
      let images = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        o.signal.throwIfAborted();
        const indices = order.slice(s * o.batchSize, (s + 1) * o.batchSize);
        // A batch of one breaks batch statistics; the remainder joins the next epoch's shuffle.
        if (indices.length < 2 && stepsPerEpoch > 1) continue;
        const info: StepInfo = { epoch, step: s, progress: (epoch + s / stepsPerEpoch) / o.epochs, random };
        const {
          loss: lossValue,
          parts: partValues,
          grads,
        } = typeof o.step === 'function' ? await lossStep(tf, o, o.step, indices, info) : await gradientStep(tf, o, o.step.gradients, indices, info);
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
        for (const [k, v] of Object.entries(partValues)) partSums[k] = (partSums[k] ?? 0) + v;
        steps++;
        images += indices.length;
        const now = performance.now();
        if (now - lastReport > 500 || s === stepsPerEpoch - 1) {
          lastReport = now;
          o.progress({
            fraction: (epoch + (s + 1) / stepsPerEpoch) / o.epochs,
            epoch: epoch + 1,
            epochs: o.epochs,
            step: s + 1,
            steps: stepsPerEpoch,
            loss: lossValue,
            ...(now > started ? { imagesPerSecond: (images * 1000) / (now - started) } : {}),
          });
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
        eval: evalResult,
      };
      const seconds = (performance.now() - started) / 1000;
      o.timing?.(`epoch ${epoch + 1}`, seconds);
      records.push(record);
      o.log(
        `epoch ${record.epoch}/${o.epochs}: loss ${record.loss.toFixed(4)}${Object.entries(record.parts)
          .map(([k, v]) => ` ${k} ${v.toFixed(4)}`)
          .join('')}${Object.entries(evalResult)
          .map(([k, v]) => ` ${k} ${formatMetricValue(k, v)}`)
          .join('')} (${seconds.toFixed(1)} s)`,
      );
      const cp = o.checkpoint;
      if (cp && cp.every > 0 && (epoch + 1) % cp.every === 0 && epoch + 1 < o.epochs) {
        await saveCheckpoint(tf, cp, { epochsDone: epoch + 1, epochs: o.epochs, records, weights: cp.parameters(), optimizers });
      }
    }
  } finally {
    for (const opt of optimizers) opt.dispose();
  }
  return records;
}

/** Restores the last checkpoint (network, optimisers, log) and returns the epoch to continue with (0 without one). */
async function resume(tf: Tf, o: TrainLoopOptions, cp: TrainCheckpointing, optimizers: Optimizer[], records: EpochRecord[]): Promise<number> {
  const restored = await restoreCheckpoint(tf, cp, { epochs: o.epochs, parameterNames: Object.keys(cp.parameters()), optimizers }, (v) => cp.restore(v));
  if (!restored) return 0;
  if ('problem' in restored) {
    o.log(`ignoring the checkpoint in ${cp.dir}: ${restored.problem}; training from the start`);
    return 0;
  }
  records.push(...restored.records);
  o.log(`resuming after epoch ${restored.epochsDone}/${o.epochs} from the checkpoint`);
  return restored.epochsDone;
}

/** One loss over every variable, weight decay inside the same tape; the loss read back without blocking (webgpu cannot read synchronously). */
async function lossStep(
  tf: Tf,
  o: TrainLoopOptions,
  step: (indices: readonly number[], info: StepInfo) => StepLosses,
  indices: readonly number[],
  info: StepInfo,
): Promise<MeasuredGradients> {
  let parts: Record<string, TfCore.Scalar> = {};
  let loss: TfCore.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = step(indices, info);
    parts = Object.fromEntries(Object.entries(out.parts ?? {}).map(([k, v]) => [k, tf.keep(v)]));
    loss = tf.keep(out.loss);
    const decay = l2Penalty(tf, o.decayed, o.optimizer.weightDecay);
    return decay ? tf.add(out.loss, decay) : out.loss;
  }, trainedVariables(o));
  const measured = { ...(await readBack(loss!, parts)), grads };
  value.dispose(); // may be the loss itself (no weight decay): read first
  return measured;
}

/**
 * One loss differentiated over `variables` (every trainable variable when omitted), read back to numbers:
 * what a GradientStep's `measure` does (also for tests and benchmarks of such steps).
 */
export async function measureLoss(tf: Tf, lossOf: () => StepLosses, variables?: TfCore.Variable[]): Promise<MeasuredGradients> {
  let parts: Record<string, TfCore.Scalar> = {};
  let loss: TfCore.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = lossOf();
    parts = Object.fromEntries(Object.entries(out.parts ?? {}).map(([k, v]) => [k, tf.keep(v)]));
    loss = tf.keep(out.loss);
    return out.loss;
  }, variables);
  const measured = { ...(await readBack(loss!, parts)), grads };
  value.dispose(); // the loss itself: read first
  return measured;
}

/** A trainer's own gradients, plus the weight-decay gradient. */
async function gradientStep(tf: Tf, o: TrainLoopOptions, step: GradientStep, indices: readonly number[], info: StepInfo): Promise<MeasuredGradients> {
  const variables = trainedVariables(o);
  const result = await step(indices, info, (lossOf) => measureLoss(tf, lossOf, variables));
  const decay =
    o.optimizer.weightDecay > 0 && o.decayed.length > 0 ? tf.variableGrads(() => l2Penalty(tf, o.decayed, o.optimizer.weightDecay)!, o.decayed) : null;
  if (!decay) return result;
  decay.value.dispose();
  const grads: TfCore.NamedTensorMap = { ...result.grads };
  for (const [name, g] of Object.entries(decay.grads)) {
    const own = grads[name];
    grads[name] = own ? tf.add(own, g) : g;
    if (own) {
      own.dispose();
      g.dispose();
    }
  }
  return { ...result, grads };
}

function trainedVariables(o: TrainLoopOptions): TfCore.Variable[] {
  return o.groups.flatMap((g) => g.variables);
}

/** The loss and its parts as numbers (read without blocking: webgpu cannot read synchronously), the scalars freed. */
async function readBack(loss: TfCore.Scalar, parts: Record<string, TfCore.Scalar>): Promise<{ loss: number; parts: Record<string, number> }> {
  const names = Object.keys(parts);
  const values = await Promise.all([loss, ...names.map((k) => parts[k]!)].map(async (t) => (await t.data())[0]!));
  loss.dispose();
  for (const t of Object.values(parts)) t.dispose();
  return { loss: values[0]!, parts: Object.fromEntries(names.map((k, i) => [k, values[i + 1]!])) };
}

/** tfjs's SGD/momentum optimisers have setLearningRate; Adam keeps it in a field read on every step. */
function setLearningRate(opt: Optimizer, lr: number): void {
  if (typeof (opt as Partial<Optimizer>).setLearningRate === 'function') opt.setLearningRate(lr);
  else (opt as unknown as { learningRate: number }).learningRate = lr;
}
