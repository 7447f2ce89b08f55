/**
 * Which metrics of an evaluation lead: the few a WSOL paper reports for its
 * kind of ground truth, in the order papers print them. The run summary and
 * the HTML report show these; everything else stays on `show`.
 */
/** A node's headline metrics as metrics.json holds them (the node contract's Metrics, restated: reports sit below nodes). */
type Metrics = Readonly<Record<string, number | string | boolean | null>>;

/** Boxes (CUB, ImageNet): GT-known / Top-1 Loc, MaxBoxAccV2, classification. */
const BOX_METRICS = ['gtKnownLoc', 'top1Loc', 'maxBoxAccV2', 'pxap', 'top1Cls'] as const;
/** Masks (GlaS, OpenImages): PxAP, PIoU, F1 of foreground and background, classification. */
const MASK_METRICS = ['pxap', 'piou', 'f1Pos', 'f1Neg', 'top1Cls'] as const;
/** Evaluations of predicted boxes (a regressor): their own Loc columns. */
const PREDICTED_BOX_METRICS = ['boxGtKnownLoc', 'boxTop1Loc', 'top1Cls'] as const;

export const METRIC_LABELS: Record<string, string> = {
  gtKnownLoc: 'GT-known',
  top1Loc: 'Top-1 Loc',
  top5Loc: 'Top-5 Loc',
  maxBoxAcc: 'MaxBoxAcc',
  maxBoxAccV2: 'MaxBoxAccV2',
  pxap: 'PxAP',
  piou: 'PIoU',
  f1Pos: 'F1+',
  f1Neg: 'F1−',
  top1Cls: 'top-1 cls',
  top5Cls: 'top-5 cls',
  boxGtKnownLoc: 'box GT-known',
  boxTop1Loc: 'box Top-1 Loc',
  boxTop5Loc: 'box Top-5 Loc',
  stlLocAp: 'STL loc AP',
  auc: 'AUC',
  acc: 'ACC',
};

/** The headline metric names of one evaluation's metrics, in display order (only those it has). */
export function headlineMetrics(m: Metrics): string[] {
  const has = (k: string): boolean => typeof m[k] === 'number';
  // Masks lead where they are the ground truth of the task (a two-class set like GlaS, or no boxes at all);
  // a box dataset that also has masks (CUB, cluttered MNIST) leads with boxes, PxAP among them.
  const boxes = has('gtKnownLoc') || has('maxBoxAccV2');
  const list = has('f1Pos') && (has('auc') || !boxes) ? MASK_METRICS : boxes ? BOX_METRICS : PREDICTED_BOX_METRICS;
  return list.filter(has);
}

/** The headline columns of several evaluations together: each one any of them leads with, in display order. */
export function headlineColumns(all: readonly Metrics[]): string[] {
  const order = [...new Set([...BOX_METRICS, ...PREDICTED_BOX_METRICS, ...MASK_METRICS])];
  const used = new Set(all.flatMap((m) => headlineMetrics(m)));
  return order.filter((k) => used.has(k));
}

export function metricLabel(name: string): string {
  return METRIC_LABELS[name] ?? name;
}
