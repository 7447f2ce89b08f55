import type { RunEvent } from '../../engine/events.js';
import { short } from '../../engine/keys.js';
import { formatDuration } from '../format.js';

/**
 * The one-line description of an event, shared by the plain and TTY views;
 * undefined for events that only update live progress.
 */
export function describeEvent(e: RunEvent, verbose: boolean): string | undefined {
  switch (e.event) {
    case 'run-start':
      return `wsol-run: ${e.name} (${e.nodes} nodes, ${e.jobs} jobs, cache ${e.cache}, run ${e.runId})`;
    case 'node-start':
      return `▶ ${e.node}  [${e.reason}]`;
    case 'node-cached':
      return verbose ? `= ${e.node}  cached ${short(e.digest)}` : undefined;
    case 'node-done':
      return `✓ ${e.node}  ${formatDuration(e.durationMs)}  ${short(e.digest)}${e.sameOutput ? '  (the digest the lock expects)' : ''}`;
    case 'node-failed':
      return `✗ ${e.node}  failed: ${e.error.message}${e.error.hint ? `\n    hint: ${e.error.hint}` : ''}${verbose && e.error.stack ? `\n${e.error.stack}` : ''}`;
    case 'node-skipped':
      return `- ${e.node}  skipped: ${e.reason}`;
    case 'node-cancelled':
      return `✗ ${e.node}  cancelled`;
    case 'cache-invalid':
      return `! ${e.node}  ${e.reason}; recomputing`;
    case 'warning':
      return `! ${e.message}`;
    case 'node-log':
      return `  ${e.node}: ${e.message}`;
    case 'node-progress':
    case 'run-done':
      return undefined;
  }
}
