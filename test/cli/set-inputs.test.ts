/**
 * `--set NODE.inputs.PORT=…` rewires a node's input from the command line
 * (a probe: "a report's inputs cannot be set"): one reference, or a list,
 * written as JSON or as bare ids in brackets; an unknown port is an error
 * naming the node type's ports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

const pipeline = {
  name: 'wires',
  nodes: {
    a: { type: 'util/concat', with: { text: 'a\n' } },
    b: { type: 'util/concat', with: { text: 'b\n' } },
    c: { type: 'util/concat', with: { text: 'c\n' } },
    all: { type: 'util/concat', inputs: { in: ['a', 'b'] }, with: { text: 'all\n' } },
    shapes: { type: 'dataset/synthetic-shapes' },
    floor: { type: 'maps/intensity', inputs: { dataset: 'shapes' } },
  },
};

async function gathered(dir: string, file: string, set: string[]): Promise<string> {
  const r = await runCli([file, ...set.flatMap((s) => ['--set', s])], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const path = await runCli(['show', file, 'all', '--path', ...set.flatMap((s) => ['--set', s])], dir);
  assert.equal(path.code, 0, path.stderr);
  const { readFileSync, readdirSync } = await import('node:fs');
  const dirPath = path.stdout.trim();
  return readdirSync(dirPath)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => readFileSync(`${dirPath}/${f}`, 'utf8'))
    .join('');
}

test('--set NODE.inputs.PORT takes one reference or a list (bare ids in brackets or JSON); an unknown port is a located error', async () => {
  const dir = tempDir('wsol-set-inputs-');
  const file = writePipeline(dir, pipeline, 'wires.json');
  const base = await gathered(dir, file, []);
  assert.match(base, /a\n[\s\S]*b\n/);
  const list = await gathered(dir, file, ['all.inputs.in=[a,c]']);
  assert.match(list, /a\n[\s\S]*c\n/);
  assert.doesNotMatch(list, /^b$/m);
  assert.equal(await gathered(dir, file, ['all.inputs.in=["a","c"]']), list, 'JSON and bare lists mean the same');
  const one = await gathered(dir, file, ['all.inputs.in=c']);
  assert.doesNotMatch(one, /^a$/m);

  const badPort = await runCli(['plan', file, '--set', 'floor.inputs.datset=shapes'], dir);
  assert.equal(badPort.code, 2, badPort.stdout);
  assert.match(badPort.stderr, /maps\/intensity has no input 'datset'.*Did you mean 'dataset'/is);
  const badRef = await runCli(['plan', file, '--set', 'all.inputs.in=[a,nosuch]'], dir);
  assert.equal(badRef.code, 2);
  assert.match(badRef.stderr, /nosuch/);
  assert.doesNotMatch(badRef.stderr + badPort.stderr, /\n\s+at /);
});
