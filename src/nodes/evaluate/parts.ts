import type { FromSchema } from 'json-schema-to-ts';
import { defineNode, UserError } from '../contract.js';
import { single } from '../method-io.js';

const params = {
  type: 'object',
  properties: {
    cover: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'A box covers a part (or a distractor) when it holds at least this share of its area.',
    },
  },
  additionalProperties: false,
} as const;

/** The params of an evaluate/parts node: the share of a part's area a box must hold to cover it. */
export type PartsParams = FromSchema<typeof params>;

/**
 * Part domination, measured: of the images an evaluation's GT-known box
 * missed, the share whose box covers one part of the object only (CAM's
 * most-discriminative-part failure), a distractor, or neither. Needs a
 * dataset that records its objects' parts (dataset/two-digit-numbers'
 * parts.json) and an evaluate/localization result of its maps.
 */
export const partsNode = defineNode<PartsParams>({
  type: 'evaluate/parts',
  version: 1,
  description: "Where GT-known misses went: one part of a two-part object only (part domination), a distractor, or elsewhere (needs the dataset's parts.json).",
  params,
  inputs: { dataset: { kind: 'dataset' }, evaluation: { kind: 'metrics', description: 'An evaluate/localization of maps on this dataset.' } },
  output: 'metrics',
  async run(ctx) {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { missShares } = await import('../../evaluation/parts.js');
    const dataset = single(ctx, 'dataset');
    const evaluation = single(ctx, 'evaluation');
    const read = async <T>(dir: string, file: string, hint: string): Promise<T> => {
      try {
        return JSON.parse(await readFile(join(dir, file), 'utf8')) as T;
      } catch {
        throw new UserError(`${join(dir, file)} cannot be read`, hint);
      }
    };
    type Box = [number, number, number, number];
    const parts = await read<Record<string, Record<string, { parts: Box[]; distractors: Box[] }>>>(
      dataset.dir,
      'parts.json',
      "wire a dataset that records its objects' parts (dataset/two-digit-numbers)",
    );
    const { readEvaluationArtifact, EVALUATION_FILES } = await import('../../artifacts/evaluation.js');
    const artifact = await readEvaluationArtifact(evaluation.dir);
    const unreadable = !artifact ? EVALUATION_FILES.document : !artifact.perImage ? EVALUATION_FILES.perImage : undefined;
    if (unreadable) throw new UserError(`${join(evaluation.dir, unreadable)} cannot be read`, 'wire an evaluate/localization node');
    const detail = artifact!.document;
    const perImage = artifact!.perImage!;
    const split = detail.split ?? 'test';
    const known = parts[split];
    if (!known) throw new UserError(`the dataset of node ${dataset.node} records no parts for split ${split}`, 'evaluate a split the dataset generated');
    const rows = perImage.map((r) => {
      const p = known[r.id];
      if (!p) throw new UserError(`image ${r.id} of the evaluation is not in the dataset's parts.json`, 'wire the evaluation and the dataset it evaluated');
      if (!r.gtKnown)
        throw new UserError(`the evaluation of node ${evaluation.node} has no GT-known boxes`, 'evaluate maps (not a boxes input) with GT-known Loc');
      return { hit: r.gtKnown.hit, box: r.gtKnown.box, parts: p.parts, distractors: p.distractors };
    });
    const shares = missShares(rows, ctx.params.cover);
    const round = (v: number): number => Math.round(v * 100) / 100;
    return {
      metrics: {
        images: shares.images,
        misses: shares.misses,
        missOnePart: round(shares.onePart),
        missDistractor: round(shares.distractor),
        missOther: round(shares.other),
      },
    };
  },
});
