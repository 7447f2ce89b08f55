/**
 * What the dataset node types share: param schemas and progress reporting. Kept free of heavy
 * imports: the CLI loads every node module to validate a pipeline.
 */
import type { JsonSchema, NodeContext } from '../contract.js';
import type { DatasetInfo } from '../../datasets/types.js';

export const seedParam: JsonSchema = { type: 'integer', default: 0, description: 'Seed: the dataset is a pure function of the params and this seed.' };

export function imageSizeParam(fallback: number): JsonSchema {
  return { type: 'integer', minimum: 8, maximum: 1024, default: fallback, description: 'Side of the stored (square) images and masks, in pixels.' };
}

export function countParam(fallback: number, what: string): JsonSchema {
  return { type: 'integer', minimum: 0, maximum: 1000000, default: fallback, description: `Images in the ${what} split.` };
}

export function rangeParam(fallback: [number, number], min: number, max: number, description: string): JsonSchema {
  return { type: 'array', items: { type: 'number', minimum: min, maximum: max }, minItems: 2, maxItems: 2, default: fallback, description: `${description} [min, max].` };
}

export function valCarveParams(perClass: number | null, fraction: number | null): Record<string, JsonSchema> {
  return {
    valPerClass: { type: 'integer', minimum: 0, ...(perClass !== null ? { default: perClass } : {}), description: 'Images per class moved from the official train split to val (localization labels, for choosing thresholds and layers). Each class keeps at least one training image.' },
    valFraction: { type: 'number', minimum: 0, maximum: 1, ...(fraction !== null ? { default: fraction } : {}), description: 'Fraction of each class moved to val instead (overrides valPerClass).' },
  };
}

export function valCarve(p: { valPerClass?: number; valFraction?: number }): { perClass?: number; fraction?: number } {
  return p.valFraction !== undefined ? { fraction: p.valFraction } : { perClass: p.valPerClass ?? 0 };
}

/** Progress callback for loaders: a bar fraction plus `done/total images`. */
export function imageProgress(ctx: NodeContext<unknown>): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done === total || now - last > 200) {
      last = now;
      ctx.progress({ fraction: total ? done / total : 1, message: `${done}/${total} images` });
    }
  };
}

/** Headline metrics of a dataset artifact. */
export function datasetMetrics(info: DatasetInfo): Record<string, number | string | boolean> {
  return { train: info.counts.train, val: info.counts.val, test: info.counts.test, classes: info.classNames.length, imageSize: info.imageSize.width, masks: info.hasMasks };
}
