import type { FromSchema } from 'json-schema-to-ts';
import { glasRoot } from '../required-data.js';
import { defineNode, pathParams } from '../contract.js';
import { datasetMetrics, imageProgress, imageSizeParam, seedParam, valCarve, valCarveParams } from './common.js';

const params = {
  type: 'object',
  properties: {
    root: { type: 'string', minLength: 1, description: 'The GlaS folder (Warwick_QU_Dataset) with the BMPs and Grade.csv.' },
    imageSize: imageSizeParam(224),
    ...valCarveParams(null, 0.2),
    seed: seedParam,
  },
  required: ['root'],
  additionalProperties: false,
} as const;

/** The params of a dataset/glas node, as its schema gives them: the Warwick_QU_Dataset folder, stored side, and the seeded val carve. */
export type GlasParams = FromSchema<typeof params>;

export const glasNode = defineNode<GlasParams>({
  type: 'dataset/glas',
  // 2: dataset.json records grey and flippable. 3: masks resized in OpenCV's INTER_NEAREST arithmetic (image/raster.ts).
  version: 3,
  description:
    'GlaS gland segmentation (BMP images and _anno.bmp annotations, Grade.csv): classes benign/malignant, gland masks and one box per gland; val carved out of train, test = testA + testB.',
  params,
  inputs: {},
  output: 'dataset',
  dataFiles: pathParams('root'),
  requiredPaths: glasRoot,
  async run(ctx) {
    const { buildGlas } = await import('../../datasets/loaders/glas.js');
    const p = ctx.params;
    const info = await buildGlas(ctx.outDir, {
      root: p.root,
      imageSize: p.imageSize,
      val: valCarve(p),
      seed: p.seed,
      signal: ctx.signal,
      progress: imageProgress(ctx),
    });
    return { metrics: datasetMetrics(info) };
  },
});
