/**
 * `wsol-run results [RESULTS.md]`: renders every generated table of the
 * document from the lock files its specs name (src/reports/results.ts) and
 * writes the document back; `--check` only compares, naming each table that
 * differs, so CI fails when a table and its locks disagree.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/files.js';
import { findBlocks, renderResults, type LockedMetrics, type LockReader } from '../../reports/results.js';

/** Options of `wsol-run results`: with `check`, compare the document's tables with their locks and write nothing. */
export interface ResultsOptions {
  check?: boolean;
}

const EXIT_DIFFERS = 3;

function lockReader(base: string): LockReader {
  const cache = new Map<string, LockedMetrics>();
  return (path) => {
    const full = resolve(base, path);
    let lock = cache.get(full);
    if (!lock) {
      let text: string;
      try {
        text = readFileSync(full, 'utf8');
      } catch {
        throw new UserError(`lock file ${path} not found (from ${base})`, 'run its pipeline to write it, or fix the path in the table spec');
      }
      try {
        lock = JSON.parse(text) as LockedMetrics;
      } catch (e) {
        throw new UserError(
          `${path} is not JSON (${e instanceof Error ? e.message : String(e)})`,
          'restore it from git, or regenerate it by running its pipeline',
        );
      }
      if (typeof lock !== 'object' || lock === null || typeof lock.nodes !== 'object')
        throw new UserError(`${path} is not a wsol-run lock file`, 'regenerate it by running its pipeline');
      cache.set(full, lock);
    }
    return lock;
  };
}

export async function resultsCommand(file: string | undefined, o: ResultsOptions): Promise<number> {
  const path = resolve(file ?? 'RESULTS.md');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`${path} not found`, 'name the document whose tables to render: wsol-run results RESULTS.md');
  }
  const rendered = renderResults(text, lockReader(dirname(path)), file ?? 'RESULTS.md');
  const blocks = findBlocks(text, file);
  if (o.check) {
    if (rendered === text) {
      process.stdout.write(`${blocks.length} tables match their lock files\n`);
      return 0;
    }
    const after = findBlocks(rendered, file);
    const differing = blocks.filter((b, i) => text.slice(b.bodyStart, b.bodyEnd) !== rendered.slice(after[i]!.bodyStart, after[i]!.bodyEnd));
    for (const b of differing) process.stdout.write(`differs: the table at ${file ?? 'RESULTS.md'}:${b.line}\n`);
    process.stdout.write(`${differing.length} of ${blocks.length} tables differ from their lock files: run wsol-run results to re-render them\n`);
    return EXIT_DIFFERS;
  }
  if (rendered !== text) await writeFileAtomic(path, rendered);
  process.stdout.write(`${rendered === text ? 'unchanged' : 'rendered'}: ${blocks.length} tables in ${file ?? 'RESULTS.md'}\n`);
  return 0;
}
