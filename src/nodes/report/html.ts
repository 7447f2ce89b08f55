import { defineNode, UserError } from '../contract.js';
import { htmlReportParams, type HtmlReportParams } from '../../reports/html/params.js';

export type { HtmlReportParams } from '../../reports/html/params.js';

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
  params: htmlReportParams,
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
    const { buildHtmlReport } = await import('../../reports/html/report.js');
    return buildHtmlReport({ params: ctx.params, inputs: ctx.inputs, outDir: ctx.outDir, log: ctx.log });
  },
});
