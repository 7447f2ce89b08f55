import type { RunEvent } from '../../engine/events.js';
import type { ProgressUpdate } from '../../nodes/contract.js';
import { formatDuration } from '../format.js';
import { fitText } from '../width.js';
import { describeEvent, progressText } from './lines.js';
import type { Reporter } from './reporter.js';

/** Seconds between progress lines when stdout is not a terminal (a Slurm log shows life, not a flood). */
export const DEFAULT_PROGRESS_EVERY_S = 30;

interface Running {
  started: number;
  progress?: ProgressUpdate;
}

/**
 * Not a TTY: plain lines, one per event, no cursor movement; every
 * `progressEveryS` seconds one line per running node that reported progress.
 */
export class PlainReporter implements Reporter {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  /**
   * Lines not yet written: written together once per turn of the event loop
   * (a 2,002-node run printed a line per node with a write each, ~7 % of its
   * scheduling thread's time), at stop(), and at exit.
   */
  private pending: string[] = [];
  private readonly flushAtExit = (): void => this.flush();

  constructor(
    private readonly verbose: boolean,
    progressEveryS = DEFAULT_PROGRESS_EVERY_S,
  ) {
    if (progressEveryS > 0) {
      this.timer = setInterval(() => this.progressLines(), progressEveryS * 1000);
      // The timer must not keep a finished run's process alive.
      this.timer.unref();
    }
    process.on('exit', this.flushAtExit);
  }

  private write(line: string): void {
    if (this.pending.push(line) === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    if (!this.pending.length) return;
    const text = this.pending.join('');
    this.pending = [];
    process.stdout.write(text);
  }

  onEvent(e: RunEvent): void {
    const line = describeEvent(e, this.verbose);
    if (line !== undefined) this.write(`${fitText(line)}\n`);
    if (e.event === 'node-start') this.running.set(e.node, { started: Date.now() });
    else if (e.event === 'node-progress') {
      const r = this.running.get(e.node);
      if (r) r.progress = e.progress;
    } else if (e.event === 'node-done' || e.event === 'node-failed' || e.event === 'node-cancelled') this.running.delete(e.node);
  }

  private progressLines(): void {
    const now = Date.now();
    for (const [node, r] of this.running) {
      if (!r.progress) continue;
      const text = progressText(r.progress, now - r.started);
      this.write(`${fitText(`… ${node}  ${formatDuration(now - r.started)}${text ? `  ${text}` : ''}`)}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
    process.off('exit', this.flushAtExit);
  }
}
