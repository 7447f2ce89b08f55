/**
 * Proof that a worker shares the submitter's cache. A worker commits each
 * result into its own mount of the cache and returns only the digest, so a
 * worker on another cache would "run" every node while the submitter's cache
 * receives nothing. The submitter writes a random nonce into a file under
 * its cache and publishes where it is; a worker must read that same nonce
 * under its cache (the mount point may differ between machines, the file
 * beneath it may not). The submitter asks the live workers before it
 * submits anything, and every job carries the proof, so a worker that
 * starts later checks it before it runs the job.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { PREFIX, type WorkerInfo } from './capabilities.js';

export const PROOF_CHANNEL = `${PREFIX}:prove`;
const PROOFS_KEY = `${PREFIX}:proofs`;
const answersKey = (token: string): string => `${PREFIX}:proof:${token}`;
/** Proofs and answers outlive a submitter that died without cleaning up by at most this long. */
const PROOF_TTL_S = 24 * 3600;

/** A submitter's published proof: the file under its cache (relative path) that holds a random nonce, and its cache path and host for messages. */
export interface CacheProof {
  token: string;
  /** The file, relative to the cache root. */
  file: string;
  nonce: string;
  /** The submitter's cache and host, for the message when a worker's differs. */
  cache: string;
  host: string;
}

/** A worker's answer to a cache proof: whether it read the same nonce under its own cache, and if not, why. */
export interface ProofAnswer {
  worker: string;
  host: string;
  cache: string;
  ok: boolean;
  /** Why not, when not ok. */
  reason?: string;
}

/** Writes the nonce file under the submitter's cache and publishes the proof. */
export async function publishProof(redis: Redis, cacheDir: string, token: string): Promise<CacheProof> {
  const proof: CacheProof = { token, file: join('runs', `cache-proof-${token}`), nonce: randomBytes(16).toString('hex'), cache: cacheDir, host: hostname() };
  await writeFile(join(cacheDir, proof.file), proof.nonce);
  await redis.hset(PROOFS_KEY, token, JSON.stringify(proof));
  await redis.publish(PROOF_CHANNEL, token);
  return proof;
}

export async function withdrawProof(redis: Redis, proof: CacheProof): Promise<void> {
  await rm(join(proof.cache, proof.file), { force: true });
  await redis.hdel(PROOFS_KEY, proof.token);
  await redis.del(answersKey(proof.token));
}

/** Whether `cacheDir` holds the proof's nonce: the worker's side. */
export async function checkProof(cacheDir: string, proof: CacheProof): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const text = await readFile(join(cacheDir, proof.file), 'utf8');
    return text === proof.nonce ? { ok: true } : { ok: false, reason: `${proof.file} there holds another nonce` };
  } catch (e) {
    return { ok: false, reason: `${join(cacheDir, proof.file)} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
}

/** A worker answers the proof `token` names (published on PROOF_CHANNEL). */
export async function answerProof(redis: Redis, worker: WorkerInfo, cacheDir: string, token: string): Promise<void> {
  const text = await redis.hget(PROOFS_KEY, token);
  if (!text) return;
  const result = await checkProof(cacheDir, JSON.parse(text) as CacheProof);
  const answer: ProofAnswer = { worker: worker.id, host: worker.host, cache: cacheDir, ...result };
  await redis.hset(answersKey(token), worker.id, JSON.stringify(answer));
  await redis.expire(answersKey(token), PROOF_TTL_S);
}

/** The answers of `workers`, waiting up to `ms` for all of them; those that did not answer are listed apart. */
export async function collectAnswers(
  redis: Redis,
  token: string,
  workers: WorkerInfo[],
  ms: number,
): Promise<{ answers: ProofAnswer[]; silent: WorkerInfo[] }> {
  const until = Date.now() + ms;
  for (;;) {
    const all = await redis.hgetall(answersKey(token));
    const answers = Object.values(all).map((t) => JSON.parse(t) as ProofAnswer);
    const silent = workers.filter((w) => !all[w.id]);
    if (silent.length === 0 || Date.now() >= until) return { answers, silent };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The message for a worker whose cache is not the submitter's. */
export function describeMismatch(proof: CacheProof, answer: Pick<ProofAnswer, 'worker' | 'host' | 'cache' | 'reason'>): string {
  return `worker ${answer.worker} on ${answer.host} uses the cache ${answer.cache}, which is not the submitter's cache (${proof.cache} on ${proof.host}): ${answer.reason ?? 'the proof does not match'}`;
}

export const MISMATCH_HINT =
  "start every worker with --cache on the same shared filesystem as the submitter's --cache (the mount point may differ from machine to machine): a worker commits its results into its own cache";
