/**
 * The command `import` suggests next is the one that reuses what it brought:
 * it repeats `--cache` and the overrides the bundle's lock was made with.
 * (A probe: "next: wsol-run …: nothing runs", but `plan` there said "10 to
 * run" for a bundle made with overrides.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

test("import's next command repeats --cache and the bundle's overrides, and running it runs nothing", async () => {
  const home = tempDir('wsol-import-next-home-');
  const file = writePipeline(
    home,
    { name: 'shared', nodes: { a: { type: 'util/concat', with: { text: 'a\n' } }, b: { type: 'util/concat', inputs: { in: 'a' }, with: { text: 'b\n' } } } },
    'shared.json',
  );
  // A lock written for a configuration with an override (recorded on purpose).
  const made = await runCli([file, '--set', 'a.text=other words', '--update-lock'], home);
  assert.equal(made.code, 0, made.stderr);
  const bundle = join(home, 'shared.tar.gz');
  const exported = await runCli(['export', file, '--results', 'all', '-o', bundle], home);
  assert.equal(exported.code, 0, exported.stderr);

  const there = tempDir('wsol-import-next-there-');
  const imported = await runCli(['import', bundle, '--cache', 'elsewhere-cache'], there);
  assert.equal(imported.code, 0, imported.stderr);
  const next = /next: wsol-run (.+?) {3}\(/.exec(imported.stdout)?.[1];
  assert.equal(next, "shared.json --cache elsewhere-cache --set 'a.text=other words'");
  const args = ['shared.json', '--cache', 'elsewhere-cache', '--set', 'a.text=other words', '--json'];
  const rerun = await runCli(args, there);
  assert.equal(rerun.code, 0, rerun.stderr);
  const done = rerun.events.find((e) => e.event === 'run-done') as { counts: { ran: number; cached: number } };
  assert.deepEqual([done.counts.ran, done.counts.cached], [0, 2], 'the suggested command reuses both imported results');
});
