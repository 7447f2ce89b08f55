/** `--run ID` on the verbs that read a pipeline means that run's configuration (its --set overrides, plugins and backend). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

test("--run ID makes show and plan mean that experiment's configuration; a run of another pipeline or no such run is exit 2", async () => {
  const dir = tempDir('wsol-run-option-');
  const nodes = { a: { type: 'util/concat', with: { text: 'a\n' } }, b: { type: 'util/concat', inputs: { in: 'a' }, with: { text: 'b\n' } } };
  const file = writePipeline(dir, { name: 'p', nodes }, 'p.json');
  const other = writePipeline(dir, { name: 'q', nodes }, 'q.json');
  assert.equal((await runCli([file], dir)).code, 0);
  const trial = await runCli([file, '--set', 'a.text=trial', '--json'], dir);
  assert.equal(trial.code, 0, trial.stderr);
  const runId = String(trial.events.find((e) => e.event === 'run-start')!.runId);

  const committed = (await runCli(['show', file, 'b', '--path'], dir)).stdout.trim();
  const bySet = (await runCli(['show', file, 'b', '--path', '--set', 'a.text=trial'], dir)).stdout.trim();
  const byRun = await runCli(['show', file, 'b', '--path', '--run', runId.slice(0, 20)], dir);
  assert.equal(byRun.code, 0, byRun.stderr);
  assert.notEqual(bySet, committed);
  assert.equal(byRun.stdout.trim(), bySet, "the run's result, not the lock's");

  const plan = await runCli(['plan', file, '--run', runId, '--json'], dir);
  assert.equal(plan.code, 0, plan.stderr);
  const statuses = plan.events.filter((e) => e.event === 'plan').map((e) => e.status);
  assert.deepEqual(statuses, ['cached', 'cached'], plan.stdout);

  const wrong = await runCli(['show', other, 'b', '--run', runId], dir);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /ran .*p\.json, not .*q\.json/);
  const none = await runCli(['show', file, 'b', '--run', 'nosuchrun'], dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no run 'nosuchrun'/);
});
