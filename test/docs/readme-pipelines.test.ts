/**
 * README's table of shipped pipelines says what each one runs; this holds
 * each claim to the pipeline file. A phrase that names a method or a part
 * (a node type, a switch like VST) must be backed by the pipeline's nodes
 * and params, and every shipped pipeline must have a row. (A review found
 * the quickstart's row claiming visual-stimuli tolerance while the file
 * sets "vst": false.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { packagePath } from '../../src/paths.js';

interface PipelineFile {
  text: string;
  types: Set<string>;
  params: Record<string, unknown>;
}

function readPipeline(name: string): PipelineFile {
  const text = readFileSync(packagePath(name), 'utf8');
  const json = JSON.parse(text) as { params?: Record<string, unknown>; nodes: Record<string, { type: string }> };
  return { text, types: new Set(Object.values(json.nodes).map((n) => n.type)), params: json.params ?? {} };
}

/** A phrase of the README and what the pipeline must hold for it to be true. */
interface Claim {
  phrase: RegExp;
  holds(p: PipelineFile): boolean;
  what: string;
}

const hasType = (type: string) => (p: PipelineFile) => p.types.has(type);
const hasSwitch = (pattern: RegExp) => (p: PipelineFile) => pattern.test(p.text);

const CLAIMS: Claim[] = [
  { phrase: /visual-stimuli tolerance(?! is off)|\+VST/, holds: hasSwitch(/"vst":\s*true/), what: 'a localizer with "vst": true' },
  { phrase: /\+SMT/, holds: hasSwitch(/"smt":\s*true/), what: 'a localizer with "smt": true' },
  { phrase: /ACAM/, holds: hasSwitch(/"localizationMap":\s*"acam"/), what: 'a localizer with "localizationMap": "acam"' },
  // Methods as what the row runs, not as a word in passing ("SLT-Net's SGD", "the STL pipeline").
  { phrase: /SLT-Net (end to end|as in)|SLT-Net's (Table|new optimisation)/, holds: hasType('train/slt-localizer'), what: 'a train/slt-localizer node' },
  {
    phrase: /Min-Max Entropy \(|paper's GlaS|paper's CUB5|CUB5 setup|GlaS setup/,
    holds: hasType('train/min-max-entropy'),
    what: 'a train/min-max-entropy node',
  },
  { phrase: /STL's Table|STL \(/, holds: hasType('train/stl'), what: 'a train/stl node' },
  { phrase: /DGL (as in|of|swept)/, holds: hasType('sweep/dgl-layers'), what: 'a sweep/dgl-layers node' },
  { phrase: /pseudo boxes/, holds: hasType('boxes/pseudo'), what: 'a boxes/pseudo node' },
  { phrase: /regressor/, holds: hasType('train/regressor'), what: 'a train/regressor node' },
  { phrase: /HTML report/, holds: hasType('report/html'), what: 'a report/html node' },
  { phrase: /ending in `table`/, holds: hasType('report/compare'), what: 'a report/compare node' },
  { phrase: /ResNet50/, holds: hasType('model/pretrained'), what: 'a model/pretrained node' },
  { phrase: /CUB-200-2011|CUB5/, holds: hasType('dataset/cub'), what: 'a dataset/cub node' },
  { phrase: /GlaS/, holds: hasType('dataset/glas'), what: 'a dataset/glas node' },
  { phrase: /\bfloor\b/, holds: hasType('maps/intensity'), what: 'a maps/intensity node (the no-learning floor)' },
  { phrase: /\bceiling\b/, holds: hasType('maps/oracle'), what: 'a maps/oracle node (the ceiling)' },
  {
    phrase: /\b3 seeds\b/,
    holds: (p) => Array.isArray(p.params.seeds) && p.params.seeds.length === 3,
    what: 'params.seeds with three seeds',
  },
];

/** The rows of README's "Shipped pipelines" table: the pipelines each names, and its text. */
function shippedRows(): { files: string[]; text: string }[] {
  const readme = readFileSync(packagePath('README.md'), 'utf8');
  const start = readme.indexOf('## Shipped pipelines');
  assert.ok(start >= 0, 'README has a "Shipped pipelines" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `pipelines/'))
    .map((line) => {
      const [, first = '', ...rest] = line.split('|');
      return { files: [...first.matchAll(/`(pipelines\/[^`]+\.json)`/g)].map((m) => m[1]!), text: rest.join('|') };
    });
}

test("every claim in README's table of shipped pipelines is backed by the pipeline's nodes and params", () => {
  const wrong: string[] = [];
  for (const row of shippedRows())
    for (const file of row.files) {
      const p = readPipeline(file);
      for (const c of CLAIMS) if (c.phrase.test(row.text) && !c.holds(p)) wrong.push(`${file}: the README says ${c.phrase} but it lacks ${c.what}`);
    }
  assert.deepEqual(wrong, []);
});

test('every shipped pipeline has a row in the README table', () => {
  const listed = new Set(shippedRows().flatMap((r) => r.files));
  const shipped = readdirSync(packagePath('pipelines'))
    .filter((f) => f.endsWith('.json') && !f.endsWith('.lock.json'))
    .map((f) => `pipelines/${f}`);
  assert.deepEqual(
    shipped.filter((f) => !listed.has(f)),
    [],
  );
});
