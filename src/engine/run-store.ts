/**
 * The run store: one lowdb JSON document per run under <cache>/runs/, so
 * several processes sharing a cache never write the same file. A marker in
 * runs/active/ exists while a run is in progress; a marker whose process is
 * gone means that run crashed (its cache writes are then re-verified).
 */
import { hostname } from 'node:os';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { JsonObject, Metrics } from '../nodes/contract.js';
import type { NodeErrorInfo, RunCounts, RunEvent, RunStatus } from './events.js';
import { isErrno, processAlive } from '../core/files.js';

/** A node's state in a run record: pending and running while the run goes on, then how it ended. */
export type NodeStatus = 'pending' | 'running' | 'done' | 'cached' | 'failed' | 'skipped' | 'cancelled';

/** One node of a run record: its status, key and digest, why it ran, its error, timing, metrics and effective params. */
export interface NodeRecord {
  type: string;
  status: NodeStatus;
  key?: string;
  digest?: string;
  /** Why it ran, or why it was skipped. */
  reason?: string;
  error?: NodeErrorInfo;
  startedAt?: string;
  durationMs?: number;
  metrics?: Metrics;
  /** Named durations (s) the node recorded, e.g. `epoch 1` (never part of its artifact). */
  timings?: Record<string, number>;
  /** The node's effective params (after --set), so `exp diff` can compare runs without the pipeline as it was. */
  params?: JsonObject;
}

/** What became of the lock file at the end of a run. */
export type LockDecision =
  | 'written'
  | 'unchanged'
  /** A run with --set, --plugin or another backend than the lock's: the lock stays the committed configuration's. */
  | 'experiment'
  /** Results with the lock's key but other bytes (lockDrift), without --update-lock. */
  | 'drift'
  /** The run failed or was cancelled: half a result is no record of the configuration. */
  | 'not-succeeded'
  /** verify / --check-lock compares with the lock and never writes it. */
  | 'checked'
  | 'write-failed';

/**
 * One run as the run store keeps it under <cache>/runs/: pipeline, process and
 * host, times, status, options, environment facts, lock decision and nodes.
 */
export interface RunRecord {
  id: string;
  pipeline: string;
  name: string;
  pid: number;
  host: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  status: 'running' | 'interrupted' | RunStatus;
  options: { jobs: number; overrides: string[]; force: string[]; keepGoing: boolean };
  env: Record<string, string>;
  /** Plugins given on the command line (--plugin), besides the pipeline's own. */
  plugins?: string[];
  /** Why this run is an experiment (e.g. `--set a=1`, `backend wasm (the lock: cpu)`); absent or empty: the file as committed. */
  experiment?: string[];
  lock?: LockDecision;
  counts?: RunCounts;
  nodes: Record<string, NodeRecord>;
}

