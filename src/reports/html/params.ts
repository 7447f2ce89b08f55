/**
 * report/html's params: the schema the node declares and the type the page
 * builder (report.ts) reads, in one place. Kept apart from the builder so the
 * CLI, which loads every node's schema, does not load the builder.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const htmlReportParams = {
  type: 'object',
  properties: {
    title: { type: 'string', minLength: 1, default: 'wsol-run report', description: 'Heading of the page.' },
    replicates: { type: 'array', items: { type: 'string' }, default: ['seed'], description: 'Coordinates the comparison table averages over (mean ± std).' },
    cases: {
      type: 'integer',
      minimum: 0,
      maximum: 8,
      default: 2,
      description: 'Overlays per method of each of the best, median and worst images by IoU (from per-image.json).',
    },
    sample: {
      type: 'integer',
      minimum: 0,
      maximum: 16,
      default: 6,
      description: 'Images shown for every method side by side: the same ids across methods (the first by the SHA-256 of their id).',
    },
    side: { type: 'integer', minimum: 32, maximum: 256, default: 160, description: 'Longer side of an overlay, in pixels.' },
    alpha: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Opacity of the map over its image.' },
  },
  additionalProperties: false,
} as const;

/** The params of a report/html node, as its schema gives them: title, replicate axes, the overlay cases and sample, image side and map opacity. */
export type HtmlReportParams = FromSchema<typeof htmlReportParams>;
