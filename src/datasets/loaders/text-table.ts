/**
 * Line-oriented annotation files (CUB's space-separated lists, the
 * wsolevaluation metadata, GlaS's Grade.csv): every row keeps its file and
 * line number, so any problem found later can point at it.
 */
import { readFile } from 'node:fs/promises';
import { DatasetInputError, at } from '../../core/errors.js';

/** One non-empty line of an annotation file, split into fields, with where it came from for error messages. */
export interface Row {
  file: string;
  /** 1-based line number. */
  line: number;
  fields: string[];
}

/** What readTable expects of an annotation file: how fields are separated and how many a line may have. */
export interface TableFormat {
  separator: 'whitespace' | 'comma';
  /** Allowed field counts. */
  fields: readonly number[];
  /** The expected line layout, for error messages, e.g. `<image_id> <x> <y> <width> <height>`. */
  layout: string;
}

/** Reads `path`, skipping blank lines; fields are trimmed (GlaS's CSV has leading spaces). */
export async function readTable(path: string, format: TableFormat, missingHint: string): Promise<Row[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetInputError(code === 'ENOENT' ? `${path} is missing` : `${path}: cannot read (${code ?? String(e)})`, missingHint);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows: Row[] = [];
  text.split('\n').forEach((raw, k) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const fields = format.separator === 'comma' ? line.split(',').map((f) => f.trim()) : line.trim().split(/\s+/);
    if (!format.fields.includes(fields.length)) {
      throw new DatasetInputError(
        `${at(path, k + 1)}: expected ${format.fields.join(' or ')} fields (${format.layout}), found ${fields.length}: '${line}'`,
        `fix or remove line ${k + 1}`,
      );
    }
    rows.push({ file: path, line: k + 1, fields });
  });
  return rows;
}

export function intField(row: Row, index: number, name: string): number {
  const text = row.fields[index] ?? '';
  if (!/^[+-]?\d+$/.test(text)) throw new DatasetInputError(`${at(row.file, row.line)}: ${name} '${text}' is not an integer`, `fix line ${row.line}`);
  return Number(text);
}

export function numberField(row: Row, index: number, name: string): number {
  const text = row.fields[index] ?? '';
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) throw new DatasetInputError(`${at(row.file, row.line)}: ${name} '${text}' is not a number`, `fix line ${row.line}`);
  return v;
}

/**
 * Indexes rows by their first field, refusing duplicates and keys not in
 * `known` ("inconsistent ids across files"), and checking that every known
 * key has a row. `knownFile` names where the keys come from.
 */
export function indexRows(
  rows: readonly Row[],
  known: ReadonlyMap<string, Row>,
  knownFile: string,
  file: string,
  options: { many?: boolean; optional?: boolean } = {},
): Map<string, Row[]> {
  const byKey = new Map<string, Row[]>();
  for (const row of rows) {
    const key = row.fields[0]!;
    if (!known.has(key))
      throw new DatasetInputError(
        `${at(row.file, row.line)}: image id '${key}' is not in ${knownFile}`,
        `the annotation files must list the same images; remove line ${row.line} or add the image to ${knownFile}`,
      );
    const list = byKey.get(key);
    if (list && !options.many)
      throw new DatasetInputError(
        `${at(row.file, row.line)}: image id '${key}' appears twice (first at line ${list[0]!.line})`,
        `keep one line per image in ${file}`,
      );
    if (list) list.push(row);
    else byKey.set(key, [row]);
  }
  if (!options.optional) {
    for (const [key, source] of known) {
      if (!byKey.has(key))
        throw new DatasetInputError(
          `${file}: no line for image id '${key}' (listed at ${at(source.file, source.line)})`,
          `the annotation files must list the same images; add a line for '${key}' to ${file}`,
        );
    }
  }
  return byKey;
}
