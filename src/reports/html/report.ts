/**
 * The HTML report page (the report/html node's run, src/nodes/report/html.ts): reads the evaluations (evaluation.json, curves.json,
 * per-image.json, metrics.json), the datasets and maps they name by digest,
 * the models' training logs and the DGL sweeps; draws the overlays (sharp
 * PNGs), renders the charts (Vega-Lite to SVG) and writes index.html.
 * Everything written depends only on the inputs and params: no dates, no
 * timings, files named by position, charts with stable ids.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json.js';
import { readMetrics, type Metrics } from '../../artifacts/metrics.js';
import { readJsonFile } from '../../core/files.js';
import type { HtmlReportParams } from './params.js';
import type { Box } from '../../core/geometry.js';
import type { DatasetView, SplitName } from '../../datasets/types.js';
import type { MapsSplit } from '../../artifacts/maps.js';
import { readEvaluationArtifact, type EvaluationCurves, type EvaluationDocument } from '../../artifacts/evaluation.js';
import { readSweepArtifact } from '../../artifacts/dgl-sweep.js';
import type { PerImageResult } from '../../evaluation/localization.js';
import { headlineColumns, metricLabel } from '../headline.js';
import { compareResults } from '../compare.js';
import { formatMetricValue } from '../../evaluation/metric-format.js';
import { boxAccChart, layerBarsChart, precisionRecallChart, renderChart, trainingChart, type ChartSpec } from './charts.js';
import { escapeHtml, figureGrid, page, sortableTable, type Cell, type Figure } from './page.js';

/** What the report reads of an image's per-image result (a PerImageResult; the case picking is tested on just this). */
interface PerImage {
  id: string;
  gtKnown?: { iou: number; box: Box };
  multi?: { iou: number; box: Box };
  boxes?: { iou: number; box: Box | null };
}

/** An input artifact as the report reads it: the producing node, its artifact kind, matrix coordinates, key, digest and folder (a node's InputArtifact). */
export interface ReportInput {
  node: string;
  kind: string;
  coords: Record<string, JsonValue>;
  key: string;
  digest: string;
  dir: string;
}

/** What the page is built from: the node's params, its inputs by name (evaluations, maps, datasets, models, sweeps), where to write, and a log line sink. */
export interface HtmlReportInput {
  params: HtmlReportParams;
  inputs: Record<string, readonly ReportInput[]>;
  outDir: string;
  log(message: string): void;
}

/** One evaluation input of the report, as read (artifacts/evaluation.ts) and named on the page. */
interface Evaluation {
  input: ReportInput;
  anchor: string;
  method: string;
  metrics: Metrics;
  file: EvaluationDocument;
  curves: EvaluationCurves | null;
  perImage: PerImageResult[];
}

function short(digest: string): string {
  return digest.slice(0, 12);
}

function iouOf(r: PerImage): number | null {
  return r.gtKnown?.iou ?? r.multi?.iou ?? r.boxes?.iou ?? null;
}

function predictedBox(r: PerImage): Box | null {
  return r.gtKnown?.box ?? r.multi?.box ?? r.boxes?.box ?? null;
}

