/**
 * Min-Max Entropy (seed 001): a localizer M and a classifier C on one
 * backbone, each a WILDCAT head (the `min-max-entropy` head). M makes the
 * mask M+ (min-max-mask.ts, detached); C classifies X+ = X ⊙ R+* and is
 * pushed to maximal entropy on X− = X ⊙ (1 − R+*):
 *
 *   loss = CE(C(X+), y) + mean_k −log softmax(C(X−))_k + CE(M(X), y)
 *
 * Recursive erasing (training only, depth u): R+* starts as M+ of X; at
 * step t = 1..u, M sees X* = X ⊙ (1 − R+*), a sample's trust is
 * Ψ_t = exp(−t/σ)·Γ_t with Γ_t = p_M(y | X*) while M still predicts y on
 * X* and its CE there is not above the CE on X (else 0, and 0 from then on),
 * and R+* = max(R+*, Ψ_t·M+_t). The trusted samples' CE(M(X*), y) adds to
 * the loss (Alg. 1 line 11). Steps stop at u or when no sample keeps trust.
 *
 * Interpretation where the paper is silent: step 0's mask enters R+* with
 * no trust factor (with u = 0 the method is the mask of M alone, as the
 * paper's "without erasing" rows), and trust applies to the erasing steps.
 *
 * Memory: each forward pass is differentiated on its own (`measure`) and
 * the gradients are summed, so a step holds one pass's graph whatever u is
 * (the seed's Alg. 1), measured by bench:min-max-entropy.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { FromSchema } from 'json-schema-to-ts';
import type { Tf } from '../../tensor/backends/init.js';
import type { DatasetView } from '../../datasets/types.js';
import type { MeasuredGradients, StepInfo, StepLosses } from '../../training/loop.js';
import { isMinMaxEntropyHead, minMaxEntropyHeadParams } from '../../tensor/models/heads/min-max-entropy.js';
import type { Network } from '../../tensor/models/network.js';
import { crossEntropyPerExample } from '../losses.js';
import { positiveMask, type MaskParams } from '../min-max-mask.js';
import { buildTrainableNetwork, fitClassifier, trainingBatch, type Hooks, type TrainedModel } from '../fit.js';
import { augmentSchema } from '../augment.js';
import { networkConfig, type TrainingParams } from '../network-params.js';
import { detached } from '../../tensor/nn/detached.js';

type T4 = TfCore.Tensor4D;
type T2 = TfCore.Tensor2D;
type T1 = TfCore.Tensor1D;

export const minMaxEntropyProperties = {
  ...minMaxEntropyHeadParams,
  omega: { type: 'number', exclusiveMinimum: 0, default: 8, description: "Sharpness ω of the mask's sigmoid." },
  sigmaPrime: { type: 'number', default: 0.5, description: "Threshold σ' of the mask's sigmoid on the min-max normalised map." },
  maskNormalization: {
    enum: ['batch', 'image'],
    default: 'batch',
    description:
      "Over what the mask's map is min-max normalised in training: the whole batch (the authors' code) or each image. Maps for evaluation are normalised per image (the authors evaluate one image at a time).",
  },
  erasingDepth: { type: 'integer', minimum: 0, default: 0, description: 'Recursive erasing steps u (paper: 0 or 4).' },
  sigma: { type: 'number', exclusiveMinimum: 0, default: 10, description: 'Trust decay σ: Ψ_t = exp(−t/σ)·Γ_t.' },
  augment: augmentSchema,
} as const;

/** The params of train/min-max-entropy: the shared training params plus the mask, erasing and augmentation params of its schema. */
export type MinMaxEntropyParams = TrainingParams & FromSchema<{ type: 'object'; properties: typeof minMaxEntropyProperties; additionalProperties: false }>;

/** −mean_k log softmax(logits)_k per example: the cross-entropy toward the uniform distribution. */
export function uniformCrossEntropyPerExample(tf: Tf, logits: T2): T1 {
  return tf.neg(tf.mean(tf.logSoftmax(logits), 1)) as T1;
}

/**
 * Trust Γ_t per sample (0 where it was lost before or is lost now): M's probability of the true class
 * on the erased image while its prediction is the true class and its CE is not above the CE at step 0.
 * (The reference in numbers; the training step computes trustTensor, which stays on the device.)
 */
