/**
 * evaluate/localization's work, loaded only inside run(): reads the
 * artifacts, checks that they match the dataset, calls the evaluation
 * library and writes evaluation.json, curves.json and per-image.json
 * (artifacts/evaluation.ts).
 */
import { UserError, type Metrics, type NodeContext, type NodeResult } from '../contract.js';
import { openDataset } from '../../datasets/store.js';
import type { Box, DatasetView, SplitName } from '../../datasets/types.js';
import { readMapsManifest, readMapsSplit, type MapsManifest } from '../../artifacts/maps.js';
import { readBoxesArtifact, type BoxesSplit } from '../../artifacts/boxes.js';
import { writeEvaluationArtifact, type EvaluationSources } from '../../artifacts/evaluation.js';
import { evaluateLocalization, type LocalizationOptions, type MapSet, type Scores } from '../../evaluation/localization.js';
import type { LocalizationParams } from './localization.js';
import { mapSetOf, resolvePreprocess } from './maps-input.js';
import { choiceSplitAdvice, presentSplits, splitsItHas } from '../absent-splits.js';

async function mapsFor(dir: string, manifest: MapsManifest, dataset: DatasetView, split: SplitName): Promise<{ maps: MapSet; scores: Scores | null } | null> {
  const stored = await readMapsSplit(dir, split);
  if (!stored) return null;
  const { entry } = stored;
  const view = dataset.split(split);
  if (entry.count !== view.count)
    throw new UserError(
      `the maps of split ${split} cover ${entry.count} images, the dataset's split has ${view.count}`,
      'make the maps from this dataset (same split, same order)',
    );
  for (let i = 0; i < view.count; i++) {
    if (entry.ids[i] !== view.ids[i])
      throw new UserError(
        `map ${i} of split ${split} is for image "${entry.ids[i]}", the dataset's image ${i} is "${view.ids[i]}"`,
        'make the maps from this dataset (same split, same order), or re-import them against it',
      );
  }
  return { maps: mapSetOf(stored, manifest.target), scores: stored.scores ? { classes: entry.classes, values: stored.scores } : null };
}

function boxesFor(
  split: BoxesSplit | undefined,
  dataset: DatasetView,
  name: SplitName,
  grid: { width: number; height: number },
): { boxes: Box[][]; scores: Scores | null } | null {
  if (!split) return null;
  const view = dataset.split(name);
  const { width, height } = dataset.info.imageSize;
  if (grid.width !== width || grid.height !== height)
    throw new UserError(
      `the boxes are in a ${grid.width}x${grid.height} grid, the dataset's images are ${width}x${height}`,
      'make the boxes from this dataset (boxes are in the stored image size)',
    );
  if (split.ids.length !== view.count)
    throw new UserError(
      `the boxes of split ${name} cover ${split.ids.length} images, the dataset's split has ${view.count}`,
      'make the boxes from this dataset (same split, same order)',
    );
  split.ids.forEach((id, i) => {
    if (id !== view.ids[i])
      throw new UserError(
        `boxes ${i} of split ${name} are for image "${id}", the dataset's image ${i} is "${view.ids[i]}"`,
        'make the boxes from this dataset (same split, same order)',
      );
  });
  let scores: Scores | null = null;
  if (split.scores && split.scores.length === view.count) {
    const classes = split.scores[0]?.length ?? 0;
    scores = { classes, values: Float32Array.from(split.scores.flat()) };
  }
  return { boxes: split.boxes, scores };
}

