import { resolve } from 'node:path';
import { WsolError } from '../../engine/diagnostics.js';
import { listRuns, type RunRecord } from '../../engine/run-store.js';
import { formatDuration, table } from '../format.js';
import { cacheDirOf } from '../options.js';
import { fitText } from '../width.js';
import { printJson } from './common.js';

/** Options of `wsol-run status`, as commander parses them: which runs to list, or which run to show node by node. */
export interface StatusOptions {
  cache?: string;
  json?: boolean;
  run?: string;
  limit?: number;
  redis?: string;
}

function countsText(r: RunRecord): string {
  const c = r.counts;
  if (!c) return `${Object.keys(r.nodes).length} nodes recorded`;
  return `${c.ran} ran, ${c.cached} cached, ${c.failed} failed, ${c.skipped} skipped${c.cancelled ? `, ${c.cancelled} cancelled` : ''}`;
}

/** Recent runs, or one run node by node (the latest of a pipeline, or --run ID). */
export async function statusCommand(pipelinePath: string | undefined, o: StatusOptions): Promise<number> {
  if (o.redis) return distributedStatus(o.redis, o.json ?? false);
  const runs = await listRuns(cacheDirOf(o.cache));
  let selected: RunRecord | undefined;
  if (o.run) {
    selected = runs.find((r) => r.id === o.run || r.id.startsWith(o.run!));
    if (!selected) throw new WsolError({ message: `no run '${o.run}' in cache ${cacheDirOf(o.cache)}`, hint: 'wsol-run status lists the recent runs' });
  } else if (pipelinePath) {
    const file = resolve(pipelinePath);
    selected = runs.find((r) => r.pipeline === file);
    if (!selected)
      throw new WsolError({
        file: pipelinePath,
        message: `no runs of this pipeline in cache ${cacheDirOf(o.cache)}`,
        hint: `run it: wsol-run ${pipelinePath}`,
      });
  }
  if (!selected) {
    const recent = runs.slice(0, o.limit ?? 10);
    if (o.json) {
      for (const r of recent)
        printJson({
          id: r.id,
          name: r.name,
          pipeline: r.pipeline,
          status: r.status,
          startedAt: r.startedAt,
          durationMs: r.durationMs ?? null,
          counts: r.counts ?? null,
        });
      return 0;
    }
    if (recent.length === 0) {
      process.stdout.write('no runs recorded yet\n');
      return 0;
    }
    process.stdout.write(
      `${table(
        ['run', 'pipeline', 'started', 'took', 'status', 'nodes'],
        recent.map((r) => [
          r.id,
          r.name,
          r.startedAt.replace('T', ' ').slice(0, 19),
          r.durationMs !== undefined ? formatDuration(r.durationMs) : '-',
          r.status,
          countsText(r),
        ]),
      )}\n`,
    );
    return 0;
  }
  if (o.json) {
    printJson(selected);
    return 0;
  }
  const rows = Object.entries(selected.nodes).map(([id, n]) => [
    id,
    n.status,
    n.durationMs !== undefined ? formatDuration(n.durationMs) : '',
    n.status === 'failed' ? (n.error?.message ?? '') : (n.reason ?? ''),
  ]);
  process.stdout.write(
    `${fitText(`run ${selected.id} of ${selected.name}: ${selected.status}, ${countsText(selected)}${selected.durationMs !== undefined ? ` in ${formatDuration(selected.durationMs)}` : ''}`)}\n` +
      `${fitText(`started ${selected.startedAt} by pid ${selected.pid} on ${selected.host}`)}\n\n` +
      table(['node', 'status', 'took', 'reason / error'], rows) +
      '\n',
  );
  return 0;
}

/** The workers of a Redis and its queues; a queue whose waiting jobs no live worker can take is flagged. */
async function distributedStatus(url: string, json: boolean): Promise<number> {
  const { queueStatus } = await import('../../engine/executors/bullmq/queue-status.js');
  const { describeCapability } = await import('../../engine/executors/bullmq/capabilities.js');
  let status: Awaited<ReturnType<typeof queueStatus>>;
  try {
    status = await queueStatus(url);
  } catch (e) {
    if (e instanceof WsolError) throw e;
    throw new WsolError({ message: e instanceof Error ? e.message : String(e), hint: 'start redis-server, or check --redis' });
  }
  if (json) {
    printJson({ event: 'workers', workers: status.workers });
    for (const q of status.queues) printJson({ event: 'queue', ...q });
    return 0;
  }
  const now = Date.now();
  process.stdout.write(
    `${
      status.workers.length
        ? table(
            ['worker', 'backend', 'GPUs', 'at once', 'cache', 'seen'],
            status.workers.map((w) => [w.id, w.backend, w.gpus, w.concurrency, w.cache, `${Math.round((now - w.seen) / 1000)} s ago`]),
          )
        : 'no live worker'
    }\n\n`,
  );
  process.stdout.write(
    `${
      status.queues.length
        ? table(
            ['queue', 'for', 'waiting', 'running', ''],
            status.queues.map((q) => [q.queue, describeCapability(q.capability), q.waiting, q.active, q.unserved ? 'NO WORKER can take these' : '']),
          )
        : 'no queue'
    }\n`,
  );
  return 0;
}