export function trustOf(
  probabilities: Float32Array | number[],
  classes: number,
  labels: readonly number[],
  ce: ArrayLike<number>,
  ce0: ArrayLike<number>,
  alive: readonly boolean[],
): number[] {
  return labels.map((y, i) => {
    if (!alive[i]) return 0;
    const row = Array.from(probabilities.slice(i * classes, (i + 1) * classes));
    let best = 0;
    for (let k = 1; k < classes; k++) if (row[k]! > row[best]!) best = k;
    return best === y && ce[i]! <= ce0[i]! ? row[y]! : 0;
  });
}

/**
 * trustOf as tensor operations [N]: the erasing loss of a pass needs the trust of that same pass,
 * inside its gradient tape, where a backend like webgpu cannot read values back. The first
 * maximum wins a tie, as in trustOf.
 */
export function trustTensor(tf: Tf, probabilities: T2, labels: readonly number[], ce: T1, ce0: T1, alive: readonly boolean[]): T1 {
  const classes = probabilities.shape[1];
  const truth = tf.cast(tf.oneHot(tf.tensor1d([...labels], 'int32'), classes), 'float32');
  const right = tf.equal(tf.argMax(probabilities, 1), tf.tensor1d([...labels], 'int32'));
  const keep = tf.logicalAnd(
    tf.logicalAnd(right, tf.lessEqual(ce, ce0)),
    tf.tensor1d(
      alive.map((a) => (a ? 1 : 0)),
      'bool',
    ),
  );
  return tf.where(keep, tf.sum(tf.mul(probabilities, truth), 1), tf.zerosLike(ce)) as T1;
}

/** Where recursive erasing stands in one step: the accumulated mask R+* so far, and which samples still keep their trust. */
export interface ErasingState {
  /** R+* [N, H, W, 1]. */
  accumulated: T4;
  alive: boolean[];
}

/** R+* = max(R+*, Ψ_t · M+_t), Ψ_t = exp(−t/σ)·Γ_t; samples with Γ_t = 0 lose their trust for good. */
export function accumulateErasing(tf: Tf, state: ErasingState, mask: T4, gamma: readonly number[], t: number, sigma: number): ErasingState {
  const accumulated = tf.tidy(() => {
    const psi = tf.tensor4d(
      gamma.map((g) => Math.exp(-t / sigma) * g),
      [gamma.length, 1, 1, 1],
    );
    return tf.maximum(state.accumulated, tf.mul(psi, mask)) as T4;
  });
  return { accumulated, alive: gamma.map((g) => g > 0) };
}

function sumInto(tf: Tf, total: TfCore.NamedTensorMap, grads: TfCore.NamedTensorMap): void {
  for (const [name, g] of Object.entries(grads)) {
    const own = total[name];
    if (!own) {
      total[name] = g;
      continue;
    }
    total[name] = tf.add(own, g);
    own.dispose();
    g.dispose();
  }
}

