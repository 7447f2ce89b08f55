/**
 * Cancellation has a deadline: a node that ignores the cancel signal is
 * stopped when WSOL_RUN_CANCEL_GRACE_MS has passed, and a thread that cannot
 * even be terminated (blocked in a system call: here a read of a FIFO nobody
 * writes) is abandoned. The node is reported cancelled, nothing of it is
 * cached, and Ctrl-C still ends the process at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { nodesWith, runCli, startCli, tempDir, writePipeline, type CliResult } from '../helpers/cli.js';

const PLUGIN = fileURLToPath(new URL('../plugins/fifo-plugin.js', import.meta.url));

test('Ctrl-C on a node blocked reading a FIFO: the node is cancelled after the grace period, the process exits, nothing is cached', {
  timeout: 60_000,
}, async () => {
  const dir = tempDir('wsol-fifo-');
  const fifo = join(dir, 'pipe');
  const made = spawnSync('mkfifo', [fifo]);
  assert.equal(made.status, 0, String(made.stderr));
  const file = writePipeline(dir, {
    name: 'fifo',
    plugins: [PLUGIN],
    nodes: {
      stuck: { type: 'test/fifo-read', with: { path: fifo } },
      after: { type: 'util/concat', inputs: { in: 'stuck' }, with: { text: '.' } },
    },
  });
  const run = startCli([file, '--json', '--jobs', '1'], dir, { WSOL_RUN_CANCEL_GRACE_MS: '500' });
  await new Promise<void>((resolve) => run.onStdoutLine((l) => l.includes('"node-log"') && l.includes(`reading ${fifo}`) && resolve()));
  run.child.kill('SIGINT');
  const r = await Promise.race([run.done, delay(30_000, undefined, { ref: false })]);
  if (!r) {
    run.child.kill('SIGKILL');
    await run.done;
    assert.fail('the run was still going 30 s after Ctrl-C: its node blocked in a read of a FIFO was never stopped');
  }
  const cancelled: CliResult = r;
  // Ended by Ctrl-C: exit status 130 (as a shell shows it, also when the process ends by the signal itself).
  assert.ok(cancelled.code === 130 || cancelled.signal === 'SIGINT', `code ${cancelled.code}, signal ${cancelled.signal}\n${cancelled.stderr}`);
  assert.deepEqual(nodesWith(cancelled, 'node-cancelled'), ['stuck'], cancelled.stdout);
  assert.deepEqual(nodesWith(cancelled, 'node-skipped'), ['after']);
  assert.equal((cancelled.events.find((e) => e.event === 'run-done') as { status: string } | undefined)?.status, 'cancelled');
  assert.match(cancelled.stderr, /did not stop/);
  assert.deepEqual(readdirSync(join(dir, 'cache', 'tmp')), [], 'no half-written output is left behind');

  const plan = await runCli(['plan', file], dir);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /stuck\s+test\/fifo-read\s+to-run/, 'nothing was cached for the cancelled node');
});
