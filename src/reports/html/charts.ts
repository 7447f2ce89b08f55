/**
 * The report's charts: Vega-Lite specifications compiled and rendered to
 * SVG at build time (vega's headless View, no canvas, no network), so the
 * report opens offline and shows the same bytes everywhere. Vega numbers
 * clip paths and gradients with process-wide counters; each SVG's ids are
 * renumbered from 1 in order of appearance, so a chart's bytes do not depend
 * on what the worker rendered before.
 */
import type { TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification of one report chart, rendered to SVG at build time by renderChart. */
export type ChartSpec = TopLevelSpec;

/** Rewrites every id="x" and its references (#x) to chart-local names in order of first appearance. */
export function stableSvgIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!names.has(m[1]!)) names.set(m[1]!, `${prefix}-${names.size + 1}`);
  if (names.size === 0) return svg;
  return svg.replace(/(\sid="|#)([A-Za-z_][\w.-]*)/g, (whole, lead: string, name: string) => (names.has(name) ? `${lead}${names.get(name)}` : whole));
}

/** Renders a Vega-Lite spec to an SVG string. `id` makes the chart's internal ids unique within a page. */
export async function renderChart(spec: ChartSpec, id: string): Promise<string> {
  const [{ compile }, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return stableSvgIds(await view.toSVG(), id);
  } finally {
    view.finalize();
  }
}

const FONT = { config: { font: 'sans-serif', view: { stroke: null }, axis: { labelFontSize: 10, titleFontSize: 11 }, legend: { labelFontSize: 10 } } };

/** BoxAcc vs τ, one line per δ, with the chosen τ as a rule. */
export function boxAccChart(o: {
  title: string;
  thresholds: readonly number[];
  curves: Record<string, readonly number[]>;
  chosenTau: number | null;
}): ChartSpec {
  const values = Object.entries(o.curves).flatMap(([delta, ys]) => ys.map((y, i) => ({ tau: o.thresholds[i]!, boxAcc: y, delta: `δ = ${delta}` })));
  return {
    ...FONT,
    title: o.title,
    width: 320,
    height: 200,
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'tau', type: 'quantitative', title: 'τ', scale: { domain: [0, 1] } },
          y: { field: 'boxAcc', type: 'quantitative', title: 'BoxAcc (%)', scale: { domain: [0, 100] } },
          color: { field: 'delta', type: 'nominal', title: null },
        },
      },
      ...(o.chosenTau === null
        ? []
        : [
            {
              data: { values: [{ tau: o.chosenTau }] },
              mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#555' },
              encoding: { x: { field: 'tau', type: 'quantitative' as const } },
            },
          ]),
    ],
  } as ChartSpec;
}

/** Pixel precision against recall (PxAP is the area under it). */
export function precisionRecallChart(o: { title: string; precision: readonly (number | null)[]; recall: readonly number[] }): ChartSpec {
  const values = o.recall.flatMap((r, i) =>
    o.precision[i] === null || o.precision[i] === undefined ? [] : [{ recall: r, precision: o.precision[i]!, order: i }],
  );
  return {
    ...FONT,
    title: o.title,
    width: 240,
    height: 200,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5, interpolate: 'step-after' },
    encoding: {
      x: { field: 'recall', type: 'quantitative', title: 'recall', scale: { domain: [0, 1] } },
      y: { field: 'precision', type: 'quantitative', title: 'precision', scale: { domain: [0, 1] } },
      order: { field: 'order', type: 'quantitative' },
    },
  } as ChartSpec;
}

/** Per-epoch training loss and validation top-1 of one or more trained models. */
export function trainingChart(o: { title: string; rows: readonly { model: string; epoch: number; loss: number; valTop1?: number }[] }): ChartSpec {
  const loss = o.rows.map((r) => ({ model: r.model, epoch: r.epoch, value: r.loss, what: 'training loss' }));
  const acc = o.rows.flatMap((r) =>
    r.valTop1 === undefined || !Number.isFinite(r.valTop1) ? [] : [{ model: r.model, epoch: r.epoch, value: r.valTop1, what: 'val top-1 (%)' }],
  );
  return {
    ...FONT,
    title: o.title,
    data: { values: [...loss, ...acc] },
    facet: { column: { field: 'what', type: 'nominal', title: null } },
    spec: {
      width: 220,
      height: 160,
      mark: { type: 'line', point: true, strokeWidth: 1.5 },
      encoding: {
        // Whole epochs: without a format a one-epoch domain [1, 1] labels its tick '1.000000'.
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'model', type: 'nominal', title: null },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as ChartSpec;
}

/** A bar per layer (e.g. DGL's GT-known Loc at each layer), the chosen one highlighted. */
export function layerBarsChart(o: { title: string; metric: string; rows: readonly { layer: string; value: number | null; chosen: boolean }[] }): ChartSpec {
  return {
    ...FONT,
    title: o.title,
    width: { step: 18 },
    height: 180,
    data: { values: o.rows.map((r, i) => ({ ...r, value: r.value ?? 0, order: i, chosen: r.chosen ? 'chosen' : 'other' })) },
    mark: 'bar',
    encoding: {
      x: { field: 'layer', type: 'nominal', sort: { field: 'order' }, title: null, axis: { labelAngle: -60 } },
      y: { field: 'value', type: 'quantitative', title: o.metric },
      color: { field: 'chosen', type: 'nominal', scale: { domain: ['chosen', 'other'], range: ['#d62728', '#7f9fbf'] }, legend: null },
    },
  } as ChartSpec;
}
