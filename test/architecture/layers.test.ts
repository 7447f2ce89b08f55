/**
 * The direction of imports between src/ folders, checked on the sources:
 * a folder imports only from folders of a lower layer (or from itself). The
 * layers, bottom up, are written once here and in README's architecture
 * section; a new folder must be placed in one before it may be imported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { packagePath } from '../../src/paths.js';
import { typeScriptSources } from '../helpers/sources.js';

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

/** The src/ entry a path belongs to: `tensor` for src/tensor/models/network.ts, `paths` for src/paths.ts. */
function entryOf(file: string): string {
  const first = relative(SRC, file).split(sep)[0]!;
  return first.replace(/\.[jt]s$/, '');
}

/**
 * Relative specifiers of every import form: static, type-only, re-export,
 * dynamic import(), and the module URLs threads and child processes start
 * from (`new URL('./worker.js', import.meta.url)`): a worker entry is an
 * import too.
 */
function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bnew\s+URL\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) out.push(m[1]!);
  return out;
}

/**
 * Files allowed a computed import(), which no layer check can follow; each
 * with its reason. Everywhere else an import names its module literally.
 */
const COMPUTED_IMPORTS: Record<string, string> = {
  'nodes/plugins.ts': 'the plugin loader: user modules named by the pipeline or --plugin',
  'tensor/backends/init.ts': 'the optional native tfjs packages (tfjs-node, tfjs-node-gpu), not installed by default, so no literal import can type-check',
  'engine/load/schema-validation.ts': 'the validators compiled at build time into dist/generated/, outside src/',
};

/** Lines with an import() whose argument is not a string literal (comments skipped; formatted code writes `import(` with no space, prose "import (" does). */
function computedImports(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && /\bimport\(\s*[^'\s)]/.test(line))
    .map((line) => line.trim());
}

test('src/ folders import only downward (library folders never import nodes, engine or cli)', () => {
  const problems: string[] = [];
  const files = typeScriptSources(SRC);
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
    "import a from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nconst d = await import('../../d.js');\nimport './e.js';\nnew Worker(new URL('./f.js', import.meta.url));";
  assert.deepEqual(importsOf(text), ['./a.js', '../b.js', './c.js', '../../d.js', './e.js', './f.js']);
});

test('computed import() only where listed (the plugin loader and two named exceptions)', () => {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const file of typeScriptSources(SRC)) {
    const rel = relative(SRC, file).split(sep).join('/');
    const found = computedImports(readFileSync(file, 'utf8'));
    if (found.length && !(rel in COMPUTED_IMPORTS)) problems.push(`${rel}: ${found.join(' | ')} (name the module literally, or give the reason here)`);
    if (found.length) seen.add(rel);
  }
  for (const rel of Object.keys(COMPUTED_IMPORTS)) if (!seen.has(rel)) problems.push(`${rel} no longer has a computed import: take it off COMPUTED_IMPORTS`);
  assert.deepEqual(problems, []);
  assert.deepEqual(computedImports("await import(url);\nawait import('./x.js');\n// import(y)\nawait import(\n"), ['await import(url);']);
});
