import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineNode, type NodeType } from '../../src/nodes/contract.js';
import { nodeTypes, type RegisteredNodeType } from '../../src/nodes/registry.js';
import { WsolError } from '../../src/engine/diagnostics.js';
import { parseJsonSource } from '../../src/engine/load/json-source.js';
import { prepareSchemas, resolvePipeline } from '../../src/engine/load/load-pipeline.js';

const modelMaker = defineNode<{ epochs: number }>({
  type: 'test/train',
  version: 1,
  description: 'test double producing a model',
  params: { type: 'object', properties: { epochs: { type: 'integer', minimum: 1, default: 2 } }, additionalProperties: false },
  inputs: {},
  output: 'model',
  async run() {},
});
const modelUser = defineNode<Record<string, never>>({
  type: 'test/evaluate',
  version: 1,
  description: 'test double consuming a model',
  params: { type: 'object', additionalProperties: false },
  inputs: { model: { kind: 'model' } },
  output: 'metrics',
  async run() {},
});

const modelPair = defineNode<Record<string, never>>({
  type: 'test/pair',
  version: 1,
  description: 'test double consuming two models',
  params: { type: 'object', additionalProperties: false },
  inputs: { model: { kind: 'model' }, classifier: { kind: 'model' } },
  output: 'metrics',
  async run() {},
});

const types = new Map<string, RegisteredNodeType>([
  ...nodeTypes,
  [modelMaker.type, modelMaker as NodeType<never>],
  [modelUser.type, modelUser as NodeType<never>],
  [modelPair.type, modelPair as NodeType<never>],
]);

async function resolve(pipeline: unknown, overrides: string[] = []) {
  await prepareSchemas(types);
  return resolvePipeline(parseJsonSource(JSON.stringify(pipeline, null, 2), 'p.json'), { types, overrides });
}

async function diagnosticsOf(pipeline: unknown, overrides: string[] = []): Promise<string> {
  try {
    await resolve(pipeline, overrides);
  } catch (e) {
    if (e instanceof WsolError) return e.message;
    throw e;
  }
  assert.fail('expected a WsolError');
}

test('wiring an artifact of the wrong kind is a load-time error', async () => {
  const message = await diagnosticsOf({
    name: 'x',
    nodes: { text: { type: 'util/concat' }, evaluate: { type: 'test/evaluate', inputs: { model: 'text' } } },
  });
  assert.match(message, /input 'model' expects model, but 'text' \(util\/concat\) produces text/);
  assert.match(message, /at \/nodes\/evaluate\/inputs\/model/);
});

test('a missing required input is named with its kind', async () => {
  const message = await diagnosticsOf({ name: 'x', nodes: { evaluate: { type: 'test/evaluate' } } });
  assert.match(message, /missing required input 'model' \(kind model\)/);
});

test('an undeclared input name is rejected', async () => {
  const message = await diagnosticsOf({ name: 'x', nodes: { t: { type: 'test/train' }, e: { type: 'test/evaluate', inputs: { modle: 't' } } } });
  assert.match(message, /node type test\/evaluate has no input 'modle'\. Did you mean 'model'\?/);
});

test('defaults are filled in and ${params} keep their JSON type', async () => {
  const p = await resolve({
    name: 'x',
    params: { epochs: 5 },
    nodes: { t: { type: 'test/train', with: { epochs: '${params.epochs}' } }, d: { type: 'test/train' } },
  });
  assert.deepEqual(p.nodes.get('t')!.params, { epochs: 5 });
  assert.deepEqual(p.nodes.get('d')!.params, { epochs: 2 });
});

test('matrix values are validated and point at the matrix entry', async () => {
  const message = await diagnosticsOf({ name: 'x', nodes: { t: { type: 'test/train', matrix: { epochs: [1, 0] } } } });
  assert.match(message, /node 't\[epochs=0\]', at \/nodes\/t\/matrix\/epochs/);
  assert.match(message, /must be >= 1/);
});

test('one node per combination, in declaration order, each taking the matching upstream instance', async () => {
  const p = await resolve({
    name: 'x',
    nodes: {
      t: { type: 'test/train', matrix: { epochs: [1, 2] } },
      e: { type: 'test/evaluate', inputs: { model: 't' } },
      pick: { type: 'test/evaluate', inputs: { model: 't[epochs=2]' } },
    },
  });
  assert.deepEqual([...p.nodes.keys()], ['t[epochs=1]', 't[epochs=2]', 'e[epochs=1]', 'e[epochs=2]', 'pick']);
  assert.deepEqual(p.nodes.get('e[epochs=2]')!.inputs, { model: ['t[epochs=2]'] });
  assert.deepEqual(p.nodes.get('pick')!.inputs, { model: ['t[epochs=2]'] });
  assert.deepEqual(p.instances.get('e'), ['e[epochs=1]', 'e[epochs=2]']);
});

