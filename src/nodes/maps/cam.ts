import { defineNode, UserError } from '../contract.js';
import { SPLIT_NAMES, type SplitName } from '../../datasets/types.js';
import type { MapsSplit } from '../../artifacts/maps.js';
import type { MapOptions } from '../../methods/maps/map-method.js';
import { mapMethod, mapMethodNames, mapMethodParams } from '../../methods/maps/registry.js';
import { headType } from '../../tensor/models/heads/registry.js';
import { inputDataset, inputModels, registrySchema } from '../method-io.js';

/** The params of a maps/cam node: the options every map method gets, the method's own, the method name, the splits and the batch size. */
export interface CamMapsParams extends MapOptions {
  /** A registered map method, or `auto`: the one the model's trainer declared. */
  method: string;
  splits: SplitName[];
  batchSize: number;
}

const sharedProperties = {
  topK: { type: 'integer', minimum: 1, default: 3, description: "acam: number of top classes averaged (auto: the localizer's topK)." },
  layer: {
    type: 'string',
    default: '',
    description: 'Layer-based methods (gradcam): backbone layer name (e.g. conv2, block4_conv2, conv4_block6_out); empty = the last.',
  },
  target: { enum: ['gt', 'predicted'], default: 'gt', description: 'Map of the ground-truth class (GT-known Loc) or of the top-1 prediction.' },
  splits: {
    type: 'array',
    items: { enum: [...SPLIT_NAMES] },
    minItems: 1,
    uniqueItems: true,
    default: ['train', 'val', 'test'],
    description: 'Splits to map (train is needed for pseudo boxes).',
  },
  batchSize: {
    type: 'integer',
    minimum: 1,
    default: 64,
    description: "Most images per batch; lowered so the forward passes fit 1 GiB (methods/inference.ts), or to DGL's memoryMB.",
  },
} as const;

/** The params: the shared ones, `method` over every registered map method, and the params those methods add. */
const camMapsSchema = registrySchema(
  () => mapMethodNames().join(','),
  () => {
    const names = mapMethodNames();
    const methods = names.map((n) => `${n}: ${mapMethod(n).description}`).join('; ');
    return {
      type: 'object',
      properties: {
        method: {
          enum: ['auto', ...names],
          default: 'auto',
          description: `auto: the map the model's method defines (top-K ACAM for an SLT-Net localizer, else CAM); ${methods}`,
        },
        ...sharedProperties,
        ...mapMethodParams(),
      },
      additionalProperties: false,
    };
  },
);

/**
 * Localization maps of a trained model over dataset splits, by any
 * registered map method (CAM, top-K ACAM, Grad-CAM at a layer, …), for the
 * GT or predicted class. Class scores come from the optional `classifier`
 * model if wired (SLT-Net), else from the model itself.
 */
export const camMapsNode = defineNode<CamMapsParams>({
  type: 'maps/cam',
  version: 3,
  description: 'Class maps of a trained model by a map method (CAM, top-K ACAM, Grad-CAM at a layer, …) for the GT or predicted class, with class scores.',
  get params() {
    return camMapsSchema();
  },
  inputs: {
    model: { kind: 'model' },
    dataset: { kind: 'dataset' },
    classifier: { kind: 'model', optional: true, description: 'Separate classifier for the class scores and the predicted class.' },
  },
  output: 'maps',
  env: ['backend'],
  async run(ctx) {
    const { tensorsFor } = await import('../../tensor/backends/for-node.js');
    const { makeSplitMaps } = await import('../../methods/make-maps.js');
    const { writeMapsArtifact } = await import('../../artifacts/maps.js');
    const tf = await tensorsFor(ctx.env);
    const data = await inputDataset(ctx);
    const { model, classifier, release } = await inputModels(tf, ctx, data);
    try {
      const declared = model.description.localizationMap;
      const { splits: splitNames, batchSize, method: requested, ...rest } = ctx.params;
      const auto = requested === 'auto';
      const name = auto ? (declared?.method ?? 'cam') : requested;
      const options = { ...rest, ...(auto ? declared?.options : {}) } as MapOptions;
      const method = mapMethod(name);
      const head = model.net.config.head.kind;
      const missing = method.needs.filter((n) => !headType(head).provides.includes(n));
      if (missing.length)
        throw new UserError(
          `map method ${name} needs ${missing.join(' and ')} from the model of node ${model.node}, whose ${head} head does not make them`,
          head === 'regressor' ? 'wire a classifier or localizer model' : 'choose another method, or a model whose head makes them',
        );
      if (!classifier && !headType(head).provides.includes('logits')) {
        throw new UserError(
          `the model of node ${model.node} makes no class scores (its ${head} head), and no classifier is wired`,
          'wire a classifier model as `classifier`: the scores pick the predicted class and score Top-1/Top-5 Loc',
        );
      }
      const problem = method.problem?.(model.net, options);
      if (problem) throw new UserError(problem[0], problem[1]);
      const splits: Partial<Record<SplitName, MapsSplit>> = {};
      for (const [i, split] of splitNames.entries()) {
        ctx.progress({ fraction: i / splitNames.length, message: `maps of ${split}` });
        splits[split] = await makeSplitMaps(tf, model.net, classifier?.net ?? null, data.split(split), method, options, batchSize, ctx.signal);
      }
      await writeMapsArtifact(ctx.outDir, { target: method.agnostic ? 'agnostic' : options.target, method: method.label(model.net, options) }, splits);
      const first = splits[splitNames[0]!]!;
      return { metrics: { maps: splitNames.reduce((s, n) => s + splits[n]!.entry.count, 0), mapSize: `${first.entry.width}x${first.entry.height}` } };
    } finally {
      release();
    }
  },
});
