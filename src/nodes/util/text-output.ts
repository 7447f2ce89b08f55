import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputArtifact } from '../contract.js';

/** File name of a `text` artifact's content. */
export const TEXT_FILE = 'out.txt';

/**
 * Writes `out.txt` = each input's out.txt in input-name order (a list input
 * in its list order), then `text`. Shared by util/concat and util/sleep.
 */
export async function writeConcatenation(inputs: Record<string, InputArtifact[]>, text: string, outDir: string): Promise<void> {
  const parts: string[] = [];
  for (const name of Object.keys(inputs).sort()) {
    for (const artifact of inputs[name]!) parts.push(await readFile(join(artifact.dir, TEXT_FILE), 'utf8'));
  }
  parts.push(text);
  await writeFile(join(outDir, TEXT_FILE), parts.join(''));
}
