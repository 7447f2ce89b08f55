import type { FromSchema } from 'json-schema-to-ts';
import { cubRoot } from '../required-data.js';
import { defineNode, pathParams } from '../contract.js';
import { datasetMetrics, imageProgress, imageSizeParam, seedParam, valCarve, valCarveParams } from './common.js';

const params = {
  type: 'object',
  properties: {
    root: { type: 'string', minLength: 1, description: 'The CUB_200_2011 directory (relative paths are resolved from the working directory).' },
    imageSize: imageSizeParam(224),
    classes: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      uniqueItems: true,
      description:
        "Only these classes, by name as in classes.txt (with or without the NNN. prefix), e.g. the 5 classes of Min-Max Entropy's CUB5. Class indices follow classes.txt order.",
    },
    segmentations: {
      enum: ['auto', 'required', 'none'],
      default: 'auto',
      description: 'Masks from segmentations/<class>/<name>.png (foreground > 127.5): when present (auto), always (required), never (none).',
    },
    ...valCarveParams(5, null),
    seed: seedParam,
  },
  required: ['root'],
  additionalProperties: false,
} as const;

/**
 * The params of a dataset/cub node, as its schema gives them: the CUB-200-2011
 * folder, stored side, class subset, segmentations, and the seeded val carve.
 */
export type CubParams = FromSchema<typeof params>;

export const cubNode = defineNode<CubParams>({
  type: 'dataset/cub',
  // 2: dataset.json records grey and flippable. 3: masks resized in OpenCV's INTER_NEAREST arithmetic (image/raster.ts).
  version: 3,
  description:
    'CUB-200-2011 from its official directory (images.txt, bounding_boxes.txt, …), optional segmentations and class subset; val carved out of the official train split, test = official test.',
  params,
  inputs: {},
  output: 'dataset',
  dataFiles: pathParams('root'),
  requiredPaths: cubRoot,
  async run(ctx) {
    const { buildCub } = await import('../../datasets/loaders/cub.js');
    const p = ctx.params;
    const info = await buildCub(ctx.outDir, {
      root: p.root,
      imageSize: p.imageSize,
      ...(p.classes ? { classes: p.classes } : {}),
      segmentations: p.segmentations,
      val: valCarve(p),
      seed: p.seed,
      signal: ctx.signal,
      progress: imageProgress(ctx),
    });
    return { metrics: datasetMetrics(info) };
  },
});
