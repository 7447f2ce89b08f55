/**
 * Dawn (the webgpu backend) and the drivers under it write warnings to file
 * descriptor 2 themselves ("Warning: Couldn't load Vulkan", "maxDynamic…
 * artificially reduced", Mesa's "XDG_RUNTIME_DIR is invalid"), past anything
 * JavaScript can redirect in the process that loaded them. A run or worker
 * that computes on webgpu therefore runs as a child of a small parent that
 * reads the child's stderr: lines of those known shapes go to a log file
 * under the cache (`--verbose` shows them too), everything else — wsol-run's
 * own errors, a native message of another shape — passes through unchanged.
 * Stdout and stdin stay the terminal's, so progress bars and widths are as
 * without the parent.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';

/** Set in the child, so it computes instead of starting another parent. */
export const CAPTURED_ENV = 'WSOL_RUN_NATIVE_STDERR';

/** Lines native libraries print, by shape; our own output never starts like these (it says `error:` / `warning:`). */
const NATIVE_LINE = [
  /^Warning: /, // Dawn's logging
  /^vkCreateInstance: /, // the Vulkan loader without a driver
  /XDG_RUNTIME_DIR/, // Mesa without a session
  /^MESA: /,
  /^libEGL warning: /,
];
/** Dawn follows a warning with the source line that raised it and a blank line. */
const NATIVE_CONTINUATION = /^\s+at .*(dawn|third_party)/;

/**
 * Sorts stderr lines into native noise and the rest. Stateful across lines
 * (a continuation or the blank line after a native line belongs to it).
 */
export class NativeLineFilter {
  private inNative = false;

  /** Whether `line` (without its newline) is a native library's. */
  isNative(line: string): boolean {
    if (NATIVE_LINE.some((r) => r.test(line))) {
      this.inNative = true;
      return true;
    }
    if (this.inNative && (NATIVE_CONTINUATION.test(line) || line.trim() === '')) return true;
    this.inNative = false;
    return false;
  }
}

export function nativeLogPath(cacheDir: string): string {
  return join(cacheDir, 'runs', 'native-stderr.log');
}

/**
 * Runs this same command line again as a child with CAPTURED_ENV set,
 * filtering its stderr; resolves to the child's exit code (128 + signal
 * number when a signal ended it). The child has its own process group, so a
 * Ctrl-C reaches it once, forwarded by the parent, and keeps its meaning
 * (first: cancel; second: quit).
 */
export function runWithNativeStderrCaptured(o: { cacheDir: string; verbose: boolean }): Promise<number> {
  const log = nativeLogPath(o.cacheDir);
  let logReady = false;
  const toLog = (line: string): void => {
    try {
      if (!logReady) {
        mkdirSync(join(o.cacheDir, 'runs'), { recursive: true });
        appendFileSync(log, `--- ${new Date().toISOString()} ${process.argv.slice(2).join(' ')}\n`);
        logReady = true;
      }
      appendFileSync(log, `${line}\n`);
    } catch {
      // A log that cannot be written loses only the warnings, never the run.
    }
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: ['inherit', 'inherit', 'pipe'],
      env: { ...process.env, [CAPTURED_ENV]: 'captured' },
      detached: true,
    });
    const filter = new NativeLineFilter();
    let pending = '';
    const emit = (line: string): void => {
      if (filter.isNative(line)) {
        toLog(line);
        if (o.verbose) process.stderr.write(`${line}\n`);
      } else process.stderr.write(`${line}\n`);
    };
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const line of lines) emit(line);
    });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('error', (e) => {
      process.stderr.write(`error: cannot start the run's process (${e.message})\n`);
      resolve(70);
    });
    child.once('close', (code, signal) => {
      if (pending) emit(pending);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

/** Whether this process should compute on `backendFact` itself or hand over to a child whose stderr is filtered. */
export function shouldCaptureNativeStderr(backendFact: string | undefined): boolean {
  return backendFact?.startsWith('webgpu@') === true && process.env[CAPTURED_ENV] === undefined;
}
