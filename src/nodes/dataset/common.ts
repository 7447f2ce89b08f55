/**
 * What the dataset node types share: param schemas and progress reporting. Kept free of heavy
 * imports: the CLI loads every node module to validate a pipeline.
 */
import { UserError, type NodeContext } from '../contract.js';
import type { DatasetInfo } from '../../datasets/types.js';

// The helpers return `as const` literals, not JsonSchema, so that node modules can derive their param types with FromSchema.

export const seedParam = { type: 'integer', default: 0, description: 'Seed: the dataset is a pure function of the params and this seed.' } as const;

export function imageSizeParam(fallback: number) {
  return { type: 'integer', minimum: 8, maximum: 1024, default: fallback, description: 'Side of the stored (square) images and masks, in pixels.' } as const;
}

export function countParam(fallback: number, what: string) {
  return { type: 'integer', minimum: 0, maximum: 1000000, default: fallback, description: `Images in the ${what} split.` } as const;
}

/** FromSchema types the value as number[] (it makes tuples of `items` arrays only): run() gets the pair with {@link minMax}. */
export function rangeParam(fallback: [number, number], min: number, max: number, description: string) {
  return {
    type: 'array',
    items: { type: 'number', minimum: min, maximum: max },
    minItems: 2,
    maxItems: 2,
    default: fallback,
    description: `${description} [min, max].`,
  } as const;
}

/** An integer [min, max] pair (a count per image), as rangeParam; the description is used as written. */
export function countRangeParam(fallback: [number, number], min: number, max: number, description: string) {
  return {
    type: 'array',
    items: { type: 'integer', minimum: min, maximum: max },
    minItems: 2,
    maxItems: 2,
    default: fallback,
    description,
  } as const;
}

/**
 * The declared type leaves `default` out: it is there only when a fallback is given, so the derived params are optional
 * (valCarve handles their absence).
 */
export interface ValCarveProperties {
  valPerClass: { readonly type: 'integer'; readonly minimum: 0; readonly description: string };
  valFraction: { readonly type: 'number'; readonly minimum: 0; readonly maximum: 1; readonly description: string };
}

export function valCarveParams(perClass: number | null, fraction: number | null): ValCarveProperties {
  return {
    valPerClass: {
      type: 'integer',
      minimum: 0,
      ...(perClass !== null ? { default: perClass } : {}),
      description:
        'Images per class moved from the official train split to val (localization labels, for choosing thresholds and layers). Each class keeps at least one training image.',
    },
    valFraction: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      ...(fraction !== null ? { default: fraction } : {}),
      description: 'Fraction of each class moved to val instead (overrides valPerClass).',
    },
  };
}

/** A [min, max] param (a rangeParam, or a schema like it) as the tuple the generators take; min > max is the user's to fix. */
export function minMax(name: string, range: readonly number[]): readonly [number, number] {
  const [min, max] = range;
  // The schema's minItems/maxItems guarantee two items.
  if (range.length !== 2 || min === undefined || max === undefined) throw new Error(`${name} [${range.join(', ')}] is not a [min, max] pair`);
  if (min > max) throw new UserError(`${name} [${range.join(', ')}] has min > max`, 'write it as [min, max]');
  return [min, max];
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

/** A generator's samples, checking for cancellation before each and reporting progress after each (and calling `onSample`). */
export function* trackedSamples<S>(ctx: NodeContext<unknown>, samples: Iterable<S>, total: number, onSample?: (s: S) => void): Generator<S> {
  const progress = imageProgress(ctx);
  let done = 0;
  for (const s of samples) {
    ctx.signal.throwIfAborted();
    onSample?.(s);
    yield s;
    progress(++done, total);
  }
}

/** Headline metrics of a dataset artifact. */
export function datasetMetrics(info: DatasetInfo): Record<string, number | string | boolean> {
  return {
    train: info.counts.train,
    val: info.counts.val,
    test: info.counts.test,
    classes: info.classNames.length,
    imageSize: info.imageSize.width,
    masks: info.hasMasks,
  };
}
