/**
 * Which cached results came from which bundle: one JSON line per import in
 * `<cache>/runs/imports.jsonl` (appended, never rewritten, so concurrent
 * imports cannot lose each other's lines). `verify --recompute` names the
 * bundle a recomputed result came from.
 */
import { readFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What an import did with one result: the key now maps to it, the cache had it already, or the cache's own result for the key stayed. */
export type ImportedStatus = 'added' | 'present' | 'kept-local';

/** One result of an import record: the node, its action key and bundle digest, and what became of it. */
export interface ImportedResult {
  node: string;
  key: string;
  /** The bundle's digest for the key. */
  digest: string;
  /** added: the key now maps to the bundle's result; present: the cache already had it; kept-local: the cache's other result stays in force. */
  status: ImportedStatus;
  /** With kept-local: the digest in force. */
  local?: string;
}

/** One line of `<cache>/runs/imports.jsonl`: which bundle (path and sha256), when, for which pipeline, and every result it brought. */
export interface ImportRecord {
  bundle: string;
  bundleSha256: string;
  importedAt: string;
  pipeline: string;
  results: ImportedResult[];
}

function provenancePath(cacheDir: string): string {
  return join(cacheDir, 'runs', 'imports.jsonl');
}

export async function recordImport(cacheDir: string, record: ImportRecord): Promise<void> {
  await mkdir(join(cacheDir, 'runs'), { recursive: true });
  await appendFile(provenancePath(cacheDir), `${JSON.stringify(record)}\n`);
}

/** Every import record of a cache, oldest first (a damaged line is skipped). */
export function readImports(cacheDir: string): ImportRecord[] {
  let text: string;
  try {
    text = readFileSync(provenancePath(cacheDir), 'utf8');
  } catch {
    return [];
  }
  const out: ImportRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as ImportRecord;
      if (r && typeof r.bundle === 'string' && Array.isArray(r.results)) out.push(r);
    } catch {
      // a line cut by a crash: the others still say where their results came from
    }
  }
  return out;
}

/** The latest import that put a result matching `which` into the cache (status added), if any. */
export function importThatAdded(imports: readonly ImportRecord[], which: (r: ImportedResult) => boolean): ImportRecord | undefined {
  for (let i = imports.length - 1; i >= 0; i--) if (imports[i]!.results.some((r) => r.status === 'added' && which(r))) return imports[i];
  return undefined;
}
