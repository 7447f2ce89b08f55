import type { RunEvent } from '../../engine/events.js';

/** A consumer of the run's event stream that writes to the terminal. */
export interface Reporter {
  onEvent(e: RunEvent): void;
  /** Stops live rendering (before the summary is printed). */
  stop(): void;
}
