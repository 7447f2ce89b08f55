import type { FromSchema } from 'json-schema-to-ts';
import { defineNode, METRICS_FILE, UserError, type Metrics } from '../contract.js';

const params = {
  type: 'object',
  properties: {
    metrics: { type: 'array', items: { type: 'string' }, default: [], description: 'Metrics to show, in order; empty = every numeric metric all inputs have.' },
    replicates: { type: 'array', items: { type: 'string' }, default: ['seed'], description: 'Coordinates to average over.' },
    digits: { type: 'integer', minimum: 0, maximum: 6, default: 2 },
  },
  additionalProperties: false,
} as const;

/** The params of a report/compare node, as its schema gives them: which metrics, the replicate axes averaged over, and the digits printed. */
export type CompareParams = FromSchema<typeof params>;

/**
 * One comparison table over many results (typically `eval[*]` of a matrix):
 * rows grouped by the instances' coordinates without the replicate axes,
 * mean ± std per metric. Writes table.md and table.json and prints the table.
 */
export const compareNode = defineNode<CompareParams>({
  type: 'report/compare',
  version: 2,
  description:
    'Comparison table (mean ± std over replicate axes such as seed) of the metrics of many nodes, e.g. "eval[*]" (with a node column when they come from several nodes).',
  params,
  inputs: { results: { kind: ['metrics'], many: true, description: 'The results to compare, e.g. "eval[*]".' } },
  output: 'report',
  readsInputNames: true,
  async run(ctx) {
    const { readFile, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { compareResults, comparisonMarkdown } = await import('../../reports/compare.js');
    const results = ctx.inputs.results ?? [];
    if (results.length === 0) throw new UserError('report/compare has no results to compare', 'wire e.g. "results": "eval[*]"');
    // Results of several nodes (a floor, a ceiling and a method's matrix): each row also says which node it is.
    const baseOf = (id: string): string => id.split('[')[0]!;
    const fromSeveral = new Set(results.map((a) => baseOf(a.node))).size > 1;
    const rows = await Promise.all(
      results.map(async (a) => {
        const metrics = JSON.parse(await readFile(join(a.dir, METRICS_FILE), 'utf8').catch(() => '{}')) as Metrics;
        const numeric = Object.fromEntries(Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === 'number'));
        return { coords: fromSeveral ? { node: baseOf(a.node), ...a.coords } : a.coords, metrics: numeric };
      }),
    );
    const names = ctx.params.metrics.length ? ctx.params.metrics : Object.keys(rows[0]!.metrics).filter((m) => rows.every((r) => m in r.metrics));
    const table = compareResults(rows, ctx.params.replicates, names);
    const markdown = comparisonMarkdown(table, names, ctx.params.digits);
    await writeFile(join(ctx.outDir, 'table.md'), markdown);
    await writeFile(join(ctx.outDir, 'table.json'), JSON.stringify({ metrics: names, rows: table, inputs: rows }, null, 1));
    ctx.log(`\n${markdown}`);
    return { metrics: { rows: table.length, results: rows.length } };
  },
});