export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(3).toString('hex')}`;
}

function runsDir(cacheRoot: string): string {
  return join(cacheRoot, 'runs');
}

/** Records one run from its event stream. */
export class RunRecorder {
  private readonly db: Low<RunRecord>;
  private readonly activeMarker: string;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private lastWriteMs = 0;

  private constructor(db: Low<RunRecord>, activeMarker: string) {
    this.db = db;
    this.activeMarker = activeMarker;
  }

  static async start(cacheRoot: string, record: Omit<RunRecord, 'pid' | 'host' | 'status'>): Promise<RunRecorder> {
    const dir = runsDir(cacheRoot);
    await mkdir(join(dir, 'active'), { recursive: true });
    const full: RunRecord = { ...record, pid: process.pid, host: hostname(), status: 'running' };
    const db = new Low<RunRecord>(new JSONFile(join(dir, `${record.id}.json`)), full);
    const marker = join(dir, 'active', `${record.id}`);
    await writeFile(marker, JSON.stringify({ pid: process.pid, host: hostname() }));
    await db.write();
    return new RunRecorder(db, marker);
  }

  get record(): RunRecord {
    return this.db.data;
  }

  /** Event consumer: keeps the record current and schedules a write. */
  readonly onEvent = (e: RunEvent): void => {
    const nodes = this.db.data.nodes;
    const node = 'node' in e ? nodes[e.node] : undefined;
    switch (e.event) {
      case 'node-start':
        nodes[e.node] = { type: e.type, status: 'running', key: e.key, reason: e.reason, startedAt: new Date().toISOString() };
        break;
      case 'node-cached':
        nodes[e.node] = { type: e.type, status: 'cached', key: e.key, digest: e.digest, reason: 'cache hit' };
        break;
      case 'node-done':
        nodes[e.node] = {
          ...node,
          type: e.type,
          status: 'done',
          key: e.key,
          digest: e.digest,
          durationMs: e.durationMs,
          ...(e.metrics ? { metrics: e.metrics } : {}),
          ...(e.timings ? { timings: e.timings } : {}),
        };
        break;
      case 'node-failed':
        nodes[e.node] = {
          ...node,
          type: e.type,
          status: e.error.message === 'cancelled' ? 'cancelled' : 'failed',
          error: e.error,
          ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
        };
        break;
      case 'node-cancelled':
        nodes[e.node] = { ...node, type: e.type, status: 'cancelled' };
        break;
      case 'node-skipped':
        nodes[e.node] = { type: e.type, status: 'skipped', reason: e.reason };
        break;
      case 'run-done':
        Object.assign(this.db.data, { status: e.status, endedAt: new Date().toISOString(), durationMs: e.durationMs, counts: e.counts });
        break;
      default:
        return;
    }
    this.scheduleWrite();
  };

  private scheduleWrite(): void {
    // Coalesce bursts (hundreds of cached nodes) into one write every 250 ms, or every ten times as
    // long as the last write took: each write is the whole record, so on a pipeline of tens of
    // thousands of nodes a fixed interval would make the run's writing quadratic in its nodes.
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        this.writing = this.writing
          .then(async () => {
            const started = performance.now();
            await this.db.write();
            this.lastWriteMs = performance.now() - started;
          })
          .catch(() => undefined);
      },
      Math.max(250, 10 * this.lastWriteMs),
    );
  }

  /** Writes the final record and removes the active marker. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.db.write();
    await rm(this.activeMarker, { force: true });
  }
}

/**
 * A run recorded as running whose process on this machine is gone (kill -9,
 * a power cut) is shown as interrupted, with its running nodes cancelled.
 * Only shown: the record is rewritten, and the cache checked in full, by the
 * next run (recoverInterruptedRuns). Another machine's run is not ours to judge.
 */
function asSeenNow(rec: RunRecord): RunRecord {
  if (rec.status !== 'running' || rec.host !== hostname() || processAlive(rec.pid)) return rec;
  const nodes: RunRecord['nodes'] = {};
  for (const [id, n] of Object.entries(rec.nodes)) nodes[id] = n.status === 'running' ? { ...n, status: 'cancelled' } : n;
  return { ...rec, status: 'interrupted', nodes };
}

/** Every run in the store, newest first (a dead run on this machine as interrupted). Unreadable files are skipped. */
export async function listRuns(cacheRoot: string): Promise<RunRecord[]> {
  let names: string[];
  try {
    names = await readdir(runsDir(cacheRoot));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
  const runs: RunRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const db = new Low<RunRecord | null>(new JSONFile(join(runsDir(cacheRoot), name)), null);
    try {
      await db.read();
      if (db.data) runs.push(asSeenNow(db.data));
    } catch {
      // a half-written record of a crashed process: ignore it
    }
  }
  return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/**
 * Finds runs that crashed (marker present, process gone), marks them
 * interrupted and returns them: their cache writes deserve a full check.
 */
export async function recoverInterruptedRuns(cacheRoot: string): Promise<RunRecord[]> {
  const activeDir = join(runsDir(cacheRoot), 'active');
  let markers: string[];
  try {
    markers = await readdir(activeDir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
  const crashed: RunRecord[] = [];
  for (const id of markers) {
    const db = new Low<RunRecord | null>(new JSONFile(join(runsDir(cacheRoot), `${id}.json`)), null);
    try {
      await db.read();
    } catch {
      db.data = null;
    }
    const rec = db.data;
    if (rec && rec.host === hostname() && processAlive(rec.pid)) continue;
    if (!rec) {
      await rm(join(activeDir, id), { force: true });
      continue;
    }
    if (rec.host !== hostname()) continue; // another machine's run on a shared cache: not ours to judge
    rec.status = 'interrupted';
    for (const n of Object.values(rec.nodes)) if (n.status === 'running') n.status = 'cancelled';
    await db.write();
    await rm(join(activeDir, id), { force: true });
    crashed.push(rec);
  }
  return crashed;
}
