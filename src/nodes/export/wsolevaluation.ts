import type { FromSchema } from 'json-schema-to-ts';
import { defineNode } from '../contract.js';

const params = {
  type: 'object',
  properties: {
    splits: {
      type: 'array',
      items: { enum: ['train', 'val', 'test'] },
      minItems: 1,
      uniqueItems: true,
      default: ['val', 'test'],
      description: 'Splits to export (those the maps artifact has).',
    },
    splitDirs: {
      type: 'object',
      properties: { train: { type: 'string', default: 'train' }, val: { type: 'string', default: 'val' }, test: { type: 'string', default: 'test' } },
      additionalProperties: false,
      default: { train: 'train', val: 'val', test: 'test' },
      description: 'Folder under metadata/<name> of each split (wsolevaluation calls val train-fullsup).',
    },
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]+$',
      default: 'auto',
      description:
        "Folder under metadata/, the tool's --dataset_name, which picks its evaluator: CUB or ILSVRC evaluate boxes, OpenImages masks; auto: CUB for boxes, OpenImages for masks.",
    },
    localization: {
      enum: ['auto', 'boxes', 'masks'],
      default: 'auto',
      description:
        'What localization.txt holds: boxes, or mask paths (PNGs under OpenImages/masks and OpenImages/ignore, where the tool looks with --mask_root <export>); auto: boxes when the dataset has any.',
    },
    preprocess: { enum: ['auto', 'resize-normalize', 'none'], default: 'auto', description: 'As evaluate/localization: how raw maps become score maps.' },
    nanMaps: { enum: ['error', 'zero'], default: 'error', description: 'As evaluate/localization.' },
  },
  additionalProperties: false,
} as const;

/**
 * The params of an export/wsolevaluation node, as its schema gives them:
 * splits and their folders, the dataset name, what is evaluated,
 * preprocessing.
 */
export type WsolevaluationExportParams = FromSchema<typeof params>;

/**
 * Our maps in the community tool's layout, so that its evaluation gives our
 * numbers: scoremaps/<image id>.npy (float32, H x W, in [0, 1]: exactly the
 * score maps evaluate/localization evaluates) and
 * metadata/<name>/<split>/{image_ids,class_labels,image_sizes,localization}.txt.
 */
export const wsolevaluationExportNode = defineNode<WsolevaluationExportParams>({
  type: 'export/wsolevaluation',
  version: 1,
  description:
    'Writes maps as wsolevaluation score maps (scoremaps/<id>.npy, float32 H x W in [0, 1]) and the dataset as its metadata (image_ids, class_labels, image_sizes, localization .txt; mask PNGs), so its evaluation.py reproduces evaluate/localization.',
  params,
  inputs: {
    dataset: { kind: 'dataset', description: 'Ground truth written as metadata.' },
    maps: { kind: 'maps', description: 'Maps written as score maps.' },
  },
  output: 'report',
  async run(ctx) {
    const { exportWsolevaluation } = await import('./run-wsolevaluation.js');
    return exportWsolevaluation(ctx);
  },
});
