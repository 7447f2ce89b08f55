/** What `wsol-run status --redis` shows: the live workers and every wsol-run queue, flagging jobs no live worker can take. */
import type { Redis } from 'ioredis';
import { PREFIX, serves, type Capability, type WorkerInfo } from './capabilities.js';
import { connect, liveWorkers } from './registry.js';

/** One wsol-run queue as `wsol-run status --redis` shows it: its capability, waiting and active jobs, and whether any live worker serves it. */
export interface QueueStatus {
  queue: string;
  capability: Capability;
  waiting: number;
  active: number;
  /** Waiting jobs that no live worker serves: they wait until one starts. */
  unserved: boolean;
}

/** The capability behind a queue name (capabilities.ts's queueName, read back). */
function capabilityFromName(name: string): Capability | undefined {
  const m = new RegExp(`^${PREFIX}\\.(.+)\\.(cpu|gpu)$`).exec(name);
  if (!m) return undefined;
  return { backend: m[1] === 'no-backend' ? '' : m[1]!, gpu: m[2] === 'gpu' };
}

export async function queueStatus(url: string): Promise<{ workers: WorkerInfo[]; queues: QueueStatus[] }> {
  const redis: Redis = await connect(url);
  try {
    const workers = await liveWorkers(redis);
    const names = new Set<string>();
    for (const key of await redis.keys(`bull:${PREFIX}.*:meta`)) names.add(key.slice('bull:'.length, -':meta'.length));
    const queues: QueueStatus[] = [];
    for (const queue of [...names].sort()) {
      const capability = capabilityFromName(queue);
      if (!capability) continue;
      const waiting = (await redis.llen(`bull:${queue}:wait`)) + (await redis.llen(`bull:${queue}:paused`)) + (await redis.zcard(`bull:${queue}:prioritized`));
      const active = await redis.llen(`bull:${queue}:active`);
      queues.push({ queue, capability, waiting, active, unserved: waiting > 0 && !workers.some((w) => serves(w, capability)) });
    }
    return { workers, queues };
  } finally {
    redis.disconnect();
  }
}
