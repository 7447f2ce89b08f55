import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

const PLUGIN = fileURLToPath(new URL('../plugins/toy-plugin.js', import.meta.url));

function pipeline(head: Record<string, unknown>, plugins: string[] = [PLUGIN]): Record<string, unknown> {
  return {
    name: 'plugin-demo',
    plugins,
    nodes: {
      data: { type: 'dataset/cluttered-mnist', with: { train: 40, val: 20, test: 20, size: 32 } },
      cls: { type: 'train/classifier', inputs: { dataset: 'data' }, with: { channels: [8, 8], poolAfter: [0], epochs: 1, batchSize: 16, head } },
      maps: { type: 'maps/cam', inputs: { model: 'cls', dataset: 'data' }, with: { method: 'feature-norm', normPower: 2, splits: ['val', 'test'] } },
      camMaps: { type: 'maps/cam', inputs: { model: 'cls', dataset: 'data' }, with: { splits: ['val', 'test'] } },
      eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'maps' } },
    },
  };
}

test('a head and a map method registered by a plugin from test/ train, map and evaluate through the CLI', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline({ kind: 'toy-conv-gap', scale: 2 }));
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
  const evalDone = r.events.find((e) => e.event === 'node-done' && e.node === 'eval') as { metrics: Record<string, number> } | undefined;
  assert.ok(evalDone && Number.isFinite(evalDone.metrics.maxBoxAccV2), JSON.stringify(evalDone));
  const model = JSON.parse(readFileSync(join((await runCli(['show', file, 'cls', '--path'], dir)).stdout.trim(), 'model.json'), 'utf8')) as {
    network: { head: unknown };
  };
  assert.deepEqual(model.network.head, { kind: 'toy-conv-gap', scale: 2 });
  const maps = JSON.parse(readFileSync(join((await runCli(['show', file, 'maps', '--path'], dir)).stdout.trim(), 'maps.json'), 'utf8')) as {
    method: string;
    target: string;
  };
  assert.equal(maps.method, 'feature-norm^2');
  assert.equal(maps.target, 'agnostic');
  // `types` lists what the plugin adds.
  const types = await runCli(['types', 'maps/cam', '--plugin', PLUGIN], dir);
  assert.match(types.stdout, /feature-norm/);
  assert.match(types.stdout, /normPower/);
});

test('a head param the plugin head does not take, an unknown head and a missing plugin are located errors', async () => {
  const dir = tempDir();
  const bad = await runCli(['plan', writePipeline(dir, pipeline({ kind: 'toy-conv-gap', size: 3 }))], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /nodes\/cls\/with\/head/);
  const unknown = await runCli(['plan', writePipeline(dir, pipeline({ kind: 'toy-conv-gap' }, []), 'p2.json')], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /head\/kind/);
  const missing = await runCli(['plan', writePipeline(dir, pipeline({ kind: 'gap-fc' }, ['./nope.js']), 'p3.json')], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /p3\.json:\d+:\d+: cannot load plugin \.\/nope\.js/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
});
