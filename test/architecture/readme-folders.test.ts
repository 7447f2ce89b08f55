/**
 * README's architecture section names the tree as it is: every path a line
 * of its folder listing starts with exists, and every folder of src/ (two
 * levels down) is named there, as a line of its own or as `name/` in its
 * parent's description.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../src/paths.js';

/** The folder listing of README's "## Architecture" section: path -> its description (continuation lines included). */
function listing(readme: string): Map<string, string> {
  const section = readme.slice(readme.indexOf('\n## Architecture'));
  const block = section.slice(section.indexOf('```\n') + 4, section.indexOf('\n```', section.indexOf('```\n') + 4));
  const entries = new Map<string, string>();
  let current: string | undefined;
  for (const line of block.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (m) {
      current = m[1]!;
      entries.set(current, m[2]!);
    } else if (current) entries.set(current, `${entries.get(current)} ${line.trim()}`);
  }
  return entries;
}

/** Folders of src/ one and two levels down, as `src/a/` and `src/a/b/`. */
function srcFolders(): string[] {
  const out: string[] = [];
  const src = packagePath('src');
  for (const a of readdirSync(src)) {
    if (!statSync(join(src, a)).isDirectory()) continue;
    out.push(`src/${a}/`);
    for (const b of readdirSync(join(src, a))) if (statSync(join(src, a, b)).isDirectory()) out.push(`src/${a}/${b}/`);
  }
  return out.sort();
}

test("README's architecture listing names paths that exist and every folder of src/", () => {
  const entries = listing(readFileSync(packagePath('README.md'), 'utf8'));
  assert.ok(entries.size > 20, `found ${entries.size} entries`);
  const missing = [...entries.keys()].filter((path) => !existsSync(packagePath(path)));
  assert.deepEqual(missing, [], 'paths README names that are not in the tree');
  const unnamed = srcFolders().filter((folder) => {
    if (entries.has(folder)) return false;
    // A subfolder may be named in its parent's description instead (`commands/` under src/cli/).
    const parts = folder.split('/');
    const parent = `${parts.slice(0, -2).join('/')}/`;
    const name = `${parts.at(-2)}/`;
    if (entries.get(parent)?.includes(name)) return false;
    // Or in a description of a file of the parent folder, or of a deeper entry of it.
    return ![...entries].some(([path, text]) => (path.startsWith(folder) && path !== folder) || (path.startsWith(parent) && text.includes(name)));
  });
  assert.deepEqual(unnamed, [], "folders of src/ README's architecture listing does not name");
});

test('the listing parser reads paths and their continued descriptions', () => {
  const readme = '# x\n\n## Architecture\n\ntext\n\n```\nsrc/a/        one\n              two b/\nsrc/c.ts      three\n```\n';
  assert.deepEqual(
    [...listing(readme)],
    [
      ['src/a/', 'one two b/'],
      ['src/c.ts', 'three'],
    ],
  );
});
