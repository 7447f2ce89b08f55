import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS_FILE, type Metrics } from '../../nodes/contract.js';
import type { Artifact } from './cache.js';

/**
 * An artifact's headline metrics (metrics.json), or undefined when it has
 * none or they cannot be read. A sync read: the file is tiny and a no-op run
 * reads hundreds of them.
 */
export function artifactMetrics(artifact: Artifact): Metrics | undefined {
  if (!artifact.manifest.files.some((f) => f.path === METRICS_FILE)) return undefined;
  try {
    return JSON.parse(readFileSync(join(artifact.dir, METRICS_FILE), 'utf8')) as Metrics;
  } catch {
    return undefined;
  }
}
