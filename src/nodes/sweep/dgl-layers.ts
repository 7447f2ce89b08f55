import type { FromSchema } from 'json-schema-to-ts';
import { defineNode } from '../contract.js';
import { DGL_PARAM_SCHEMAS } from '../../methods/maps/dgl.js';

const params = {
  type: 'object',
  properties: {
    layers: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: [],
      description: "Backbone layers to sweep (names as `wsol-run layers` lists them); empty = every conv layer (each residual block's output for ResNet50).",
    },
    enhanced: DGL_PARAM_SCHEMAS.enhanced,
    selection: DGL_PARAM_SCHEMAS.selection,
    alpha: DGL_PARAM_SCHEMAS.alpha,
    target: { enum: ['gt', 'predicted'], default: 'gt', description: "Whose maps: the ground-truth class, or the top-1 prediction (the authors' code)." },
    split: { enum: ['train', 'val', 'test'], default: 'test', description: 'Split reported per layer.' },
    chooseSplit: {
      enum: ['train', 'val', 'test'],
      default: 'val',
      description: 'Split τ and the layer are chosen on (never the reported one, in honest use).',
    },
    chooseBy: {
      enum: ['gtKnownLoc', 'maxBoxAccV2', 'top1Loc'],
      default: 'gtKnownLoc',
      description: 'Metric on chooseSplit that picks the layer (each layer at its own τ chosen there).',
    },
    tau: {
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: 0.2,
      description: 'Fixed τ used when the dataset has no chooseSplit: every layer is reported at it and no layer is chosen.',
    },
    thresholdStep: { type: 'number', exclusiveMinimum: 0, maximum: 0.5, default: 0.01, description: 'τ runs over arange(0, 1, thresholdStep).' },
    deltas: {
      type: 'array',
      items: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
      minItems: 1,
      default: [30, 50, 70],
      description: 'IoU thresholds δ of MaxBoxAccV2.',
    },
    batchSize: { type: 'integer', minimum: 1, default: 64, description: 'Most images per batch; memoryMB may lower it.' },
    memoryMB: DGL_PARAM_SCHEMAS.memoryMB,
  },
  additionalProperties: false,
} as const;

/**
 * The params of a sweep/dgl-layers node, as its schema gives them: the layers,
 * DGL's options, splits and choice, thresholds, and batch and memory bounds.
 */
export type DglSweepParams = FromSchema<typeof params>;

/**
 * DGL's layer sweep (the product card's "DGL layer sweep"): maps at every
 * swept layer of a model from one stacked forward/backward pass per batch,
 * each layer evaluated with τ chosen on val, the layer chosen on val, test
 * figures per layer in the DGL paper's Table 1 layout (sweep.json). Its
 * metrics are the chosen layer's, so report/compare can put it in a table.
 */
export const dglSweepNode = defineNode<DglSweepParams>({
  type: 'sweep/dgl-layers',
  version: 1,
  description:
    'DGL maps at many layers of a model in one pass per batch; τ and the layer chosen on val, per-layer test figures (top-1/top-5 cls, GT-known/Top-1/Top-5 Loc and their errors, MaxBoxAccV2) in sweep.json, the chosen layer as metrics.',
  params,
  inputs: {
    model: { kind: 'model', description: 'The classifier whose layers are swept.' },
    dataset: { kind: 'dataset' },
    classifier: { kind: 'model', optional: true, description: 'Separate classifier for the class scores and the predicted class.' },
  },
  output: 'metrics',
  env: ['backend'],
  async run(ctx) {
    const { runDglSweep } = await import('./run-dgl-layers.js');
    return runDglSweep(ctx);
  },
});
