/**
 * How a metric prints, everywhere (run summary, `show`, the report's
 * configuration header): its name gives its kind, the kind its unit and its
 * one precision. Percentages (localization and classification accuracies,
 * PxAP, PIoU, F1, stored 0–100 by the evaluators) get one decimal and `%`,
 * so that 16, 7.024 and 22.6667 no longer sit side by side in one table.
 * Library level: no CLI imports.
 */

/** The kind of a metric, told by its name (metricKind): it fixes the unit and the one precision every view prints it with. */
export type MetricKind = 'percent' | 'loss' | 'threshold' | 'count' | 'number';

type MetricValue = number | string | boolean | null;

/** Metric names (before any `@layer` or `@δ` suffix) whose values are percentages. */
const PERCENT = new Set([
  'gtKnownLoc',
  'top1Loc',
  'top5Loc',
  'maxBoxAcc',
  'maxBoxAccV2',
  'pxap',
  'piou',
  'f1Pos',
  'f1Neg',
  'top1Cls',
  'top5Cls',
  'boxGtKnownLoc',
  'boxTop1Loc',
  'boxTop5Loc',
  'anyBoxLoc',
  'valTop1',
  'valGtKnownLoc',
  'stlLocAp',
  'missOnePart',
  'missDistractor',
  'missOther',
]);

/** Names of counts: always whole numbers. */
const COUNT = new Set([
  'images',
  'misses',
  'train',
  'val',
  'test',
  'classes',
  'imageSize',
  'maps',
  'layers',
  'tensors',
  'rows',
  'results',
  'evaluations',
  'methods',
  'overlays',
  'charts',
  'epochs',
  'erasingSteps',
  'runs',
]);

const PRECISION: Record<MetricKind, number | null> = { percent: 1, loss: 4, threshold: 2, count: 0, number: null };
const UNIT: Record<MetricKind, string> = { percent: '%', loss: '', threshold: '', count: '', number: '' };

export function metricKind(name: string): MetricKind {
  // `maxBoxAccV2@50`, `top1Loc@conv5`: the suffix names a δ or a layer, not another kind.
  const base = name.split('@', 1)[0]!;
  if (PERCENT.has(base)) return 'percent';
  if (COUNT.has(base)) return 'count';
  if (/loss$/i.test(base)) return 'loss';
  if (/^(threshold|tau)$/i.test(base)) return 'threshold';
  return 'number';
}

export function metricUnit(name: string): string {
  return UNIT[metricKind(name)];
}

/** A metric's value as every view prints it: the kind's precision and unit; `-` for a missing (null) value. */
export function formatMetricValue(name: string, value: MetricValue): string {
  if (value === null) return '-';
  if (typeof value !== 'number') return String(value);
  const kind = metricKind(name);
  const digits = PRECISION[kind];
  // A metric of unknown kind: an integer as it is, else at most four decimals.
  if (digits === null) return Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/\.?0+$/, '');
  return `${value.toFixed(digits)}${UNIT[kind]}`;
}
