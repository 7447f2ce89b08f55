/** The live workers of a Redis, as they registered (capabilities.ts). */
import type { Redis } from 'ioredis';
import { WORKER_STALE_MS, WORKERS_KEY, type WorkerInfo } from './capabilities.js';

export async function liveWorkers(redis: Redis, now = Date.now()): Promise<WorkerInfo[]> {
  const all = await redis.hgetall(WORKERS_KEY);
  const out: WorkerInfo[] = [];
  for (const [id, text] of Object.entries(all)) {
    try {
      const w = JSON.parse(text) as WorkerInfo;
      if (now - w.seen <= WORKER_STALE_MS) out.push(w);
      else await redis.hdel(WORKERS_KEY, id);
    } catch {
      await redis.hdel(WORKERS_KEY, id);
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** An ioredis connection as BullMQ needs it (no per-command retry limit), failing fast with a readable error. */
export async function connect(url: string): Promise<Redis> {
  const { Redis: IORedis } = await import('ioredis');
  const redis = new IORedis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 5_000 });
  redis.on('error', () => undefined); // reported by the calls that fail; ioredis reconnects by itself
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return redis;
}