/** One training step's gradients (the sum over M's passes and C's two), with the loss parts for the log. */
export async function minMaxEntropyStep(
  tf: Tf,
  net: Network,
  x: T4,
  y: T2,
  labels: readonly number[],
  p: Pick<MinMaxEntropyParams, 'erasingDepth' | 'sigma'> & MaskParams,
  measure: (loss: () => StepLosses) => Promise<MeasuredGradients>,
): Promise<MeasuredGradients & { steps: number }> {
  const head = net.head;
  if (!isMinMaxEntropyHead(head)) throw new Error('Min-Max Entropy needs the min-max-entropy head');
  const size = { height: x.shape[1], width: x.shape[2] };
  const n = labels.length;
  const grads: TfCore.NamedTensorMap = {};
  const parts: Record<string, number> = {};
  let loss = 0;
  const add = (m: MeasuredGradients): void => {
    sumInto(tf, grads, m.grads);
    loss += m.loss;
    for (const [k, v] of Object.entries(m.parts)) parts[k] = (parts[k] ?? 0) + v;
  };

  // Step 0: M on X.
  let mask0: T4 | undefined;
  let ce0: T1 | undefined;
  add(
    await measure(() => {
      const out = net.forward(x, true);
      const ce = crossEntropyPerExample(tf, out.logits!, y);
      mask0 = tf.keep(positiveMask(tf, out.logits!, out.maps!, size, p));
      ce0 = tf.keep(ce);
      const localizer = tf.mean(ce) as TfCore.Scalar;
      return { loss: localizer, parts: { localizer } };
    }),
  );
  let state: ErasingState = { accumulated: mask0!, alive: labels.map(() => true) };
  let steps = 1;
  for (let t = 1; t <= p.erasingDepth && state.alive.some(Boolean); t++) {
    const erased = tf.tidy(() => tf.mul(x, tf.sub(1, state.accumulated)) as T4);
    let gammaT: T1 | undefined;
    let maskT: T4 | undefined;
    add(
      await measure(() => {
        const out = net.forward(erased, true);
        const ce = crossEntropyPerExample(tf, out.logits!, y);
        gammaT = tf.keep(detached(tf, (probs, c) => trustTensor(tf, probs as T2, labels, c as T1, ce0!, state.alive), tf.softmax(out.logits!), ce));
        maskT = tf.keep(positiveMask(tf, out.logits!, out.maps!, size, p));
        const trusted = detached(tf, (g) => tf.cast(tf.greater(g, 0), 'float32'), gammaT);
        // The trusted samples' CE on the erased image, over the whole batch (Alg. 1 accumulates per sample).
        const erasing = tf.div(tf.sum(tf.mul(ce, trusted)), n) as TfCore.Scalar;
        return { loss: erasing, parts: { erasing } };
      }),
    );
    erased.dispose();
    const gamma = Array.from(await gammaT!.data());
    gammaT!.dispose();
    const next = accumulateErasing(tf, state, maskT!, gamma, t, p.sigma);
    state.accumulated.dispose();
    maskT!.dispose();
    state = next;
    steps++;
  }

  ce0!.dispose();
  // C on X+ and X−.
  const rStar = state.accumulated;
  add(
    await measure(() => {
      const positive = tf.mul(x, rStar) as T4;
      const negative = tf.mul(x, tf.sub(1, rStar)) as T4;
      const cPos = head.classify(net.backbone.apply(net.input(positive), true) as T4, true);
      const cNeg = head.classify(net.backbone.apply(net.input(negative), true) as T4, true);
      const positiveLoss = tf.mean(crossEntropyPerExample(tf, cPos, y)) as TfCore.Scalar;
      const negativeLoss = tf.mean(uniformCrossEntropyPerExample(tf, cNeg)) as TfCore.Scalar;
      return { loss: tf.add(positiveLoss, negativeLoss) as TfCore.Scalar, parts: { positive: positiveLoss, negative: negativeLoss } };
    }),
  );
  rStar.dispose();
  return { loss, parts: { ...parts, erasingSteps: steps - 1 }, grads, steps };
}

export async function trainMinMaxEntropy(tf: Tf, data: DatasetView, p: MinMaxEntropyParams, hooks: Hooks): Promise<TrainedModel> {
  const head = { kind: 'min-max-entropy', modalities: p.modalities, kmax: p.kmax, kmin: p.kmin, alphaWildcat: p.alphaWildcat, dropout: p.dropout };
  const net = await buildTrainableNetwork(tf, networkConfig(p, data.info, head), p, hooks);
  const train = data.split('train');
  const step = {
    gradients: async (
      indices: readonly number[],
      info: StepInfo,
      measure: (loss: () => StepLosses) => Promise<MeasuredGradients>,
    ): Promise<MeasuredGradients> => {
      const { x, y } = trainingBatch(tf, data, indices, p.augment, info.random);
      try {
        const labels = indices.map((i) => train.labels[i]!);
        const { steps: _steps, ...measured } = await minMaxEntropyStep(tf, net, x, y, labels, p, measure);
        return measured;
      } finally {
        x.dispose();
        y.dispose();
      }
    },
  };
  // Validation accuracy is M's (the network's scores).
  return fitClassifier(tf, net, p, { train, val: data.split('val') }, step, hooks);
}
