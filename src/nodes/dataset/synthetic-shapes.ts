import type { FromSchema } from 'json-schema-to-ts';
import { defineNode } from '../contract.js';
import { countParam, countRangeParam, datasetMetrics, minMax, rangeParam, seedParam, trackedSamples } from './common.js';
// The shape and texture lists the schema offers (the generator module imports only light image helpers, no sharp or tfjs).
import { SHAPES, TEXTURES } from '../../datasets/generators/synthetic-shapes.js';

// The generator's own lists, so the schema never accepts a name it cannot draw.
const SHAPE_NAMES = [...SHAPES];
const TEXTURE_NAMES = [...TEXTURES];

const params = {
  type: 'object',
  properties: {
    size: { type: 'integer', minimum: 16, maximum: 512, default: 64, description: 'Image side in pixels.' },
    train: countParam(2000, 'train'),
    val: countParam(300, 'val'),
    test: countParam(500, 'test'),
    shapes: {
      type: 'array',
      items: { enum: SHAPE_NAMES },
      minItems: 1,
      uniqueItems: true,
      default: ['circle', 'square', 'triangle', 'cross'],
      description: `Shapes (${SHAPE_NAMES.join(', ')}); classes are every shape x texture, named shape-texture.`,
    },
    textures: {
      type: 'array',
      items: { enum: TEXTURE_NAMES },
      minItems: 1,
      uniqueItems: true,
      default: ['solid', 'stripes'],
      description: `Textures (${TEXTURE_NAMES.join(', ')}).`,
    },
    instances: countRangeParam([1, 1], 1, 16, 'Instances of the class per image [min, max] (fewer when they do not fit without overlap).'),
    objectScale: rangeParam([0.3, 0.6], 0.1, 1, "An instance's diameter as a fraction of the image side"),
    noise: { type: 'number', minimum: 0, maximum: 0.5, default: 0.03, description: 'Standard deviation of Gaussian pixel noise (intensities in [0, 1]).' },
    seed: seedParam,
  },
  additionalProperties: false,
} as const;

/**
 * The params of a dataset/synthetic-shapes node, as its schema gives them:
 * size, images per split, shapes, textures, instances, scale, noise, seed.
 */
export type SyntheticShapesParams = FromSchema<typeof params>;

export const syntheticShapesNode = defineNode<SyntheticShapesParams>({
  type: 'dataset/synthetic-shapes',
  // 2: dataset.json records grey and flippable.
  version: 2,
  description: 'Procedural classes (shape x texture) on textured backgrounds, with a box per instance and masks; optionally several instances per image.',
  params,
  inputs: {},
  output: 'dataset',
  async run(ctx) {
    const p = ctx.params;
    const instances = minMax('instances', p.instances);
    const objectScale = minMax('objectScale', p.objectScale);
    const { syntheticShapes, shapeClassNames, SYNTHETIC_SHAPES_FACTS } = await import('../../datasets/generators/synthetic-shapes.js');
    const { writeDatasetArtifact } = await import('../../datasets/store.js');
    const options = {
      size: p.size,
      counts: { train: p.train, val: p.val, test: p.test },
      shapes: p.shapes,
      textures: p.textures,
      instances,
      objectScale,
      noise: p.noise,
      seed: p.seed,
    };
    const samples = trackedSamples(ctx, syntheticShapes(options), p.train + p.val + p.test);
    const info = await writeDatasetArtifact(
      ctx.outDir,
      { name: 'synthetic-shapes', classNames: shapeClassNames(options), imageSize: { width: p.size, height: p.size }, channels: 3, ...SYNTHETIC_SHAPES_FACTS },
      samples,
      { generator: 'synthetic-shapes', params: { ...p } },
    );
    return { metrics: datasetMetrics(info) };
  },
});
