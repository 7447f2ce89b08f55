/**
 * The direction of imports between src/ folders, checked on the sources:
 * a folder imports only from folders of a lower layer (or from itself). The
 * layers, bottom up, are written once here and in README's architecture
 * section; a new folder must be placed in one before it may be imported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { packagePath } from '../../src/paths.js';

/** Layer of each top-level entry of src/ (a folder, or a file without its extension). Equal layers may not import each other. */
const LAYERS: Record<string, number> = {
  core: 0,
  paths: 0,
  version: 1,
  image: 1,
  datasets: 2,
  evaluation: 3,
  tensor: 3,
  artifacts: 4,
  training: 4,
  methods: 5,
  reports: 5,
  nodes: 6,
  'plugin-api': 7,
  engine: 7,
  cli: 8,
};

const SRC = packagePath('src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** The src/ entry a path belongs to: `tensor` for src/tensor/models/network.ts, `paths` for src/paths.ts. */
function entryOf(file: string): string {
  const first = relative(SRC, file).split(sep)[0]!;
  return first.replace(/\.[jt]s$/, '');
}

/** Relative specifiers of every import form: static, type-only, re-export and dynamic import(). */
function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g)) out.push(m[1]!);
  return out;
}

test('src/ folders import only downward (library folders never import nodes, engine or cli)', () => {
  const problems: string[] = [];
  const files = sources(SRC);
  assert.ok(files.length > 50, `found ${files.length} sources`);
  for (const file of files) {
    const from = entryOf(file);
    const fromLayer = LAYERS[from];
    if (fromLayer === undefined) {
      problems.push(`${relative(SRC, file)}: src/${from} has no layer (add it to LAYERS and README's architecture)`);
      continue;
    }
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC + sep)) continue;
      const to = entryOf(target);
      if (to === from) continue;
      const toLayer = LAYERS[to];
      if (toLayer === undefined || toLayer >= fromLayer)
        problems.push(`${relative(SRC, file)} imports ${spec} (src/${from}, layer ${fromLayer} -> src/${to}, layer ${toLayer ?? '?'})`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the import scanner sees every import form', () => {
  const text =
    "import a from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nconst d = await import('../../d.js');\nimport './e.js';";
  assert.deepEqual(importsOf(text), ['./a.js', '../b.js', './c.js', '../../d.js', './e.js']);
});
