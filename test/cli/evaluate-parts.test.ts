/**
 * evaluate/parts end to end: a two-digit-numbers dataset (which records each
 * object's parts), maps that cover one digit only, their evaluation, and
 * where GT-known's misses went; and the node wired to metrics that are not
 * an evaluation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

const pipeline = {
  name: 'parts',
  nodes: {
    data: { type: 'dataset/two-digit-numbers', with: { size: 64, train: 8, val: 24, test: 24, seed: 3 } },
    floor: { type: 'maps/intensity', inputs: { dataset: 'data' } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'floor' } },
    parts: { type: 'evaluate/parts', inputs: { dataset: 'data', evaluation: 'eval' } },
  },
};

test("evaluate/parts reads an evaluation's per-image boxes and the dataset's parts; metrics that are not an evaluation are a located error", async () => {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline);
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const done = r.events.find((e) => e.event === 'node-done' && e.node === 'parts') as { metrics: Record<string, number> } | undefined;
  assert.ok(done, 'parts ran');
  const m = done.metrics;
  assert.equal(m.images, 24, 'every test image');
  assert.ok(m.misses! >= 0 && m.misses! <= 24);
  if (m.misses! > 0) assert.ok(Math.abs(m.missOnePart! + m.missDistractor! + m.missOther! - 100) < 0.05, `shares add up to 100 %: ${JSON.stringify(m)}`);

  // Metrics that are not an evaluation (a speed probe) wired as the evaluation: an error naming the file and the fix.
  const wrong = writePipeline(
    dir,
    {
      name: 'parts-wrong',
      nodes: {
        data: pipeline.nodes.data,
        speed: { type: 'diagnostics/train-speed', with: { steps: 1, warmup: 0, batch: 2, size: 16 } },
        parts: { type: 'evaluate/parts', inputs: { dataset: 'data', evaluation: 'speed' } },
      },
    },
    'wrong.json',
  );
  const bad = await runCli([wrong, '--no-progress'], dir);
  assert.equal(bad.code, 1, bad.stderr + bad.stdout);
  assert.match(bad.stdout + bad.stderr, /evaluation\.json cannot be read/);
  assert.match(bad.stdout + bad.stderr, /wire an evaluate\/localization node/);
});
