/** The TypeScript sources the architecture tests read. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.ts` file under `dir` (declaration files too), depth first. */
export function typeScriptSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return typeScriptSources(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}
