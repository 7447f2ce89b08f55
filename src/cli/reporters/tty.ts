import cliProgress from 'cli-progress';
import type { RunEvent } from '../../engine/events.js';
import { formatDuration } from '../format.js';
import { describeEvent, etaMs, progressText } from './lines.js';
import type { Reporter } from './reporter.js';
import { fitText } from '../width.js';

function etaSuffix(p: Parameters<typeof etaMs>[0], elapsedMs: number): string {
  const eta = etaMs(p, elapsedMs);
  return eta === undefined ? '' : `ETA ${formatDuration(eta)}`;
}

/** A live bar per running node (cli-progress), finished nodes as lines above the bars. */
export class TtyReporter implements Reporter {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly started = new Map<string, number>();
  private readonly multibar: cliProgress.MultiBar;

  constructor(private readonly verbose: boolean) {
    this.multibar = new cliProgress.MultiBar(
      {
        // Our own ETA in {info}: cli-progress's shows 'ETA NFs' until the first update moves the bar.
        format: ' {bar} {percentage}% | {node} {info}',
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
    if (line !== undefined) this.multibar.log(`${fitText(line)}\n`);
    if (e.event === 'node-start') {
      this.bars.set(e.node, this.multibar.create(1000, 0, { node: e.node, info: '' }));
      this.started.set(e.node, Date.now());
    } else if (e.event === 'node-progress') {
      const bar = this.bars.get(e.node);
      const value = e.progress.fraction !== undefined ? Math.round(Math.min(1, Math.max(0, e.progress.fraction)) * 1000) : undefined;
      const since = Date.now() - (this.started.get(e.node) ?? Date.now());
      if (bar) bar.update(value ?? bar.getProgress() * 1000, { info: [progressText(e.progress), etaSuffix(e.progress, since)].filter(Boolean).join(' · ') });
    } else if (e.event === 'node-done' || e.event === 'node-failed' || e.event === 'node-cancelled') {
      const bar = this.bars.get(e.node);
      if (bar) {
        this.multibar.remove(bar);
        this.bars.delete(e.node);
        this.started.delete(e.node);
      }
    }
  }

  stop(): void {
    this.multibar.stop();
  }
}
