import { defineNode, UserError } from '../contract.js';
import { SPLIT_NAMES, type SplitName } from '../../datasets/types.js';
import type { MapOptions } from '../../methods/make-maps.js';
import type { MapsSplit } from '../../artifacts/maps.js';
import { checkSameClasses, inputDataset, inputModel, optionalInput } from '../method-io.js';

export interface CamMapsParams extends Omit<MapOptions, 'method'> {
  method: MapOptions['method'] | 'auto';
  splits: SplitName[];
}

/**
 * Localization maps of a trained model over dataset splits: CAM of the GT
 * or predicted class, SLT-Net's top-K ACAM, or Grad-CAM at a named layer.
 * Class scores come from the optional `classifier` model if wired (SLT-Net),
 * else from the model itself.
 */
export const camMapsNode = defineNode<CamMapsParams>({
  type: 'maps/cam',
  version: 2,
  description: 'Class maps of a trained model: CAM, top-K ACAM or Grad-CAM at a layer, for the GT or predicted class, with class scores.',
  params: {
    type: 'object',
    properties: {
      method: { enum: ['auto', 'cam', 'acam', 'gradcam'], default: 'auto', description: 'auto: the map the model\'s method defines (top-K ACAM for an SLT-Net localizer, else CAM); cam: Σ_k w[k,c]·S_k; acam: mean CAM of the top-K predicted classes; gradcam: Grad-CAM at `layer`.' },
      topK: { type: 'integer', minimum: 1, default: 3, description: 'acam: number of top classes averaged (auto: the localizer\'s topK).' },
      layer: { type: 'string', default: '', description: 'gradcam: backbone layer name (e.g. conv2, block4_conv2, conv4_block6_out); empty = the last.' },
      target: { enum: ['gt', 'predicted'], default: 'gt', description: 'Map of the ground-truth class (GT-known Loc) or of the top-1 prediction.' },
      splits: { type: 'array', items: { enum: [...SPLIT_NAMES] }, minItems: 1, uniqueItems: true, default: ['train', 'val', 'test'], description: 'Splits to map (train is needed for pseudo boxes).' },
      batchSize: { type: 'integer', minimum: 1, default: 64 },
    },
    additionalProperties: false,
  },
  inputs: { model: { kind: 'model' }, dataset: { kind: 'dataset' }, classifier: { kind: 'model', optional: true, description: 'Separate classifier for the class scores and the predicted class.' } },
  output: 'maps',
  env: ['backend'],
  async run(ctx) {
    const { tensorsFor } = await import('../../tensor/backends/for-node.js');
    const { makeSplitMaps } = await import('../../methods/make-maps.js');
    const { writeMapsArtifact } = await import('../../artifacts/maps.js');
    const tf = await tensorsFor(ctx.env);
    const data = await inputDataset(ctx);
    const model = await inputModel(tf, ctx, 'model');
    const classifier = optionalInput(ctx, 'classifier') ? await inputModel(tf, ctx, 'classifier') : null;
    try {
      checkSameClasses(model, data);
      if (classifier) checkSameClasses(classifier, data);
      const declared = model.description.localizationMap;
      const p: MapOptions & { splits: SplitName[] } = ctx.params.method === 'auto' ? { ...ctx.params, method: declared?.method ?? 'cam', topK: declared?.topK ?? ctx.params.topK } : { ...ctx.params, method: ctx.params.method };
      if (p.method === 'gradcam' && p.layer && !model.net.backbone.stageNames().includes(p.layer)) {
        throw new UserError(`layer ${p.layer} is not in the model's backbone`, `layers: ${model.net.backbone.stageNames().join(', ')}`);
      }
      if (model.net.config.head.kind === 'regressor') throw new UserError(`the model of node ${model.node} is a box regressor: it has no class maps`, 'wire a classifier or localizer model');
      const splits: Partial<Record<SplitName, MapsSplit>> = {};
      p.splits.forEach((name, i) => {
        ctx.progress({ fraction: i / p.splits.length, message: `maps of ${name}` });
        splits[name] = makeSplitMaps(tf, model.net, classifier?.net ?? null, data.split(name), p, ctx.signal);
      });
      const method = p.method === 'acam' ? `acam-top${p.topK}` : p.method === 'gradcam' ? `gradcam@${p.layer || model.net.backbone.stageNames().at(-1)}` : 'cam';
      await writeMapsArtifact(ctx.outDir, { target: p.method === 'acam' ? 'agnostic' : p.target, method }, splits);
      const first = splits[p.splits[0]!]!;
      return { metrics: { maps: p.splits.reduce((s, n) => s + splits[n]!.entry.count, 0), mapSize: `${first.entry.width}x${first.entry.height}` } };
    } finally {
      model.net.dispose();
      classifier?.net.dispose();
    }
  },
});
