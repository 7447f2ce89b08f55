import { execFileSync } from 'node:child_process';
import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { maxWorkerThreads, THREAD_MEMORY_BYTES, THREADS_PER_CORE } from '../engine/executors/executor.js';

export function parsePositiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
    return n;
  };
}

export function parseNonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got '${value}'`);
    return n;
  };
}

/** A non-negative number of seconds, fractions allowed. */
export function parseSeconds(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number of seconds (0 or more), got '${value}'`);
    return n;
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function defaultJobs(): number {
  return Math.min(availableParallelism(), maxWorkerThreads());
}

/**
 * `--jobs` or `--concurrency` clamped to maxWorkerThreads(), with the one-line
 * warning that says so (undefined when `value` fits).
 */
export function capWorkerThreads(option: string, value: number, cores = availableParallelism(), memory = totalmem()): { value: number; warning?: string } {
  const cap = maxWorkerThreads(cores, memory);
  if (value <= cap) return { value };
  const gib = (memory / 2 ** 30).toFixed(1);
  return {
    value: cap,
    warning:
      `${option} ${value} is more worker threads than this machine can hold: using ${cap} ` +
      `(at most ${THREADS_PER_CORE} per core on ${cores} cores, and one per ${THREAD_MEMORY_BYTES / 2 ** 20} MiB of its ${gib} GiB memory; each thread holds its own tensor backend)`,
  };
}

export function cacheDirOf(option: string | undefined): string {
  return resolve(option ?? process.env.WSOL_RUN_CACHE ?? 'cache');
}

/** GPUs visible to this machine: nvidia-smi's list, or 0 when it is absent. */
export function detectGpus(): number {
  if (process.env.WSOL_RUN_GPUS !== undefined) return Number(process.env.WSOL_RUN_GPUS) || 0;
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').filter((l) => l.startsWith('GPU ')).length;
  } catch {
    return 0;
  }
}
