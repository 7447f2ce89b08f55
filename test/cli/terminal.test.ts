/** Output that fits the terminal, progress lines without one, and a quiet, honest start. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';
import { packagePath } from '../../src/paths.js';

/** Characters, not UTF-16 units: '…' and '✓' are one column each. */
function widest(text: string): number {
  return Math.max(...text.split('\n').map((l) => [...l].length));
}

function assertFits(text: string, width: number, what: string): void {
  const over = text.split('\n').filter((l) => [...l].length > width);
  assert.deepEqual(over, [], `${what}: lines over ${width} columns`);
}

const ABLATION = packagePath('pipelines/slt-net-ablation.json');

test('plan fits COLUMNS (100 when not a terminal) and groups a matrix node into one line with its count; --verbose lists each, --wide prints in full', async () => {
  const dir = tempDir();
  const cache = ['--cache', join(dir, 'cache')];
  const narrow = await runCli(['plan', ABLATION, ...cache], dir, { COLUMNS: '80' });
  assert.equal(narrow.code, 0, narrow.stderr);
  assertFits(narrow.stdout, 80, 'plan at COLUMNS=80');
  assert.match(narrow.stdout, /^localizer \(15 instances\)\s+train\/slt-localizer\s+to-run/m);
  assert.doesNotMatch(narrow.stdout, /localizer\[/);
  const plain = await runCli(['plan', ABLATION, ...cache], dir, { COLUMNS: '' });
  assertFits(plain.stdout, 100, 'plan without a terminal');
  const verbose = await runCli(['plan', ABLATION, ...cache, '--verbose', '--wide'], dir);
  const instances = verbose.stdout.split('\n').filter((l) => /^localizer\[/.test(l));
  assert.equal(instances.length, 15);
  // --wide: every row on one line, nothing elided.
  assert.ok(widest(verbose.stdout) > 100);
  assert.doesNotMatch(verbose.stdout, /…/);
  const json = await runCli(['plan', ABLATION, ...cache, '--json'], dir, { COLUMNS: '80' });
  assert.equal(json.events.filter((e) => e.event === 'plan').length, 47);
});

test('types and doctor fit COLUMNS; --wide gives the full lines; Dawn’s native warnings are kept for doctor --verbose', async () => {
  const dir = tempDir();
  const types = await runCli(['types'], dir, { COLUMNS: '80' });
  assert.equal(types.code, 0, types.stderr);
  assertFits(types.stdout, 80, 'types');
  const wide = await runCli(['types', '--wide'], dir, { COLUMNS: '80' });
  assert.ok(widest(wide.stdout) > 200);
  const doctor = await runCli(['doctor', '--probe-seconds', '0'], dir, { COLUMNS: '80' });
  assertFits(doctor.stdout, 80, 'doctor');
  assertFits(doctor.stderr, 80, 'doctor stderr');
  assert.doesNotMatch(doctor.stdout + doctor.stderr, /^Warning: |vkCreateInstance|XDG_RUNTIME_DIR/m);
  const verbose = await runCli(['doctor', '--probe-seconds', '0', '--verbose', '--wide'], dir);
  // What the native libraries printed is there on request (whatever this machine's drivers say).
  if (/native libraries printed/.test(doctor.stdout)) assert.match(verbose.stdout, /native output while probing/);
});

const longIds = {
  name: 'a-pipeline-whose-name-is-rather-long-too',
  nodes: {
    'a-source-node-with-a-very-long-identifier-that-goes-on-and-on': { type: 'util/concat', with: { text: 'S' } },
    sweep: {
      type: 'util/concat',
      inputs: { in: 'a-source-node-with-a-very-long-identifier-that-goes-on-and-on' },
      matrix: { text: ['a-long-matrix-value-number-one-that-makes-the-instance-id-long', 'a-long-matrix-value-number-two-ditto'] },
    },
  },
};

test('the run summary and status fit COLUMNS; --wide prints them in full', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, longIds);
  const run = await runCli([file], dir, { COLUMNS: '80' });
  assert.equal(run.code, 0, run.stderr);
  assertFits(run.stdout, 80, 'run');
  const status = await runCli(['status', file], dir, { COLUMNS: '80' });
  assert.equal(status.code, 0, status.stderr);
  assertFits(status.stdout, 80, 'status of a run');
  const recent = await runCli(['status'], dir, { COLUMNS: '80' });
  assertFits(recent.stdout, 80, 'status');
  const wide = await runCli(['status', file, '--wide'], dir, { COLUMNS: '80' });
  assert.match(wide.stdout, /^sweep\[text=a-long-matrix-value-number-one-that-makes-the-instance-id-long\]\s+done/m);
  const again = await runCli([file, '--wide', '--force', 'sweep'], dir, { COLUMNS: '80' });
  assert.match(again.stdout, /✓ sweep\[text=a-long-matrix-value-number-one-that-makes-the-instance-id-long\]/);
});

test('without a terminal a running node prints a progress line at the --progress-every interval; the backend line is information, not a warning', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, { name: 'slow', nodes: { nap: { type: 'util/sleep', with: { ms: 1500 } } } });
  const run = await runCli([file, '--progress-every', '0.2'], dir);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^… nap {2}\S+ {2}\d+\/1500 ms · \d+% · ETA \S+$/m);
  const env = await runCli([file, '--force', 'nap'], dir, { WSOL_RUN_PROGRESS_EVERY: '0.2' });
  assert.match(env.stdout, /^… nap /m);
  const tensor = writePipeline(
    dir,
    { name: 'speed', nodes: { speed: { type: 'diagnostics/train-speed', with: { steps: 1, warmup: 0, batch: 2, size: 16 } } } },
    't.json',
  );
  const backend = await runCli([tensor], dir);
  assert.equal(backend.code, 0, backend.stderr);
  assert.doesNotMatch(backend.stdout, /^! backend/m);
  assert.match(backend.stdout, /^backend \S+ \(/m);
  const json = await runCli([tensor, '--json'], dir);
  assert.ok(json.events.some((e) => e.event === 'info' && /^backend /.test(String(e.message))));
  const bad = await runCli([file, '--progress-every', 'soon'], dir);
  assert.equal(bad.code, 2);
});

test('an unknown verb close to a known one is named as such (exit 2), not taken for a missing pipeline', async () => {
  const dir = tempDir();
  const r = await runCli(['stauts'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'stauts': did you mean status\?/);
  assert.doesNotMatch(r.stderr, /pipeline file not found|\n\s+at /);
  const far = await runCli(['pipeline-that-is-not-here.json'], dir);
  assert.equal(far.code, 2);
  assert.match(far.stderr, /pipeline file not found/);
  const planned = await runCli(['plna'], dir);
  assert.match(planned.stderr, /did you mean plan\?/);
});

test('plan gives a matrix node below another one reason: the upstream instances its instances name are compared as one', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, {
    name: 'chain',
    nodes: {
      src: { type: 'util/concat', matrix: { text: ['a', 'b', 'c'] } },
      down: { type: 'util/concat', inputs: { in: 'src' } },
    },
  });
  const r = await runCli(['plan', file], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^down \(3 instances\)\s+util\/concat\s+to-run\s+upstream 'src\[…\]' will run/m);
  assert.doesNotMatch(r.stdout, /other reasons/);
});
