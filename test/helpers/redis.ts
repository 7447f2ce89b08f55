/** A real redis-server on a free loopback port for the distributed tests (Debian's package; .ci/run installs it). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { startCli } from './cli.js';

export function redisServerPath(): string | undefined {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'redis-server' : undefined;
}

/** Skips the test without redis-server, except under CI, where its absence fails the test. */
export function redisOrSkip(t: Pick<TestContext, 'skip'>): boolean {
  if (redisServerPath()) return true;
  if (process.env.CI) throw new Error('redis-server is not installed: .ci/run installs it with apt-get install redis-server');
  t.skip('redis-server is not installed');
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts redis-server without persistence (a restart loses every queued job, as in the fault test). */
export async function startRedis(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    child,
    stop: () =>
      new Promise((resolve) => {
        // A server already killed has a signalCode and no exitCode; waiting for its 'exit' again would never end.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** A `wsol-run worker` process (one node at a time, a 2-s lease), resolved once it has registered. */
export async function startWorkerProcess(url: string, cache: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ReturnType<typeof startCli>> {
  const w = startCli(['worker', '--redis', url, '--cache', cache, '--concurrency', '1', '--lease-seconds', '2'], cwd, env);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker did not start')), 30_000);
    w.onStdoutLine((line) => {
      if (line.startsWith('worker ')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return w;
}
