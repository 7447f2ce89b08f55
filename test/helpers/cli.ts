/** Runs the real CLI in a temp directory, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/paths.js';

export const BIN = packagePath('bin/wsol-run.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (when --json was given). */
  events: Record<string, unknown>[];
}

export function tempDir(prefix = 'wsol-run-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writePipeline(dir: string, pipeline: unknown, name = 'pipeline.json'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof pipeline === 'string' ? pipeline : JSON.stringify(pipeline, null, 2));
  return path;
}

function parseEvents(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function startCli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<CliResult>; onStdoutLine(fn: (line: string) => void): void } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, WSOL_RUN_GPUS: process.env.WSOL_RUN_GPUS ?? '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const lineListeners: ((line: string) => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const l of lines) for (const fn of lineListeners) fn(l);
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, events: parseEvents(stdout) }));
  });
  return { child, done, onStdoutLine: (fn) => lineListeners.push(fn) };
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, cwd, env).done;
}

/** Node ids of the events of one kind. */
export function nodesWith(r: CliResult, event: string): string[] {
  return r.events
    .filter((e) => e.event === event)
    .map((e) => String(e.node))
    .sort();
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
