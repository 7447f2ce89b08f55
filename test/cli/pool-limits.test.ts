/**
 * An absurd --jobs is capped to what the machine can hold (worker threads
 * per core and per memory), with one warning line that names the value, the
 * cap and why; the run then succeeds as with the cap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodesWith, runCli, tempDir, writePipeline } from '../helpers/cli.js';

test('--jobs 100000 on a small pipeline is capped with a one-line warning and succeeds', { timeout: 60_000 }, async () => {
  const dir = tempDir('wsol-jobs-');
  const file = writePipeline(dir, {
    name: 'jobs',
    nodes: {
      a: { type: 'util/concat', with: { text: 'a' } },
      b: { type: 'util/concat', with: { text: 'b' } },
      c: { type: 'util/concat', inputs: { a: 'a', b: 'b' }, with: { text: '.' } },
    },
  });
  const r = await runCli([file, '--jobs', '100000', '--json'], dir);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  assert.deepEqual(nodesWith(r, 'node-done'), ['a', 'b', 'c']);
  const warnings = r.events.filter((e) => e.event === 'warning').map((e) => String(e.message));
  const cap = warnings.find((m) => m.includes('--jobs 100000'));
  assert.ok(cap, `no cap warning in ${JSON.stringify(warnings)}`);
  assert.match(cap, /^--jobs 100000 is more worker threads than this machine can hold: using \d+ \(.*cores?.*memory.*\)$/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const plain = await runCli([file, '--jobs', '100000', '--force', 'c'], dir);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout + plain.stderr, /--jobs 100000 is more worker threads than this machine can hold: using \d+/);
});