test('gathering all siblings into an input that takes one artifact is an error', async () => {
  const message = await diagnosticsOf({
    name: 'x',
    nodes: { t: { type: 'test/train', matrix: { epochs: [1, 2] } }, e: { type: 'test/evaluate', inputs: { model: 't[*]' } } },
  });
  assert.match(message, /input 'model' takes one artifact but is given 2/);
});

test('--set overrides params, with values and matrix axes', async () => {
  const p = await resolve(
    { name: 'x', params: { n: 1 }, nodes: { t: { type: 'test/train', with: { epochs: '${params.n}' } }, c: { type: 'util/concat', matrix: { text: ['a'] } } } },
    ['params.n=3', 'c.matrix.text=["b","c"]'],
  );
  assert.equal(p.nodes.get('t')!.params.epochs, 3);
  assert.deepEqual(p.instances.get('c'), ['c[text=b]', 'c[text=c]']);
  const q = await resolve({ name: 'x', nodes: { c: { type: 'util/concat' } } }, ['c.text=123']);
  assert.equal(q.nodes.get('c')!.params.text, '123', 'a string param keeps the raw text');
});

test('named variants set several params together, label the instances and propagate to dependents', async () => {
  const p = await resolve({
    name: 'x',
    nodes: {
      t: { type: 'test/train', with: { epochs: 3 }, matrix: { variant: { short: { epochs: 1 }, base: {} }, seed_: undefined } },
      e: { type: 'test/evaluate', inputs: { model: 't' } },
    },
  }).catch(() => null);
  // `seed_: undefined` is dropped by JSON: the matrix has the one variant axis.
  assert.ok(p);
  assert.deepEqual([...p.instances.get('t')!], ['t[variant=short]', 't[variant=base]']);
  assert.deepEqual(p.nodes.get('t[variant=short]')!.params, { epochs: 1 });
  assert.deepEqual(p.nodes.get('t[variant=base]')!.params, { epochs: 3 });
  assert.deepEqual([...p.instances.get('e')!], ['e[variant=short]', 'e[variant=base]']);
  const bad = await diagnosticsOf({ name: 'x', nodes: { t: { type: 'test/train', matrix: { variant: { broken: { epochs: 0 } } } } } });
  assert.match(bad, /at \/nodes\/t\/matrix\/variant\/broken\/epochs/);
  const clash = await diagnosticsOf({ name: 'x', nodes: { t: { type: 'test/train', matrix: { epochs: { a: {} } } } } });
  assert.match(clash, /the variant axis 'epochs' is named like a param/);
});

test('a partial selector picks one instance per remaining coordinate; two selectors of one node agree on it', async () => {
  const p = await resolve({
    name: 'select',
    nodes: {
      t: { type: 'test/train', matrix: { epochs: [1, 2], variant: { cam: {}, vst: {} } } },
      e: { type: 'test/evaluate', inputs: { model: 't[variant=vst]' } },
      pair: { type: 'test/pair', inputs: { model: 't[variant=vst]', classifier: 't[variant = cam]' } },
      one: { type: 'test/evaluate', inputs: { model: 't[epochs=2,variant=cam]' } },
    },
  });
  assert.deepEqual(p.instances.get('e'), ['e[epochs=1]', 'e[epochs=2]']);
  assert.deepEqual(p.nodes.get('e[epochs=2]')!.inputs.model, ['t[epochs=2,variant=vst]']);
  assert.deepEqual(p.instances.get('pair'), ['pair[epochs=1]', 'pair[epochs=2]']);
  assert.deepEqual(p.nodes.get('pair[epochs=1]')!.inputs, { model: ['t[epochs=1,variant=vst]'], classifier: ['t[epochs=1,variant=cam]'] });
  assert.deepEqual(p.instances.get('one'), ['one'], 'a full instance id is one instance, as before');
  const none = await diagnosticsOf({
    name: 'x',
    nodes: { t: { type: 'test/train', matrix: { epochs: [1, 2] } }, e: { type: 'test/evaluate', inputs: { model: 't[epochs=3]' } } },
  });
  assert.match(none, /refers to 't\[epochs=3\]', which is not an instance of 't'/);
});

test('"${matrix.axis}" takes the instance\'s coordinate, inherited ones included; an unknown axis is a located error', async () => {
  const p = await resolve({
    name: 'inherit',
    nodes: {
      pre: { type: 'util/concat', matrix: { text: ['0', '1'] } },
      tune: { type: 'util/concat', inputs: { in: 'pre' }, with: { text: '${matrix.text}' } },
      plain: { type: 'util/concat', inputs: { in: 'pre' } },
    },
  });
  assert.equal(p.nodes.get('tune[text=1]')!.params.text, '1');
  // Without the reference, a coordinate is only a coordinate (the param keeps its default).
  assert.equal(p.nodes.get('plain[text=1]')!.params.text, '');
  const bad = await diagnosticsOf({ name: 'bad', nodes: { a: { type: 'util/concat', with: { text: '${matrix.seed}' } } } });
  assert.match(bad, /\$\{matrix\.seed\}: this node has no matrix coordinate 'seed'/);
});
