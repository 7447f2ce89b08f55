/** What a long computation reports while it runs (a node, the training loop): shown as a bar, an ETA and a line of text. */
export interface ProgressUpdate {
  /** Fraction done in [0, 1], for the progress bar and ETA. */
  fraction?: number;
  epoch?: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  /** Training throughput over the epoch so far (images per second of wall time): a timing, so it goes to events, never into an artifact. */
  imagesPerSecond?: number;
  /** Free text shown next to the bar. */
  message?: string;
}
