import { WsolError } from '../../engine/diagnostics.js';
import { startWorkerHost } from '../../engine/executors/bullmq/worker-host.js';
import { planBackend } from '../../tensor/backends/select.js';
import { cacheDirOf, capWorkerThreads, defaultJobs, detectGpus } from '../options.js';
import { requestedBackend } from './common.js';
import { runWithNativeStderrCaptured, shouldCaptureNativeStderr } from '../native-stderr.js';

/** Options of `wsol-run worker`, as commander parses them: the Redis and shared cache, the GPUs and cores offered, and the lease in seconds. */
export interface WorkerOptions {
  redis?: string;
  cache?: string;
  gpus?: number;
  backend?: string;
  concurrency?: number;
  leaseSeconds?: number;
}

/** `wsol-run worker`: serves BullMQ jobs until SIGINT/SIGTERM (a second one quits at once). */
export async function workerCommand(o: WorkerOptions): Promise<number> {
  const url = o.redis ?? process.env.WSOL_RUN_REDIS;
  if (!url) throw new WsolError({ message: 'no Redis to take jobs from', hint: 'give --redis redis://HOST:PORT (or set WSOL_RUN_REDIS)' });
  let backend: string;
  try {
    backend = planBackend(requestedBackend(o.backend ?? process.env.WSOL_RUN_BACKEND)).fact;
  } catch (e) {
    throw new WsolError({ message: e instanceof Error ? e.message : String(e), hint: 'run `wsol-run doctor` to see which backends work here' });
  }
  if (shouldCaptureNativeStderr(backend)) return runWithNativeStderrCaptured({ cacheDir: cacheDirOf(o.cache), verbose: false });
  const concurrency = capWorkerThreads('--concurrency', o.concurrency ?? defaultJobs());
  if (concurrency.warning) process.stderr.write(`warning: ${concurrency.warning}\n`);
  const host = await startWorkerHost({
    url,
    cacheDir: cacheDirOf(o.cache),
    backend,
    gpus: o.gpus ?? detectGpus(),
    concurrency: concurrency.value,
    leaseMs: (o.leaseSeconds ?? 30) * 1000,
    log: (line) => process.stdout.write(`${line}\n`),
  }).catch((e: unknown) => {
    if (e instanceof WsolError) throw e;
    throw new WsolError({ message: e instanceof Error ? e.message : String(e), hint: 'start redis-server there, or check the URL' });
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stdout.write('stopping: finishing the running nodes (again to quit at once)\n');
      void host.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
