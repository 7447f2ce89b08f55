import { readFileSync } from 'node:fs';
import { packagePath } from './paths.js';

/** wsol-run's own version, from package.json. */
export const WSOL_RUN_VERSION: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
