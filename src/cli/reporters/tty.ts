import cliProgress from 'cli-progress';
import type { ProgressUpdate } from '../../nodes/contract.js';
import type { RunEvent } from '../../engine/events.js';
import { describeEvent } from './lines.js';
import type { Reporter } from './reporter.js';

function progressText(p: ProgressUpdate): string {
  const parts: string[] = [];
  if (p.epoch !== undefined) parts.push(`epoch ${p.epoch}${p.epochs !== undefined ? `/${p.epochs}` : ''}`);
  if (p.step !== undefined) parts.push(`step ${p.step}${p.steps !== undefined ? `/${p.steps}` : ''}`);
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toPrecision(4)}`);
  if (p.message) parts.push(p.message);
  return parts.join(' · ');
}

/** A live bar per running node (cli-progress), finished nodes as lines above the bars. */
export class TtyReporter implements Reporter {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly multibar: cliProgress.MultiBar;

  constructor(private readonly verbose: boolean) {
    this.multibar = new cliProgress.MultiBar(
      {
        format: ' {bar} {percentage}% | ETA {eta_formatted} | {node} {info}',
        barsize: 20,
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        etaBuffer: 20,
        fps: 10,
        forceRedraw: false,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  onEvent(e: RunEvent): void {
    const line = describeEvent(e, this.verbose);
    if (line !== undefined) this.multibar.log(`${line}\n`);
    if (e.event === 'node-start') {
      this.bars.set(e.node, this.multibar.create(1000, 0, { node: e.node, info: '' }));
    } else if (e.event === 'node-progress') {
      const bar = this.bars.get(e.node);
      const value = e.progress.fraction !== undefined ? Math.round(Math.min(1, Math.max(0, e.progress.fraction)) * 1000) : undefined;
      if (bar) bar.update(value ?? bar.getProgress() * 1000, { info: progressText(e.progress) });
    } else if (e.event === 'node-done' || e.event === 'node-failed' || e.event === 'node-cancelled') {
      const bar = this.bars.get(e.node);
      if (bar) {
        this.multibar.remove(bar);
        this.bars.delete(e.node);
      }
    }
  }

  stop(): void {
    this.multibar.stop();
  }
}
