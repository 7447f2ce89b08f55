/**
 * The metrics every artifact may carry: the headline numbers a node returned,
 * stored as metrics.json in its artifact (and copied into the lock file, the
 * run store and the reports).
 */
import { readJsonFile } from '../core/files.js';
import { join } from 'node:path';

/** Headline metrics a node returns are stored in its artifact under this name. */
export const METRICS_FILE = 'metrics.json';

/** A node's headline metrics by name (percentages stored 0–100), as metrics.json, the lock file, the run store and the reports hold them. */
export type Metrics = { [name: string]: number | string | boolean | null };

/** The metrics.json of the artifact in `dir`, or null when it has none (or it cannot be read). */
export function readMetrics(dir: string): Promise<Metrics | null> {
  return readJsonFile<Metrics>(join(dir, METRICS_FILE));
}
