import type { RunEvent } from '../../engine/events.js';
import type { Reporter } from './reporter.js';

/** `--json`: one JSON object per event per line on stdout. Stacks only with --verbose. */
export class JsonReporter implements Reporter {
  constructor(private readonly verbose: boolean) {}

  onEvent(e: RunEvent): void {
    const out = e.event === 'node-failed' && !this.verbose ? { ...e, error: { message: e.error.message, ...(e.error.hint ? { hint: e.error.hint } : {}) } } : e;
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }

  stop(): void {}
}
