/**
 * The data fingerprints of a whole pipeline, computed once per run or plan
 * in the CLI process before any key: node id -> param -> fingerprint, plus
 * for nodes whose data differs from the lock's, which files changed.
 */
import type { DataFiles } from '../../nodes/contract.js';
import type { LockFile } from '../lockfile.js';
import type { ResolvedPipeline } from '../pipeline.js';
import { WsolError } from '../diagnostics.js';
import { describeListingChange, FileHashes, fingerprint, MISSING, readListing, saveListing, type DataListing } from './fingerprint.js';

/** The data fingerprints of a pipeline's file-reading nodes, computed once in the CLI before any key, with what changed since the lock. */
export interface PipelineData {
  /** Node id -> param -> fingerprint (only nodes that read files). */
  facts: ReadonlyMap<string, Record<string, string>>;
  /** Node id -> param -> what changed since the lock, in words. */
  changes: ReadonlyMap<string, Record<string, string>>;
  /** Files hashed this time (the rest matched their size and mtime). */
  hashed: number;
}

export async function fingerprintPipeline(p: ResolvedPipeline, o: { cacheDir: string; lock: LockFile | undefined; save: boolean }): Promise<PipelineData> {
  const hashes = FileHashes.open(o.cacheDir);
  const facts = new Map<string, Record<string, string>>();
  const changes = new Map<string, Record<string, string>>();
  const done = new Map<string, Promise<{ digest: string; listing: DataListing }>>();
  for (const node of p.nodes.values()) {
    const describe = node.nodeType.dataFiles;
    if (!describe) continue;
    let entries: DataFiles[];
    try {
      entries = await describe(node.params as never);
    } catch (e) {
      throw new WsolError({
        node: node.id,
        message: `cannot list the files it reads: ${e instanceof Error ? e.message : String(e)}`,
        hint: 'check the paths in its params',
      });
    }
    if (entries.length === 0) continue;
    const mine: Record<string, string> = {};
    for (const entry of entries) {
      const id = JSON.stringify([entry.path, entry.files ?? null]);
      if (!done.has(id)) done.set(id, fingerprint(entry, hashes));
      let result: { digest: string; listing: DataListing };
      try {
        result = await done.get(id)!;
      } catch (e) {
        throw new WsolError({ node: node.id, message: e instanceof Error ? e.message : String(e), hint: `check the files under ${entry.param}` });
      }
      mine[entry.param] = result.digest;
      if (o.save) await saveListing(o.cacheDir, result.digest, { ...result.listing, param: entry.param });
      const before = o.lock?.nodes[node.id]?.data?.[entry.param];
      if (before !== undefined && before !== result.digest) {
        const previous = before === MISSING ? { param: entry.param, path: entry.path, files: {} } : await readListing(o.cacheDir, before);
        const what = result.digest === MISSING ? `${entry.path} is missing` : previous ? describeListingChange(previous, result.listing) : 'other files';
        changes.set(node.id, { ...changes.get(node.id), [entry.param]: what });
      }
    }
    facts.set(node.id, mine);
  }
  if (o.save) await hashes.save().catch(() => undefined);
  return { facts, changes, hashed: hashes.hashed };
}