function coordsText(coords: Record<string, JsonValue>): string {
  return Object.entries(coords)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** A comparison row's name: its node, then its other coordinates (e.g. `eval (variant=vst)`). */
function methodLabel(group: Record<string, JsonValue>): string {
  const { node, ...rest } = group;
  const others = coordsText(rest);
  return `${typeof node === 'string' ? node : ''}${others ? ` (${others})` : ''}` || 'all';
}

/** Best, median and worst images by IoU (ties by id), `n` of each, without repeats. */
export function pickCases(perImage: readonly PerImage[], n: number): { label: string; rows: PerImage[] }[] {
  const scored = perImage.filter((r) => iouOf(r) !== null).sort((a, b) => iouOf(b)! - iouOf(a)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (n === 0 || scored.length === 0) return [];
  const mid = Math.max(0, Math.floor(scored.length / 2) - Math.floor(n / 2));
  const used = new Set<string>();
  const take = (rows: PerImage[]): PerImage[] => rows.filter((r) => !used.has(r.id) && used.add(r.id));
  return [
    { label: 'best', rows: take(scored.slice(0, n)) },
    { label: 'median', rows: take(scored.slice(mid, mid + n)) },
    { label: 'worst', rows: take(scored.slice(-n).reverse()) },
  ].filter((c) => c.rows.length > 0);
}

/** The same `n` ids for every method: those all evaluations have, first by the SHA-256 of the id. */
export function commonSample(lists: readonly (readonly string[])[], n: number): string[] {
  if (lists.length === 0 || n === 0) return [];
  const shared: string[] = lists.slice(1).reduce<string[]>((acc, ids) => acc.filter((id) => ids.includes(id)), [...lists[0]!]);
  const hash = (id: string): string => createHash('sha256').update(id).digest('hex');
  return shared.sort((a, b) => (hash(a) < hash(b) ? -1 : hash(a) > hash(b) ? 1 : 0)).slice(0, n);
}

export async function buildHtmlReport(ctx: HtmlReportInput): Promise<{ metrics: Metrics }> {
  const p = ctx.params;
  const { openDataset } = await import('../../datasets/store.js');
  const { readMapsSplit } = await import('../../artifacts/maps.js');
  const { prepareScoremap } = await import('../../evaluation/scoremap.js');
  const { overlay } = await import('../../reports/html/overlay.js');
  const { greyToRgb } = await import('../../image/raster.js');
  const { encodePng } = await import('../../image/decode.js');
  await mkdir(join(ctx.outDir, 'img'), { recursive: true });
  await mkdir(join(ctx.outDir, 'charts'), { recursive: true });

  const evaluations: Evaluation[] = [];
  for (const [i, input] of (ctx.inputs.evaluations ?? []).entries()) {
    const read = await readEvaluationArtifact(input.dir);
    const metrics = await readMetrics(input.dir);
    if (!read || !metrics)
      throw new UserError(
        `the input ${input.node} is not an evaluation (no evaluation.json and metrics.json)`,
        'wire evaluate/localization nodes as "evaluations"; DGL sweeps go to "sweeps"',
      );
    evaluations.push({
      input,
      anchor: `e${i + 1}`,
      method: read.document.sources?.maps?.method ?? read.document.sources?.boxes?.method ?? input.node,
      metrics,
      file: read.document,
      curves: read.curves,
      perImage: read.perImage ?? [],
    });
  }
  const datasets = new Map<string, Promise<DatasetView>>();
  const datasetFor = (e: Evaluation): Promise<DatasetView> | null => {
    const digest = e.file.sources?.digests?.dataset;
    const input = ctx.inputs.datasets?.find((d) => d.digest === digest);
    if (!digest || !input) return null;
    if (!datasets.has(digest)) datasets.set(digest, openDataset(input.dir));
    return datasets.get(digest)!;
  };
  const mapsCache = new Map<string, Promise<MapsSplit | null>>();
  const mapsFor = (e: Evaluation, split: SplitName): Promise<MapsSplit | null> | null => {
    const digest = e.file.sources?.digests?.maps;
    const input = ctx.inputs.maps?.find((m) => m.digest === digest);
    if (!digest || !input) return null;
    const id = `${digest}/${split}`;
    if (!mapsCache.has(id)) mapsCache.set(id, readMapsSplit(input.dir, split));
    return mapsCache.get(id)!;
  };

  let images = 0;
  let charts = 0;
  const chart = async (spec: ChartSpec, name: string, alt: string): Promise<Figure> => {
    const svg = await renderChart(spec, name);
    await writeFile(join(ctx.outDir, 'charts', `${name}.svg`), svg);
    charts++;
    const [, w, h] = /<svg[^>]*width="(\d+(?:\.\d+)?)"[^>]*height="(\d+(?:\.\d+)?)"/.exec(svg) ?? [];
    return { src: `charts/${name}.svg`, alt, caption: '', width: Math.round(Number(w ?? 300)), height: Math.round(Number(h ?? 200)) };
  };
  /** An overlay of one image of an evaluation, or null when its dataset is not wired. */
  const picture = async (e: Evaluation, r: PerImage, name: string, caption: string): Promise<Figure | null> => {
    const data = await datasetFor(e);
    if (!data) return null;
    const splitName = e.file.sources?.split ?? 'test';
    const split = data.split(splitName);
    const index = split.ids.indexOf(r.id);
    if (index < 0) return null;
    const { width, height } = data.info.imageSize;
    const rgb = data.info.channels === 3 ? Uint8Array.from(split.image(index)) : greyToRgb(split.image(index));
    const maps = await mapsFor(e, splitName);
    let map: ArrayLike<number> | null = null;
    if (maps) {
      const size = maps.entry.height * maps.entry.width;
      const raw = Float32Array.from(maps.maps.subarray(index * size, (index + 1) * size));
      map =
        e.file.sources?.maps?.preprocess === 'none' && maps.entry.width === width && maps.entry.height === height
          ? raw
          : prepareScoremap(raw, maps.entry.width, maps.entry.height, width, height);
    }
    const out = overlay({
      image: { width, height, channels: 3, data: rgb },
      map,
      gt: split.boxes(index),
      predicted: predictedBox(r),
      side: p.side,
      alpha: p.alpha,
    });
    await writeFile(join(ctx.outDir, 'img', `${name}.png`), await encodePng(out.width, out.height, 3, out.data));
    images++;
    return { src: `img/${name}.png`, alt: `${e.method}: ${r.id}`, caption, width: out.width, height: out.height };
  };
  const iouText = (r: PerImage): string => {
    const v = iouOf(r);
    return v === null ? 'no box' : `IoU ${v.toFixed(2)}`;
  };

  const sections: string[] = [];
  // The comparison table: one row per method (coordinates without the replicates), mean ± std.
  const baseOf = (id: string): string => id.split('[')[0]!;
  const columns = headlineColumns(evaluations.map((e) => e.metrics));
  const rows = evaluations.map((e) => ({
    coords: { node: baseOf(e.input.node), ...e.input.coords } as Record<string, JsonValue>,
    metrics: Object.fromEntries(Object.entries(e.metrics).filter((x): x is [string, number] => typeof x[1] === 'number')),
  }));
  const groups = compareResults(rows, p.replicates, columns);
  const membersOf = (group: Record<string, JsonValue>): Evaluation[] =>
    evaluations.filter((_, i) => Object.entries(group).every(([k, v]) => JSON.stringify(rows[i]!.coords[k]) === JSON.stringify(v)));
  sections.push(
    // One section string: the side-by-side sample is inserted after it.
    `<h2 id="comparison">Comparison</h2><p class="muted">Mean ± sample std over ${escapeHtml(p.replicates.join(', ') || 'nothing')}; test-split metrics as each evaluation computed them (thresholds chosen on its choice split). Hover a number for the evaluations behind it; click a header to sort.</p>${sortableTable(
      {
        className: 'results',
        headers: ['method', 'runs', ...columns.map(metricLabel)],
        rows: groups.map((g) => {
          const members = membersOf(g.group);
          const provenance = members.map((m) => `${m.input.node} (digest ${short(m.input.digest)})`).join('; ');
          return [
            { text: methodLabel(g.group), href: `#${members[0]?.anchor ?? 'comparison'}` },
            { text: String(g.runs), sort: g.runs },
            ...columns.map((c): Cell => {
              const mean = g.mean[c];
              if (mean === undefined) return { text: '' };
              return {
                text: g.runs > 1 ? `${formatMetricValue(c, mean)} ± ${formatMetricValue(c, g.std[c]!)}` : formatMetricValue(c, mean),
                sort: mean,
                title: `${metricLabel(c)} from ${provenance}`,
              };
            }),
          ];
        }),
      },
    )}`,
  );

  // Every evaluation: its numbers with provenance, its curves and its pictures.
  const sampleIds = commonSample(
    evaluations.filter((e) => datasetFor(e) !== null).map((e) => e.perImage.map((r) => r.id)),
    p.sample,
  );
  const sampleRows: string[] = [];
  for (const e of evaluations) {
    const parts: string[] = [
      `<h2 id="${e.anchor}">${escapeHtml(e.input.node)}</h2>`,
      `<p>${escapeHtml(e.method)}${Object.keys(e.input.coords).length ? ` · ${escapeHtml(coordsText(e.input.coords))}` : ''}<br><span class="muted">node <code>${escapeHtml(e.input.node)}</code> · key <code>${escapeHtml(short(e.input.key))}</code> · digest <code>${escapeHtml(short(e.input.digest))}</code></span></p>`,
      sortableTable({
        className: 'metrics',
        headers: ['metric', 'value'],
        rows: Object.entries(e.metrics)
          .filter((x): x is [string, number] => typeof x[1] === 'number')
          .map(([k, v]) => [
            { text: metricLabel(k) },
            { text: formatMetricValue(k, v), sort: v, title: `${e.input.node}, key ${e.input.key}, digest ${e.input.digest}` },
          ]),
      }),
    ];
    const figures: Figure[] = [];
    const curves = e.curves;
    const boxCurves = curves?.boxAccSingle ?? curves?.boxAccMulti;
    if (curves && boxCurves && Object.keys(boxCurves).length)
      figures.push(
        await chart(
          boxAccChart({
            title: `BoxAcc(τ, δ)${curves.boxAccSingle ? '' : ' (multi-box)'}`,
            thresholds: curves.thresholds,
            curves: boxCurves,
            chosenTau: e.file.tauChoice?.tau ?? null,
          }),
          `${e.anchor}-boxacc`,
          `BoxAcc against τ for ${e.input.node}`,
        ),
      );
    if (curves?.pixel)
      figures.push(
        await chart(
          precisionRecallChart({ title: 'Pixel precision–recall (PxAP)', precision: curves.pixel.precision, recall: curves.pixel.recall }),
          `${e.anchor}-pr`,
          `pixel precision-recall for ${e.input.node}`,
        ),
      );
    if (figures.length)
      parts.push(
        `<div class="charts">${figures.map((f) => `<img src="${f.src}" alt="${escapeHtml(f.alt)}" width="${f.width}" height="${f.height}">`).join('')}</div>`,
      );
    const byId = new Map(e.perImage.map((r) => [r.id, r]));
    if (datasetFor(e) === null) {
      parts.push(
        `<p class="muted">No pictures: wire the dataset it evaluated (digest ${escapeHtml(short(e.file.sources?.digests?.dataset ?? '?'))}) as one of "datasets".</p>`,
      );
    } else {
      for (const c of pickCases(e.perImage, p.cases)) {
        const cells: Figure[] = [];
        for (const [k, r] of c.rows.entries()) {
          const f = await picture(e, r, `${e.anchor}-${c.label}-${k + 1}`, `${r.id} · ${iouText(r)}`);
          if (f) cells.push(f);
        }
        if (cells.length) parts.push(`<h3>${escapeHtml(c.label)}</h3>${figureGrid(cells)}`);
      }
      const sample: Figure[] = [];
      for (const [k, id] of sampleIds.entries()) {
        const r = byId.get(id);
        const f = r ? await picture(e, r, `${e.anchor}-sample-${k + 1}`, `${id} · ${iouText(r)}`) : null;
        if (f) sample.push(f);
      }
      if (sample.length) sampleRows.push(`<h3>${escapeHtml(e.input.node)} · ${escapeHtml(e.method)}</h3>${figureGrid(sample)}`);
    }
    sections.push(parts.join('\n'));
  }
  if (sampleRows.length)
    sections.splice(
      1,
      0,
      `<h2 id="side-by-side">The same images across methods</h2><p class="legend">map in jet (blue low, red high) · <span style="background:#00c800"></span>ground truth · <span style="background:#e61414"></span>predicted box</p>${sampleRows.join('\n')}`,
    );

  // Training curves of the wired models.
  const trainingRows: { model: string; epoch: number; loss: number; valTop1?: number }[] = [];
  for (const m of ctx.inputs.models ?? []) {
    const model = await readJsonFile<{ training?: { epochs?: { epoch: number; loss: number; eval?: Record<string, number> }[] } }>(join(m.dir, 'model.json'));
    for (const r of model?.training?.epochs ?? [])
      trainingRows.push({ model: m.node, epoch: r.epoch, loss: r.loss, ...(r.eval?.valTop1 !== undefined ? { valTop1: r.eval.valTop1 } : {}) });
  }
  if (trainingRows.length) {
    const f = await chart(trainingChart({ title: 'Training', rows: trainingRows }), 'training', 'per-epoch training loss and val top-1');
    sections.push(
      `<h2 id="training">Training</h2><div class="charts"><img src="${f.src}" alt="${escapeHtml(f.alt)}" width="${f.width}" height="${f.height}"></div>`,
    );
  }

  // DGL sweeps: a bar per layer of the metric the layer was chosen by.
  const sweepFigures: Figure[] = [];
  for (const [i, s] of (ctx.inputs.sweeps ?? []).entries()) {
    const sweep = await readSweepArtifact(s.dir);
    if (!sweep) throw new UserError(`the input ${s.node} is not a DGL sweep (no sweep.json)`, 'wire sweep/dgl-layers nodes as "sweeps"');
    const metric = sweep.chooseBy ?? 'gtKnownLoc';
    sweepFigures.push(
      await chart(
        layerBarsChart({
          title: `${s.node}: ${sweep.method ?? 'DGL'}`,
          metric: metricLabel(metric),
          rows: sweep.layers.map((l) => ({ layer: l.layer, value: l.reported[metric] ?? null, chosen: l.chosen })),
        }),
        `sweep-${i + 1}`,
        `${metricLabel(metric)} per layer of ${s.node}`,
      ),
    );
  }
  if (sweepFigures.length)
    sections.push(
      `<h2 id="sweeps">DGL layer sweeps</h2><div class="charts">${sweepFigures.map((f) => `<img src="${f.src}" alt="${escapeHtml(f.alt)}" width="${f.width}" height="${f.height}">`).join('')}</div>`,
    );

  // Provenance: every input with its key and digest.
  const inputs = Object.entries(ctx.inputs).flatMap(([name, list]) => list.map((a) => ({ name, a })));
  sections.push(
    `<h2 id="provenance">Provenance</h2>`,
    sortableTable({
      className: 'provenance',
      headers: ['input', 'node', 'kind', 'key', 'digest'],
      rows: inputs.map(({ name, a }) => [
        { text: name },
        { text: a.node },
        { text: a.kind },
        { text: a.key, title: a.key },
        { text: a.digest, title: a.digest },
      ]),
    }),
  );

  await writeFile(join(ctx.outDir, 'index.html'), page({ title: p.title, body: sections.join('\n') }));
  ctx.log(`${evaluations.length} evaluation(s), ${images} overlay(s), ${charts} chart(s)`);
  return { metrics: { evaluations: evaluations.length, methods: groups.length, overlays: images, charts } };
}
