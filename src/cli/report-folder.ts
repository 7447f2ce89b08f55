/**
 * The folder `wsol-run report -o DIR` writes: it replaces only a folder it
 * wrote itself. A marker file lists the files of that report; a folder that
 * holds anything else (a user's file, or a folder that was never a report)
 * is refused, so nothing but an earlier report is ever deleted.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { WsolError } from '../engine/diagnostics.js';

export const REPORT_MARKER = '.wsol-run-report';

interface Marker {
  wsolRunReport: 1;
  files: string[];
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

function readMarker(dir: string): Marker | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, REPORT_MARKER), 'utf8')) as Marker;
    return m?.wsolRunReport === 1 && Array.isArray(m.files) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Throws unless `dir` is absent, empty, or an earlier report with nothing added; call before any work. */
export function checkReportFolder(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory())
    throw new WsolError({
      file: dir,
      message: 'the report folder is a file',
      hint: 'give -o a folder that does not exist yet, is empty, or holds an earlier report',
    });
  const present = filesUnder(dir);
  if (present.length === 0) return;
  const marker = readMarker(dir);
  if (!marker)
    throw new WsolError({
      file: dir,
      message: `is not empty and holds no earlier report (${present.length} file(s), e.g. ${present.slice(0, 3).join(', ')}): nothing was deleted`,
      hint: 'give -o a new or empty folder; a folder `report` wrote itself is replaced',
    });
  const known = new Set([...marker.files, REPORT_MARKER]);
  const foreign = present.filter((f) => !known.has(f));
  if (foreign.length)
    throw new WsolError({
      file: dir,
      message: `holds an earlier report and ${foreign.length} file(s) it did not write (${foreign.slice(0, 3).join(', ')}): nothing was deleted`,
      hint: 'move those files out, or give -o another folder',
    });
}

/** Removes the earlier report's files (checked by checkReportFolder), leaving the folder for the new one. */
export async function clearReportFolder(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  // Again: the build between the first check and now can take minutes, and the folder is the user's meanwhile.
  checkReportFolder(dir);
  const marker = readMarker(dir);
  for (const f of [...(marker?.files ?? []), REPORT_MARKER]) await rm(join(dir, f), { force: true });
  // Folders the report made are empty now.
  for (const d of (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isDirectory())
    .map((e) => join(e.parentPath, e.name))
    .sort((a, b) => b.length - a.length))
    if (readdirSync(d).length === 0) await rm(d, { recursive: true });
}

/** Marks `dir` as a report, listing what it holds now. */
export async function markReportFolder(dir: string): Promise<void> {
  const marker: Marker = { wsolRunReport: 1, files: filesUnder(dir).filter((f) => f !== REPORT_MARKER) };
  await writeFile(join(dir, REPORT_MARKER), `${JSON.stringify(marker, null, 1)}\n`);
}
