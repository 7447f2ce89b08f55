import type { RunEvent } from '../../engine/events.js';
import type { ProgressUpdate } from '../../nodes/contract.js';
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
    case 'info':
      return e.message;
    case 'node-log':
      return `  ${e.node}: ${e.message}`;
    case 'node-progress':
    case 'run-done':
      return undefined;
  }
}

/**
 * Time left, from the fraction done and the time since the node started;
 * undefined until a fraction above 0 is known (an ETA guessed at 0 % is noise).
 */
export function etaMs(p: ProgressUpdate, elapsedMs: number): number | undefined {
  if (p.fraction === undefined || !(p.fraction > 0) || elapsedMs <= 0) return undefined;
  const f = Math.min(1, p.fraction);
  return (elapsedMs * (1 - f)) / f;
}

/** "epoch 2/10 · step 30/100 · loss 0.4321 · 412 img/s · 32% · ETA 1m05s": what is known, nothing made up. */
export function progressText(p: ProgressUpdate, elapsedMs?: number): string {
  const parts: string[] = [];
  if (p.epoch !== undefined) parts.push(`epoch ${p.epoch}${p.epochs !== undefined ? `/${p.epochs}` : ''}`);
  if (p.step !== undefined) parts.push(`step ${p.step}${p.steps !== undefined ? `/${p.steps}` : ''}`);
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toPrecision(4)}`);
  if (p.imagesPerSecond !== undefined) parts.push(`${p.imagesPerSecond >= 100 ? Math.round(p.imagesPerSecond) : p.imagesPerSecond.toPrecision(3)} img/s`);
  if (p.message) parts.push(p.message);
  if (elapsedMs !== undefined) {
    if (p.fraction !== undefined) parts.push(`${Math.round(Math.min(1, Math.max(0, p.fraction)) * 100)}%`);
    const eta = etaMs(p, elapsedMs);
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  }
  return parts.join(' · ');
}
