/**
 * sweep/dgl-layers' work, loaded only inside run(): maps of the choice and
 * reported splits at every layer, then each layer evaluated (τ chosen on
 * the choice split), the layer chosen on the choice split by `chooseBy`.
 */
import { UserError, type Metrics, type NodeContext, type NodeResult } from '../contract.js';
import type { MapsSplit } from '../../artifacts/maps.js';
import { writeSweepArtifact, type SweepLayerRow } from '../../artifacts/dgl-sweep.js';
import type { DatasetView, SplitName } from '../../datasets/types.js';
import type { Network } from '../../tensor/models/network.js';
import { evaluateLocalization, type LocalizationOptions, type LocalizationReport } from '../../evaluation/localization.js';
import { inputDataset, inputModels } from '../method-io.js';
import { mapSetOf } from '../evaluate/maps-input.js';
import { headType } from '../../tensor/models/heads/registry.js';
import type { DglSweepParams } from './dgl-layers.js';

/** The figures of one layer on one split, in the DGL paper's Table 1 terms (percent; errors = 100 − accuracy). */
function tableRow(report: LocalizationReport): Record<string, number | null> {
  const h = report.headline;
  const v = (k: string): number | null => (typeof h[k] === 'number' ? h[k]! : null);
  const err = (k: string): number | null => (v(k) === null ? null : 100 - v(k)!);
  const choice = report.detail.tauChoice as { tau?: number } | undefined;
  return {
    top1ClsError: err('top1Cls'),
    top5ClsError: err('top5Cls'),
    top1LocError: err('top1Loc'),
    top5LocError: err('top5Loc'),
    gtKnownLocError: err('gtKnownLoc'),
    gtKnownLoc: v('gtKnownLoc'),
    top1Loc: v('top1Loc'),
    maxBoxAccV2: v('maxBoxAccV2'),
    tau: choice?.tau ?? null,
  };
}

/** The per-layer figures also given as metrics, e.g. `gtKnownLoc@conv3`. */
const PER_LAYER_METRICS = ['gtKnownLoc', 'top1Loc', 'maxBoxAccV2'] as const;

/**
 * The layer with the best `metric` on the choice split (the first of equals), or null when no layer
 * has figures there. The reported split's figures never enter.
 */
export function chooseLayer<R extends { layer: string; choice: Record<string, number | null> | null }>(rows: readonly R[], metric: string): R | null {
  let best: R | null = null;
  for (const r of rows) {
    const v = r.choice?.[metric];
    if (typeof v !== 'number') continue;
    if (!best || v > (best.choice![metric] as number)) best = r;
  }
  return best;
}

/** The layers to sweep (those asked for, or every conv layer), once the model is known to make logits and to have them. */
function sweptLayers(net: Network, modelNode: string, requested: readonly string[]): string[] {
  const head = net.config.head.kind;
  if (!headType(head).provides.includes('logits'))
    throw new UserError(
      `DGL needs the logits of the model of node ${modelNode}, whose ${head} head does not make them`,
      'sweep a classifier (a model with a gap-fc or other logits-making head)',
    );
  const stages = net.backbone.stageShapes(net.config.inputSize);
  const unknown = requested.filter((l) => !stages.some((s) => s.name === l));
  if (unknown.length)
    throw new UserError(
      `layer${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the backbone of node ${modelNode}`,
      `layers: ${stages.map((s) => s.name).join(', ')} (wsol-run layers <pipeline> ${modelNode})`,
    );
  return requested.length ? [...requested] : stages.filter((s) => s.conv).map((s) => s.name);
}

/** How every layer's maps are evaluated: at a fixed τ, or (null) with τ chosen on the choice split. */
function evaluationOptions(data: DatasetView, p: DglSweepParams, signal: AbortSignal): (fixedTau: number | null) => LocalizationOptions {
  return (fixedTau) => ({
    imageSize: data.info.imageSize,
    thresholdStep: p.thresholdStep,
    deltas: p.deltas,
    preprocess: 'resize-normalize',
    nanMaps: 'error',
    singleBox: true,
    stlTolerance: 16,
    fixedTau,
    signal,
  });
}

/**
 * Chooses the layer (on the choice split, when there is one), writes the sweep with the headline layer's
 * evaluation, and returns the node's metrics: the headline layer's, and every layer's test figures, so
 * report/compare can tabulate the sweep across seeds.
 */
async function writeSweep(
  outDir: string,
  p: DglSweepParams,
  o: { rows: SweepLayerRow[]; reports: Map<string, LocalizationReport>; canChoose: boolean; method: string; dataset: string },
): Promise<Metrics> {
  const chosen = o.canChoose ? chooseLayer(o.rows, p.chooseBy) : null;
  const headlineLayer = chosen?.layer ?? o.rows.at(-1)!.layer;
  const headline = o.reports.get(headlineLayer)!;
  const target = p.target;
  await writeSweepArtifact(
    outDir,
    {
      method: o.method,
      target,
      reportedSplit: p.split,
      chooseSplit: o.canChoose ? p.chooseSplit : null,
      chooseBy: o.canChoose ? p.chooseBy : null,
      fixedTau: o.canChoose ? null : p.tau,
      chosen: chosen?.layer ?? null,
      layers: o.rows,
    },
    { headline: headline.headline, ...headline.detail, sources: { dataset: o.dataset, maps: { method: `${o.method}@${headlineLayer}`, target } } },
  );
  const metrics: Metrics = { ...headline.headline, layer: headlineLayer, layerChosen: chosen !== null, layers: o.rows.length };
  for (const r of o.rows) for (const k of PER_LAYER_METRICS) metrics[`${k}@${r.layer}`] = r.reported[k] ?? null;
  return metrics;
}

