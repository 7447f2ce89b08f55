/**
 * Classification metrics from per-image class scores (logits or
 * probabilities: only their order matters).
 */

/**
 * Rank of the true class among the scores (0 = top). Ties are broken by
 * class index (a lower index ranks first), so a result never depends on sort
 * stability.
 */
export function trueClassRank(scores: ArrayLike<number>, label: number): number {
  const s = scores[label]!;
  let rank = 0;
  for (let c = 0; c < scores.length; c++) {
    const v = scores[c]!;
    if (v > s || (v === s && c < label)) rank++;
  }
  return rank;
}

/** Top-k accuracy in percent. */
export function topKAccuracy(ranks: ArrayLike<number>, k: number): number {
  let hit = 0;
  for (let i = 0; i < ranks.length; i++) if (ranks[i]! < k) hit++;
  return (hit * 100) / ranks.length;
}

/**
 * ROC AUC of scores for binary labels (1 = positive): the probability that a
 * positive outscores a negative, ties counting one half (equal to the
 * trapezoidal area under the ROC curve). Percent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0,
    neg = 0,
    rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && scores[idx[j]!] === scores[idx[i]!]) j++;
    const midRank = (i + j + 1) / 2; // ranks i+1 .. j averaged
    for (let k = i; k < j; k++)
      if (labels[idx[k]!]) {
        rankSum += midRank;
        pos++;
      } else neg++;
    i = j;
  }
  if (pos === 0 || neg === 0) throw new RangeError(`AUC needs both classes (${pos} positive, ${neg} negative images)`);
  return ((rankSum - (pos * (pos + 1)) / 2) / (pos * neg)) * 100;
}

/**
 * Average precision: sum over distinct score thresholds (highest first) of
 * precision * (recall - previous recall), the step-wise definition of
 * scikit-learn's average_precision_score. `hits` marks the detections that
 * count as true positives; `positives` is the recall denominator (by default
 * the number of hits, but STL's localization AP counts every positive image,
 * found or not). Percent.
 */
export function averagePrecision(scores: ArrayLike<number>, hits: ArrayLike<boolean | number>, positives?: number): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let total = positives ?? 0;
  if (positives === undefined) for (let i = 0; i < hits.length; i++) if (hits[i]) total++;
  if (total <= 0) throw new RangeError('average precision needs at least one positive');
  let tp = 0,
    seen = 0,
    prevRecall = 0,
    ap = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && scores[idx[j]!] === scores[idx[i]!]) {
      if (hits[idx[j]!]) tp++;
      j++;
    }
    seen = j;
    const recall = tp / total;
    ap += (tp / seen) * (recall - prevRecall);
    prevRecall = recall;
    i = j;
  }
  return ap * 100;
}

/** The metrics of a two-class task (GlaS), each in percent: accuracy, ROC AUC, and the average precision of each class. */
export interface BinaryMetrics {
  acc: number;
  auc: number;
  apPos: number;
  apNeg: number;
}

/**
 * ACC, AUC and AP for each class of a two-class task. The positive evidence
 * of an image is s1 - s0, monotone in the softmax probability of class 1
 * whether the scores are logits or probabilities.
 */
export function binaryMetrics(scores: Float32Array, labels: Int32Array): BinaryMetrics {
  const n = labels.length;
  if (scores.length !== 2 * n) throw new RangeError(`binary metrics need 2 scores per image, got ${scores.length / n}`);
  const margin = Float64Array.from({ length: n }, (_, i) => scores[2 * i + 1]! - scores[2 * i]!);
  let correct = 0;
  for (let i = 0; i < n; i++) if ((margin[i]! > 0 ? 1 : 0) === labels[i]) correct++;
  const isPos = Array.from(labels, (l) => l === 1);
  return {
    acc: (correct * 100) / n,
    auc: rocAuc(margin, Array.from(isPos, Number)),
    apPos: averagePrecision(margin, isPos),
    apNeg: averagePrecision(
      margin.map((m) => -m),
      isPos.map((p) => !p),
    ),
  };
}
