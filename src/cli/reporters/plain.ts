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

  constructor(
    private readonly verbose: boolean,
    progressEveryS = DEFAULT_PROGRESS_EVERY_S,
  ) {
    if (progressEveryS > 0) {
      this.timer = setInterval(() => this.progressLines(), progressEveryS * 1000);
      // The timer must not keep a finished run's process alive.
      this.timer.unref();
    }
  }

  onEvent(e: RunEvent): void {
    const line = describeEvent(e, this.verbose);
    if (line !== undefined) process.stdout.write(`${fitText(line)}\n`);
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
      process.stdout.write(`${fitText(`… ${node}  ${formatDuration(now - r.started)}${text ? `  ${text}` : ''}`)}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