export async function runDglSweep(ctx: NodeContext<DglSweepParams>): Promise<NodeResult> {
  const p = ctx.params;
  const { tensorsFor } = await import('../../tensor/backends/for-node.js');
  const { sweepSplitMaps } = await import('../../methods/dgl-sweep.js');
  const { paperLayerName } = await import('../../tensor/models/backbones.js');
  const { dglLabel } = await import('../../methods/maps/dgl.js');
  const tf = await tensorsFor(ctx.env);
  const data = await inputDataset(ctx);
  const { model, classifier, release } = await inputModels(tf, ctx, data);
  try {
    const net = model.net;
    const layers = sweptLayers(net, model.node, p.layers);
    const reported = data.split(p.split as SplitName);
    if (reported.count === 0) throw new UserError(`split ${p.split} of the dataset is empty`, `report another split: --set ${ctx.nodeId}.split=val`);
    const chooseView = data.split(p.chooseSplit as SplitName);
    const canChoose = chooseView.count > 0 && p.chooseSplit !== p.split;
    if (p.chooseSplit === p.split) ctx.log(`warning: chooseSplit is the reported split ${p.split}: nothing is chosen, every layer is reported at τ = ${p.tau}`);
    else if (!canChoose) ctx.log(`the dataset has no ${p.chooseSplit} images: every layer is reported at τ = ${p.tau} and no layer is chosen`);

    const mapOptions = { enhanced: p.enhanced, selection: p.selection, alpha: p.alpha, target: p.target, batchSize: p.batchSize, memoryMB: p.memoryMB };
    const total = reported.count + (canChoose ? chooseView.count : 0);
    let offset = 0;
    const mapsOf = async (view: typeof reported): Promise<Map<string, MapsSplit>> => {
      const start = offset;
      const out = await sweepSplitMaps(tf, net, classifier?.net ?? null, view, layers, mapOptions, ctx.signal, (done) =>
        ctx.progress({ fraction: (0.8 * (start + done)) / total, message: `maps at ${layers.length} layers` }),
      );
      offset += view.count;
      return out;
    };
    const chooseMaps = canChoose ? await mapsOf(chooseView) : null;
    const reportedMaps = await mapsOf(reported);

    const options = evaluationOptions(data, p, ctx.signal);
    const target = p.target;
    const classes = data.info.classNames.length;
    const rows: SweepLayerRow[] = [];
    const reports = new Map<string, LocalizationReport>();
    layers.forEach((layer, i) => {
      ctx.progress({ fraction: 0.8 + (0.2 * i) / layers.length, message: `evaluating ${layer}` });
      const stored = reportedMaps.get(layer)!;
      const choice = chooseMaps?.get(layer);
      const scores = { classes: stored.entry.classes, values: stored.scores! };
      const chooseInput = choice ? { split: p.chooseSplit, gt: chooseView, maps: mapSetOf(choice, target) } : null;
      const report = evaluateLocalization(
        { split: p.split, gt: reported, maps: mapSetOf(stored, target), boxes: null, scores, choose: chooseInput, classes },
        options(chooseInput ? null : p.tau),
      );
      // The choice split's own figures at its own τ: what picks the layer. GT-known there is the best
      // point of the choice curve the reported evaluation already swept; other metrics need their own pass.
      const choiceCurve = report.curves.boxAccSingleChoice;
      const onChoice = !choice
        ? null
        : p.chooseBy === 'gtKnownLoc' && choiceCurve
          ? null
          : evaluateLocalization(
              {
                split: p.chooseSplit,
                gt: chooseView,
                maps: mapSetOf(choice, target),
                boxes: null,
                scores: { classes: stored.entry.classes, values: choice.scores! },
                choose: chooseInput,
                classes,
              },
              options(null),
            );
      reports.set(layer, report);
      const choiceRow = onChoice
        ? tableRow(onChoice)
        : choice && choiceCurve
          ? { gtKnownLoc: Math.max(...choiceCurve), tau: (report.detail.tauChoice as { tau: number }).tau }
          : null;
      rows.push({
        layer,
        paperName: paperLayerName(net.config.backbone.kind, layer) ?? null,
        mapSize: `${stored.entry.width}x${stored.entry.height}`,
        choice: choiceRow,
        reported: tableRow(report),
      });
    });
    return { metrics: await writeSweep(ctx.outDir, p, { rows, reports, canChoose, method: dglLabel(p), dataset: data.info.name }) };
  } finally {
    release();
  }
}
