import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';
import { chooseLayer } from '../../src/nodes/sweep/run-dgl-layers.js';

const nodes = {
  data: { type: 'dataset/cluttered-mnist', with: { train: 40, val: 20, test: 20, size: 32 } },
  cls: { type: 'train/classifier', inputs: { dataset: 'data' }, with: { channels: [8, 8, 8], poolAfter: [0, 1], epochs: 1, batchSize: 16 } },
  sweep: { type: 'sweep/dgl-layers', inputs: { model: 'cls', dataset: 'data' }, with: { batchSize: 8 } },
  plain: { type: 'sweep/dgl-layers', inputs: { model: 'cls', dataset: 'data' }, with: { layers: ['conv2', 'conv3'], enhanced: false, selection: 'gradcam' } },
  byBox: { type: 'sweep/dgl-layers', inputs: { model: 'cls', dataset: 'data' }, with: { batchSize: 8, chooseBy: 'maxBoxAccV2' } },
  maps: { type: 'maps/cam', inputs: { model: 'cls', dataset: 'data' }, with: { method: 'dgl', layer: 'conv2', splits: ['val', 'test'] } },
  eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'maps' } },
};

interface SweepRow {
  layer: string;
  mapSize: string;
  chosen: boolean;
  choice: Record<string, number | null> | null;
  reported: Record<string, number | null>;
}

test('the DGL layer sweep maps every conv layer in one pass, chooses τ and the layer on val, and matches maps/cam dgl at a layer', async () => {
  const dir = tempDir('wsol-dgl-');
  const file = writePipeline(dir, { name: 'dgl', nodes });
  const run = await runCli([file, '--json'], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const sweepDir = (await runCli(['show', file, 'sweep', '--path'], dir)).stdout.trim();
  const sweep = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8')) as { chosen: string; chooseSplit: string; layers: SweepRow[] };
  assert.deepEqual(
    sweep.layers.map((r) => [r.layer, r.mapSize]),
    [
      ['conv1', '32x32'],
      ['conv2', '16x16'],
      ['conv3', '8x8'],
    ],
  );
  assert.equal(sweep.chooseSplit, 'val');
  const best = sweep.layers.reduce((a, b) => ((b.choice!.gtKnownLoc ?? -1) > (a.choice!.gtKnownLoc ?? -1) ? b : a));
  assert.equal(sweep.chosen, best.layer);
  assert.deepEqual(
    sweep.layers.filter((r) => r.chosen).map((r) => r.layer),
    [best.layer],
  );
  for (const r of sweep.layers) {
    assert.ok(typeof r.reported.gtKnownLoc === 'number' && typeof r.reported.tau === 'number', r.layer);
    assert.equal(r.reported.gtKnownLocError, 100 - r.reported.gtKnownLoc!);
  }
  // Choosing by MaxBoxAccV2 evaluates the choice split fully: its GT-known there equals the one read off the choice curve.
  const byBoxDir = (await runCli(['show', file, 'byBox', '--path'], dir)).stdout.trim();
  const byBox = JSON.parse(readFileSync(join(byBoxDir, 'sweep.json'), 'utf8')) as { chosen: string; layers: SweepRow[] };
  byBox.layers.forEach((r, i) => assert.ok(Math.abs(r.choice!.gtKnownLoc! - sweep.layers[i]!.choice!.gtKnownLoc!) < 1e-9, r.layer));
  const bestBox = byBox.layers.reduce((a, b) => ((b.choice!.maxBoxAccV2 ?? -1) > (a.choice!.maxBoxAccV2 ?? -1) ? b : a));
  assert.equal(byBox.chosen, bestBox.layer);

  // maps/cam's dgl at conv2 evaluated alone gives the sweep's conv2 figures.
  const evalDir = (await runCli(['show', file, 'eval', '--path'], dir)).stdout.trim();
  const alone = JSON.parse(readFileSync(join(evalDir, 'evaluation.json'), 'utf8')) as { headline: Record<string, number> };
  const conv2 = sweep.layers.find((r) => r.layer === 'conv2')!;
  assert.ok(Math.abs(alone.headline.gtKnownLoc! - conv2.reported.gtKnownLoc!) < 1e-9, `${alone.headline.gtKnownLoc} vs ${conv2.reported.gtKnownLoc}`);
  assert.ok(Math.abs(alone.headline.maxBoxAccV2! - conv2.reported.maxBoxAccV2!) < 1e-9);

  const plainDir = (await runCli(['show', file, 'plain', '--path'], dir)).stdout.trim();
  const plain = JSON.parse(readFileSync(join(plainDir, 'sweep.json'), 'utf8')) as { method: string; layers: SweepRow[] };
  assert.equal(plain.method, 'dgl-plain-gradcam');
  assert.deepEqual(
    plain.layers.map((r) => r.layer),
    ['conv2', 'conv3'],
  );

  // The layers verb lists what can be swept.
  const layers = await runCli(['layers', file, 'cls', '--json'], dir);
  assert.equal(layers.code, 0, layers.stderr);
  const listed = JSON.parse(layers.stdout) as { layers: { name: string; shape: number[]; dglCandidate: boolean }[] };
  assert.deepEqual(
    listed.layers.filter((l) => l.dglCandidate).map((l) => [l.name, l.shape]),
    [
      ['conv1', [32, 32, 8]],
      ['conv2', [16, 16, 8]],
      ['conv3', [8, 8, 8]],
    ],
  );
  const notModel = await runCli(['layers', file, 'eval'], dir);
  assert.equal(notModel.code, 2);
  assert.match(notModel.stderr, /makes a metrics artifact, not a model/);

  // An unknown layer is a bad-input error that lists the layers.
  const bad = writePipeline(dir, { name: 'dgl', nodes: { ...nodes, sweep: { ...nodes.sweep, with: { layers: ['conv9'] } } } }, 'bad.json');
  const failed = await runCli([bad], dir);
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr + failed.stdout, /layer conv9 is not in the backbone of node cls[\s\S]*conv1, pool1, conv2, pool2, conv3/);
});

test('the sweep picks the layer by the choice split, whatever the reported split says', () => {
  const row = (layer: string, val: number, test: number) => ({ layer, choice: { gtKnownLoc: val }, reported: { gtKnownLoc: test } });
  const rows = [row('a', 40, 90), row('b', 70, 10), row('c', 55, 60)];
  assert.equal(chooseLayer(rows, 'gtKnownLoc')?.layer, 'b');
  assert.equal(chooseLayer([{ layer: 'a', choice: null, reported: { gtKnownLoc: 50 } }], 'gtKnownLoc'), null);
});