export async function runLocalization(ctx: NodeContext<LocalizationParams>, p: LocalizationParams): Promise<NodeResult> {
  const dataset = await openDataset(ctx.inputs.dataset![0]!.dir);
  const gt = dataset.split(p.split);
  if (gt.count === 0) {
    const other = presentSplits(dataset)[0];
    throw new UserError(
      `split ${p.split} of the dataset is empty ${splitsItHas(dataset)}`,
      other ? `evaluate a split it has: --set ${ctx.nodeId}.split=${other}` : 'the dataset has no images at all; check the dataset node',
    );
  }
  const mapsDir = ctx.inputs.maps?.[0]?.dir;
  const boxesDir = ctx.inputs.boxes?.[0]?.dir;
  const manifest = mapsDir ? await readMapsManifest(mapsDir) : null;
  const evaluated = mapsDir && manifest ? await mapsFor(mapsDir, manifest, dataset, p.split) : null;
  if (mapsDir && !evaluated)
    throw new UserError(
      `the maps artifact has no maps of split ${p.split} (it has ${Object.keys(manifest!.splits).join(', ') || 'none'})`,
      `make maps of split ${p.split}, or evaluate a split it has: --set ${ctx.nodeId}.split=<split>`,
    );
  const boxesArtifact = boxesDir ? await readBoxesArtifact(boxesDir) : null;
  const boxes = boxesArtifact ? boxesFor(boxesArtifact.splits[p.split], dataset, p.split, boxesArtifact.imageSize) : null;
  if (boxesArtifact && !boxes)
    throw new UserError(`the boxes artifact has no boxes of split ${p.split}`, `make boxes of split ${p.split}, or evaluate a split it has`);

  const preprocess = resolvePreprocess(p.preprocess, manifest);
  let choose: { split: string; gt: typeof gt; maps: MapSet } | null = null;
  // Why GT-known / Top-k Loc cannot choose τ, when they cannot (the evaluation's note says it once).
  let noChoiceNote: string | undefined;
  const needChoice = evaluated && p.singleBox && p.tau === null;
  if (needChoice) {
    if (p.chooseSplit === p.split) ctx.log(`warning: the threshold is chosen on the evaluated split ${p.split} itself; published protocols choose it on val`);
    const fixed = `--set ${ctx.nodeId}.tau=<τ>`;
    if (dataset.split(p.chooseSplit).count === 0) {
      // An evaluation-only dataset (test alone): MaxBoxAcc and PxAP need no choice, so the evaluation goes on without GT-known.
      noChoiceNote = `the dataset has no ${p.chooseSplit} images to choose τ on ${splitsItHas(dataset)}: GT-known / Top-k Loc are skipped; for them, ${choiceSplitAdvice(p.chooseSplit, fixed, `${ctx.nodeId}.chooseSplit`)}`;
    } else {
      const choice = await mapsFor(mapsDir!, manifest!, dataset, p.chooseSplit);
      if (choice) choose = { split: p.chooseSplit, gt: dataset.split(p.chooseSplit), maps: choice.maps };
      else
        noChoiceNote = `no maps of split ${p.chooseSplit} to choose τ on: GT-known / Top-k Loc are skipped (give maps of ${p.chooseSplit}, or the tau param: ${fixed})`;
    }
  }
  const options: LocalizationOptions = {
    imageSize: dataset.info.imageSize,
    thresholdStep: p.thresholdStep,
    deltas: p.deltas,
    preprocess,
    nanMaps: p.nanMaps,
    singleBox: p.singleBox,
    stlTolerance: p.stlTolerance,
    fixedTau: p.tau,
    signal: ctx.signal,
    progress: (fraction, message) => ctx.progress({ fraction, message }),
  };
  let report: ReturnType<typeof evaluateLocalization>;
  try {
    report = evaluateLocalization(
      {
        split: p.split,
        gt,
        maps: evaluated?.maps ?? null,
        boxes: boxes?.boxes ?? null,
        scores: evaluated?.scores ?? boxes?.scores ?? null,
        choose,
        ...(noChoiceNote ? { noChoiceNote } : {}),
        classes: dataset.info.classNames.length,
      },
      options,
    );
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(e.message, "check the maps and the dataset's ground truth of this split");
    throw e;
  }
  for (const note of report.notes) ctx.log(note);
  const sources: EvaluationSources = {
    // The digests of what was evaluated: how a report finds the dataset and maps behind each number.
    digests: { dataset: ctx.inputs.dataset![0]!.digest, maps: ctx.inputs.maps?.[0]?.digest ?? null, boxes: ctx.inputs.boxes?.[0]?.digest ?? null },
    split: p.split,
    dataset: dataset.info.name,
    maps: manifest ? { method: manifest.method, target: manifest.target, preprocess } : null,
    boxes: boxesArtifact ? { method: boxesArtifact.method } : null,
  };
  await writeEvaluationArtifact(ctx.outDir, report, sources, worstCases(report.perImage));
  const metrics: Metrics = { ...report.headline };
  return { metrics };
}

/** The ten images with the lowest IoU at the headline τ, for reports. */
function worstCases(perImage: ReturnType<typeof evaluateLocalization>['perImage']): { id: string; iou: number }[] {
  return perImage
    .map((r) => ({ id: r.id, iou: r.gtKnown?.iou ?? r.multi?.iou ?? r.boxes?.iou ?? null }))
    .filter((r): r is { id: string; iou: number } => r.iou !== null)
    .sort((a, b) => a.iou - b.iou)
    .slice(0, 10);
}
