/**
 * What nodes say when a dataset lacks a split they were asked to use:
 * evaluation-only datasets (a test split alone, or val and test) are
 * legitimate, so the message names the params that fit them. The split a
 * threshold is chosen on is never proposed to be test as if that were an
 * honest choice: only a reproduction of a published protocol that did so.
 */
import { SPLIT_NAMES, type DatasetView, type SplitName } from '../datasets/types.js';

/** The splits of the dataset that hold images, e.g. `test` or `val, test`. */
export function presentSplits(dataset: DatasetView): SplitName[] {
  return SPLIT_NAMES.filter((s) => dataset.split(s).count > 0);
}

/** `(it has test)`, or `(it has no images)`. */
export function splitsItHas(dataset: DatasetView): string {
  const present = presentSplits(dataset);
  return present.length ? `(it has ${present.join(', ')})` : '(it has no images)';
}

/**
 * How to go on when `split` is missing but a threshold should be chosen on
 * it. `fixed` is the override that gives a fixed threshold instead (e.g.
 * `--set eval.tau=0.5`); `chooseParam` the param naming the choice split,
 * when the node has one.
 */
export function choiceSplitAdvice(split: string, fixed: string, chooseParam?: string): string {
  const honest = `add a ${split} split with localization labels to the dataset (dataset/wsol-metadata: a folder under metadata named by splitDirs.${split}), or give a fixed threshold (${fixed})`;
  if (!chooseParam) return honest;
  return `${honest}; set ${chooseParam} to "test" only to reproduce published numbers whose protocol chose the threshold on test`;
}
