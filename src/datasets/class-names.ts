/**
 * Class names from a file, in the forms models and datasets ship them: a JSON
 * list, a JSON object from class index to name (e.g. Keras' ImageNet labels),
 * or text with one name per line.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';

export function parseClassNames(text: string): unknown[] {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: one name per line
  }
  if (Array.isArray(parsed)) return parsed;
  if (parsed && typeof parsed === 'object') {
    const byIndex = parsed as Record<string, unknown>;
    return Array.from({ length: Object.keys(byIndex).length }, (_, i) => byIndex[String(i)]);
  }
  return text.split(/\r?\n/).filter((line) => line.trim().length > 0);
}

/** Reads and checks the names (every index from 0 on named; `count` of them when given). */
export async function readClassNames(file: string, count?: number): Promise<string[]> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(
      `class names file ${path} cannot be read`,
      'give a JSON list of names, a JSON object from index to name, or a text file with one name per line',
    );
  }
  const names = parseClassNames(text);
  const bad = names.findIndex((n) => typeof n !== 'string' || n.length === 0);
  if (names.length === 0 || bad >= 0)
    throw new UserError(`${path}: ${names.length === 0 ? 'no class names' : `class ${bad} has no name`}`, 'name every class index from 0 on, in order');
  if (count !== undefined && names.length !== count)
    throw new UserError(`${path} names ${names.length} classes, the model has ${count}`, 'point it at the names of this model’s classes');
  return names as string[];
}
