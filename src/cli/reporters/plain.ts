import type { RunEvent } from '../../engine/events.js';
import { describeEvent } from './lines.js';
import type { Reporter } from './reporter.js';

/** Not a TTY: plain lines, one per event, no cursor movement. */
export class PlainReporter implements Reporter {
  constructor(private readonly verbose: boolean) {}

  onEvent(e: RunEvent): void {
    const line = describeEvent(e, this.verbose);
    if (line !== undefined) process.stdout.write(`${line}\n`);
  }

  stop(): void {}
}
