import type { FromSchema } from 'json-schema-to-ts';
import { UserError, defineNode } from '../contract.js';

const params = {
  type: 'object',
  properties: {
    split: { enum: ['train', 'val', 'test'], default: 'test', description: 'Split evaluated.' },
    chooseSplit: {
      enum: ['train', 'val', 'test'],
      default: 'val',
      description: 'Split the GT-known / Top-k Loc threshold is chosen on (never the evaluated one, in honest use).',
    },
    tau: {
      type: ['number', 'null'],
      minimum: 0,
      exclusiveMaximum: 1,
      default: null,
      description: 'A fixed threshold for GT-known / Top-k Loc instead of choosing one on chooseSplit.',
    },
    thresholdStep: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 0.5,
      default: 0.01,
      description: 'τ runs over arange(0, 1, thresholdStep) (0.001 for the fine curve).',
    },
    deltas: {
      type: 'array',
      items: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
      minItems: 1,
      default: [30, 50, 70],
      description: 'IoU thresholds δ (percent) of MaxBoxAccV2.',
    },
    singleBox: {
      type: 'boolean',
      default: true,
      description: 'Single-box metrics (MaxBoxAcc v1, GT-known, Top-1/5 Loc): one contour pass per threshold and image, the slow part.',
    },
    preprocess: {
      enum: ['auto', 'resize-normalize', 'none'],
      default: 'auto',
      description:
        "resize-normalize: raw maps of any size, resized bicubic to the dataset size and min-max normalised (the reference's inference path); none: maps are score maps already (dataset size, in [0, 1]), as wsolevaluation evaluates .npy files; auto: none for maps imported from .npy, else resize-normalize.",
    },
    nanMaps: {
      enum: ['error', 'zero'],
      default: 'error',
      description: "A raw map with NaN or infinity: an error naming the image, or scored as all zeros (wsolevaluation's normalisation does that).",
    },
    stlTolerance: {
      type: 'integer',
      minimum: 0,
      default: 16,
      description: 'STL localization AP: pixels the ground truth is grown by (half the network stride).',
    },
  },
  additionalProperties: false,
} as const;

/**
 * The params of an evaluate/localization node, as its schema gives them: the
 * split evaluated and the one τ is chosen on, thresholds, deltas,
 * preprocessing.
 */
export type LocalizationParams = FromSchema<typeof params>;

/**
 * The evaluation spec as a node: box metrics (MaxBoxAcc, MaxBoxAccV2,
 * GT-known / Top-1 / Top-5 Loc with τ chosen on the val split), mask metrics
 * (PxAP, PIoU, F1+/F1-), classification and, for two-class datasets, ACC,
 * AUC, AP+/AP- and STL's localization AP. The computation lives in
 * src/evaluation/localization.ts; this module adapts artifacts to it.
 */
export const localizationNode = defineNode<LocalizationParams>({
  type: 'evaluate/localization',
  // 3: evaluation.json's sources record the digests of the dataset, maps and boxes evaluated.
  version: 3,
  description:
    'Localization metrics as wsolevaluation computes them (MaxBoxAcc, MaxBoxAccV2, GT-known/Top-1/Top-5 Loc, PxAP, PIoU, F1+/F1-, classification, binary ACC/AUC/AP, STL localization AP) from maps and/or boxes; writes evaluation.json, curves.json and per-image.json.',
  params,
  inputs: {
    dataset: { kind: 'dataset', description: 'Ground truth: labels, boxes, masks and ignore masks.' },
    maps: { kind: 'maps', optional: true, description: 'Localization maps (and class scores) of the evaluated split, and of chooseSplit for τ.' },
    boxes: { kind: 'boxes', optional: true, description: 'Predicted boxes (and class scores), first box = the answer.' },
  },
  output: 'metrics',
  async run(ctx) {
    const { runLocalization } = await import('./run-localization.js');
    const p = ctx.params;
    if (!ctx.inputs.maps?.length && !ctx.inputs.boxes?.length)
      throw new UserError(
        'evaluate/localization needs maps or boxes to evaluate',
        'wire a maps artifact ("maps": "<node>") and/or a boxes artifact ("boxes": "<node>")',
      );
    return runLocalization(ctx, p);
  },
});
