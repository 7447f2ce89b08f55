/**
 * `<pipeline>.lock.json`: what produced the current results — resolved
 * params, keys, digests, versions, headline metrics, and nothing about the
 * run itself (no run id, time, host or Node.js version), so it changes only
 * when results change and a re-run leaves a git tree clean. Commit it next
 * to the pipeline: a colleague checks they got the same digests with
 * `wsol-run verify` (or `run --check-lock`); `plan` compares against it to
 * explain why a node must re-run.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { JsonObject, Metrics } from '../nodes/contract.js';
import type { KeyMaterial } from './keys.js';
import { WsolError } from './diagnostics.js';
import { writeFileAtomic, isErrno } from '../core/files.js';
import { parseJsonSource } from './load/json-source.js';
import { prepareValidators, validateAgainst } from './load/schema-validation.js';
import { LOCK_SCHEMA_ID, lockSchema } from './lock-schema.js';

export const LOCK_VERSION = 2;
/** Version 1 also recorded the run (id, time, Node.js); those fields are ignored. */
const READABLE_LOCK_VERSIONS: readonly number[] = [1, LOCK_VERSION];

/** One input of a locked node: the producer node's id and the digest it gave. */
export interface LockedInput {
  node: string;
  digest: string;
}

/** What a lock records for one node: everything its key was computed from, the key, the digest of its result and its headline metrics. */
export interface LockedNode {
  type: string;
  version: number;
  params: JsonObject;
  inputs: Record<string, LockedInput[]>;
  env: Record<string, string>;
  /** Fingerprints of the files the node read, by param (engine/data/). */
  data?: Record<string, string>;
  /** Producer ids, coordinates and keys, for nodes that write them (NodeType.readsInputNames). */
  inputNames?: KeyMaterial['inputNames'];
  key: string;
  digest: string;
  metrics?: Metrics;
}

/** The contents of `<pipeline>.lock.json`: the pipeline file and its sha256, overrides, params, environment facts and every node's record. */
export interface LockFile {
  lockVersion: number;
  pipeline: { name: string; file: string; sha256: string };
  wsolRun: string;
  overrides: string[];
  params: JsonObject;
  env: Record<string, string>;
  nodes: Record<string, LockedNode>;
}

/** `pipelines/x.json` -> `pipelines/x.lock.json`. */
export function lockPathFor(pipelineFile: string): string {
  return join(dirname(pipelineFile), `${basename(pipelineFile).replace(/\.json$/i, '')}.lock.json`);
}

/** The lock file next to a pipeline, or undefined if there is none yet. An unreadable one is an error. */
export async function readLock(pipelineFile: string): Promise<LockFile | undefined> {
  const path = lockPathFor(pipelineFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  const source = parseJsonSource(text, path, 'lock file');
  const lock = source.value as unknown as LockFile;
  if (typeof lock !== 'object' || lock === null || !READABLE_LOCK_VERSIONS.includes(lock.lockVersion) || typeof lock.nodes !== 'object') {
    throw new WsolError({ file: path, message: `not a wsol-run lock file (version ${LOCK_VERSION})`, hint: 'delete it; the next run writes a new one' });
  }
  await prepareValidators([[LOCK_SCHEMA_ID, lockSchema]]);
  const violations = validateAgainst(lockSchema, lock);
  if (violations.length)
    throw new WsolError(
      violations.slice(0, 8).map((v) =>
        source.at(v.pointer, `lock file: ${v.message}`, {
          hint: 'the lock was edited by hand or damaged: restore it from version control, or delete it (the next run writes a new one)',
        }),
      ),
    );
  return lock;
}

/** The lock file's text: stable for the same content (field order as built, two-space indent). */
export function lockText(lock: LockFile): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** Writes the lock unless the file already says exactly this (its mtime then stays too). Returns whether it wrote. */
export async function writeLock(pipelineFile: string, lock: LockFile): Promise<boolean> {
  const path = lockPathFor(pipelineFile);
  const text = lockText(lock);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) return false;
  await writeFileAtomic(path, text);
  return true;
}
