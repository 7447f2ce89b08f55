import type { FromSchema } from 'json-schema-to-ts';
import { defineNode, UserError } from '../contract.js';

const params = {
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
export type HtmlReportParams = FromSchema<typeof params>;

/**
 * One self-contained folder (index.html, PNG overlays, SVG charts) that opens
 * offline: comparison table, per-method overlays, curves, training logs, DGL
 * sweeps, every number with the node, key and digest behind it. Evaluations
 * record the digests of the dataset and maps they scored, which is how the
 * report finds the pictures among its `datasets` and `maps` inputs.
 */
export const htmlReportNode = defineNode<HtmlReportParams>({
  type: 'report/html',
  // 2: metrics with their unit and one precision per kind (evaluation/metric-format), whole-epoch axes.
  version: 2,
  description:
    'A self-contained HTML report: sortable comparison table (mean ± std), overlays of maps and boxes (best, median, worst and a common sample per method), BoxAcc(τ) and precision-recall curves, training curves, DGL layer bars; each number linked to its node, key and digest.',
  params,
  inputs: {
    evaluations: { kind: 'metrics', many: true, description: 'evaluate/localization results, e.g. "eval[*]" or a list of nodes.' },
    maps: { kind: 'maps', many: true, optional: true, description: 'The maps the evaluations scored (matched by digest): overlays show them.' },
    datasets: { kind: 'dataset', many: true, optional: true, description: 'The datasets evaluated (matched by digest): the images of the overlays.' },
    models: { kind: 'model', many: true, optional: true, description: 'Trained models whose per-epoch loss and val top-1 to plot.' },
    sweeps: { kind: 'metrics', many: true, optional: true, description: 'sweep/dgl-layers results: a bar per layer.' },
  },
  output: 'report',
  readsInputNames: true,
  async run(ctx) {
    if (!ctx.inputs.evaluations?.length) throw new UserError('report/html has no evaluations to show', 'wire e.g. "evaluations": "eval[*]"');
    const { buildHtmlReport } = await import('./run-html.js');
    return buildHtmlReport(ctx);
  },
});
