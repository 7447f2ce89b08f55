/**
 * Redis connections that fail fast, and the live workers of a Redis as they
 * registered (capabilities.ts).
 *
 * Two kinds of connection: command connections (everything but BullMQ's
 * blocking reads) time out each command after REDIS_COMMAND_TIMEOUT_MS and
 * give up on a command after a few reconnection attempts, so a Redis that
 * goes away turns into errors the callers report instead of calls that wait
 * forever; blocking connections (a QueueEvents' XREAD, a Worker's BZPOPMIN)
 * must wait, as BullMQ requires, and are only ever watched from a command
 * connection.
 */
import type { Redis } from 'ioredis';
import { WsolError } from '../../diagnostics.js';
import { WORKER_STALE_MS, WORKERS_KEY, type WorkerInfo } from './capabilities.js';

/** A command Redis does not answer in this long fails. */
export const REDIS_COMMAND_TIMEOUT_MS = 5_000;
/** Connecting, including Redis's first answer, takes at most this long. */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;

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

const URL_HINT = 'give --redis redis://HOST:PORT (rediss://HOST:PORT for TLS; redis://:PASSWORD@HOST:PORT/DB with a password and a database)';

/** The URL, checked: ioredis takes anything and connects to localhost when it cannot parse it. */
export function checkRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WsolError({ message: `--redis ${url}: not a Redis URL`, hint: URL_HINT });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new WsolError({ message: `--redis ${url}: not a Redis URL (the scheme is ${parsed.protocol.slice(0, -1)}, not redis or rediss)`, hint: URL_HINT });
  if (!parsed.hostname) throw new WsolError({ message: `--redis ${url}: not a Redis URL (no host)`, hint: URL_HINT });
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new WsolError({ message: `--redis ${url}: not a Redis URL (the database '${db}' is not a number)`, hint: URL_HINT });
  return parsed;
}

/** What a failed connection attempt means, in words a user can act on. */
function explainConnectError(url: URL, e: Error | undefined): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = `${url.hostname}:${url.port || 6379}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host ${url.hostname} does not resolve (${e!.message})`;
  if (code === 'ECONNREFUSED') return `nothing listens at ${where} (${e!.message})`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${where} cannot be reached from here (${e!.message})`;
  return e?.message ?? 'the connection closed';
}

/**
 * A command connection to `url` (see the module comment), connected and
 * answering: a host that does not resolve, a refused port and a listener
 * that never answers are each a WsolError naming the problem, within
 * REDIS_CONNECT_TIMEOUT_MS.
 */
export async function connect(url: string): Promise<Redis> {
  const parsed = checkRedisUrl(url);
  const { Redis: IORedis } = await import('ioredis');
  const redis = new IORedis(url, {
    lazyConnect: true,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 2,
  });
  let lastError: Error | undefined;
  // Reported by the calls that fail; ioredis reconnects by itself.
  redis.on('error', (e: Error) => {
    lastError = e;
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const accepted = redis.status === 'connect' || redis.status === 'ready';
      reject(
        new Error(
          accepted
            ? `it accepted the connection but did not answer within ${REDIS_CONNECT_TIMEOUT_MS / 1000} s: is something other than Redis listening there${parsed.protocol === 'redis:' ? ', or does it expect TLS (rediss://)' : ''}?`
            : `it did not answer within ${REDIS_CONNECT_TIMEOUT_MS / 1000} s${lastError ? ` (${explainConnectError(parsed, lastError)})` : ''}`,
        ),
      );
    }, REDIS_CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([redis.connect().then(() => redis.ping()), deadline]);
  } catch (e) {
    redis.disconnect();
    const reason =
      e instanceof Error && e.message.startsWith('it ') ? e.message : explainConnectError(parsed, lastError ?? (e instanceof Error ? e : undefined));
    throw new WsolError({ message: `cannot reach Redis at ${url}: ${reason}`, hint: 'start redis-server there, or check --redis (and $WSOL_RUN_REDIS)' });
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

/** A failed Redis command in words: ioredis's own messages name its options, not the problem. */
export function describeRedisError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (/max retries per request/i.test(message) || /Connection is closed/i.test(message)) return 'the connection is down';
  if (/Command timed out/i.test(message)) return `no answer within ${REDIS_COMMAND_TIMEOUT_MS / 1000} s`;
  return message;
}

/** Another command connection like `redis`, for BullMQ's non-blocking clients (a Queue). */
export function commandConnection(redis: Redis): Redis {
  const c = redis.duplicate();
  c.on('error', () => undefined);
  return c;
}

/** A connection for BullMQ's blocking reads: no command timeout, no retry limit (BullMQ refuses either). */
export function blockingConnection(redis: Redis): Redis {
  const c = redis.duplicate({ commandTimeout: undefined, maxRetriesPerRequest: null });
  c.on('error', () => undefined);
  return c;
}

/** `promise`, or undefined once `ms` pass: for clean-ups that must not hold up an exit when Redis is gone. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
