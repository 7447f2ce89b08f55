import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file compiles to dist/src/paths.js). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function packagePath(relative: string): string {
  return join(PACKAGE_ROOT, relative);
}
