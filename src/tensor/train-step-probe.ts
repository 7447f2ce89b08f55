/**
 * Times training steps of the reference model on the active backend: the
 * measurement behind `wsol-run doctor` and bench/train-throughput.ts.
 */
import type { Tf } from './backends/init.js';
import { referenceModel } from './models/reference.js';

/** What timeTrainingSteps measured: each timed step's wall time in ms and its loss, and the batch size. */
export interface StepTiming {
  /** Wall time of each timed step, ms. */
  stepMs: number[];
  batch: number;
  /** Loss of each timed step, to show training is real. */
  losses: number[];
}

/** The upper median of the timed steps (ms): the figure doctor and the train-speed node report. */
export function medianStepMs(t: StepTiming): number {
  const sorted = [...t.stepMs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `warmup` untimed then up to `steps` timed Adam steps (stopping early after `budgetMs`). */
export async function timeTrainingSteps(
  tf: Tf,
  o: { batch?: number; size?: number; steps: number; warmup?: number; budgetMs?: number; seed?: number; onStep?: (i: number) => void },
): Promise<StepTiming> {
  const tfl = await import('@tensorflow/tfjs-layers');
  const batch = o.batch ?? 32;
  const size = o.size ?? 64;
  const model = referenceModel(tfl, 10, size);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', o.seed ?? 1);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.cast(tf.randomUniform([batch], 0, 10, 'float32', (o.seed ?? 1) + 1), 'int32'), 10), 'float32'));
  // The loss is read back every step (as the training loop does), asynchronously: webgpu cannot read synchronously.
  const step = async (): Promise<number> => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as never), true)!;
    const v = (await loss.data())[0]!;
    loss.dispose();
    return v;
  };
  for (let i = 0; i < (o.warmup ?? 2); i++) await step();
  const stepMs: number[] = [];
  const losses: number[] = [];
  const start = performance.now();
  for (let i = 0; i < o.steps; i++) {
    const t = performance.now();
    losses.push(await step());
    stepMs.push(performance.now() - t);
    o.onStep?.(i);
    if (o.budgetMs !== undefined && performance.now() - start > o.budgetMs) break;
  }
  x.dispose();
  labels.dispose();
  optimizer.dispose();
  model.dispose();
  return { stepMs, batch, losses };
}
