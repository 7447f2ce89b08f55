/**
 * Box accuracy over a set of images from their best IoU at every threshold:
 * BoxAcc(τ, δ) = 100 * #(best IoU >= δ/100) / N, MaxBoxAcc(δ) = its maximum
 * over τ (the first maximising τ is reported), MaxBoxAccV2 = mean over δ.
 */

/** MaxBoxAcc at one IoU threshold δ: the best box accuracy over τ in percent, and the first τ (and its index) that reaches it. */
export interface MaxBoxAcc {
  delta: number;
  /** Percent. */
  value: number;
  /** The first threshold reaching it. */
  tau: number;
  tauIndex: number;
}

export class BoxAccuracy {
  readonly thresholds: readonly number[];
  readonly deltas: readonly number[];
  /** correct[d][t]: images whose best IoU at threshold t reaches delta d. */
  private readonly correct: Int32Array[];
  private images = 0;

  constructor(thresholds: readonly number[], deltas: readonly number[]) {
    this.thresholds = thresholds;
    this.deltas = deltas;
    this.correct = deltas.map(() => new Int32Array(thresholds.length));
  }

  get count(): number {
    return this.images;
  }

  /** One image: its best IoU at each threshold. */
  add(bestIou: ArrayLike<number>): void {
    if (bestIou.length !== this.thresholds.length) throw new RangeError(`${bestIou.length} IoU values for ${this.thresholds.length} thresholds`);
    this.deltas.forEach((d, k) => {
      const row = this.correct[k]!;
      const need = d / 100;
      for (let t = 0; t < row.length; t++) if (bestIou[t]! >= need) row[t]++;
    });
    this.images++;
  }

  /** BoxAcc(τ, δ) for every τ, percent. */
  curve(delta: number): number[] {
    const k = this.deltas.indexOf(delta);
    if (k < 0) throw new RangeError(`delta ${delta} was not accumulated (have ${this.deltas.join(', ')})`);
    if (this.images === 0) throw new RangeError('no image accumulated');
    return Array.from(this.correct[k]!, (c) => (c * 100) / this.images);
  }

  max(delta: number): MaxBoxAcc {
    const curve = this.curve(delta);
    let tauIndex = 0;
    for (let t = 1; t < curve.length; t++) if (curve[t]! > curve[tauIndex]!) tauIndex = t;
    return { delta, value: curve[tauIndex]!, tau: this.thresholds[tauIndex]!, tauIndex };
  }

  /** Mean of MaxBoxAcc over every delta (MaxBoxAccV2 with deltas 30, 50, 70). */
  meanMax(): number {
    const values = this.deltas.map((d) => this.max(d).value);
    return values.reduce((a, b) => a + b, 0) / values.length;
  }
}
