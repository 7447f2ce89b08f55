/**
 * `wsol-run run PIPELINE NODE…` runs those nodes and their ancestors only;
 * `plan` with targets lists the same; `--force-all` re-runs everything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nodesWith, runCli, tempDir, writePipeline } from '../helpers/cli.js';

const chain = {
  name: 'chain',
  nodes: {
    a: { type: 'util/concat', with: { text: 'A\n' } },
    b: { type: 'util/concat', inputs: { in: 'a' }, with: { text: 'B\n' } },
    c: { type: 'util/concat', inputs: { in: 'b' }, with: { text: 'C\n' } },
    other: { type: 'util/concat', with: { text: 'O\n' } },
    loc: { type: 'util/concat', inputs: { in: 'a' }, matrix: { text: ['x', 'y'] } },
  },
};

test('run with a target runs it and its ancestors only; plan with the target lists the same', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, chain);
  const plan = await runCli(['plan', file, 'b', '--json'], dir);
  assert.equal(plan.code, 0, plan.stderr);
  assert.deepEqual(nodesWith(plan, 'plan'), ['a', 'b']);
  const r = await runCli(['run', file, 'b', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(nodesWith(r, 'node-done'), ['a', 'b']);
  // The default verb takes targets too.
  const again = await runCli([file, 'c', '--json'], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(nodesWith(again, 'node-start'), ['c']);
});

test('a target is an instance id, or a declared id meaning all its instances', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, chain);
  const one = await runCli(['plan', file, 'loc[text=y]', '--json'], dir);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(nodesWith(one, 'plan'), ['a', 'loc[text=y]']);
  const all = await runCli(['plan', file, 'loc', '--json'], dir);
  assert.deepEqual(nodesWith(all, 'plan'), ['a', 'loc[text=x]', 'loc[text=y]']);
});

test('an unknown target is an error with a suggestion', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, chain);
  const r = await runCli(['run', file, 'othr'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /othr: no such node.*did you mean 'other'/i);
});

test('--force-all re-runs every cached node', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, chain);
  assert.equal((await runCli([file], dir)).code, 0);
  const plan = await runCli(['plan', file, '--force-all', '--json'], dir);
  assert.equal(plan.code, 0, plan.stderr);
  assert.equal(plan.events.filter((e) => e.event === 'plan' && e.status === 'to-run').length, 6);
  const r = await runCli([file, '--force-all', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(nodesWith(r, 'node-start'), ['a', 'b', 'c', 'loc[text=x]', 'loc[text=y]', 'other']);
});

test("a run of some targets records the whole pipeline's environment in the lock", async () => {
  const dir = tempDir();
  const file = writePipeline(dir, {
    ...chain,
    nodes: {
      ...chain.nodes,
      shapes: { type: 'dataset/synthetic-shapes' },
      net: { type: 'train/classifier', inputs: { dataset: 'shapes' }, with: { epochs: 1 } },
    },
  });
  assert.equal((await runCli([file, 'other'], dir)).code, 0);
  const lockPath = `${file.slice(0, -'.json'.length)}.lock.json`;
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { env: Record<string, string>; nodes: Record<string, unknown> };
  assert.ok(lock.env.backend, `the backend of the untargeted trainer is recorded: ${JSON.stringify(lock.env)}`);
  assert.deepEqual(Object.keys(lock.nodes), ['other']);
});
