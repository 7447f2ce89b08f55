/**
 * Bundles that carry plugins: `export --with-plugins` packs the single-file
 * plugin modules the pipeline names in "plugins" (under plugins/), and only
 * `import --plugins` writes them into --into, at the paths the pipeline
 * names, before the keys are recomputed. Without --plugins no code file is
 * written and the import says how to take them. A plugin member with a bad
 * name, one the index does not list, one the pipeline does not name, or a
 * file in the way with other bytes is refused with nothing written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { crafted, type Index, packWithIndex, sha, snapshot } from '../helpers/bundle.js';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

const PLUGIN_PATH = 'lib/shout-plugin.mjs';
const PLUGIN_MEMBER = `plugins/${PLUGIN_PATH}`;
const PLUGIN = `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const shout = {
  type: 'test/shout',
  version: 1,
  description: 'Writes out.txt = the text in capitals.',
  params: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
  inputs: {},
  output: 'text',
  async run(ctx) {
    writeFileSync(join(ctx.outDir, 'out.txt'), ctx.params.text.toUpperCase());
  },
};

export default { name: 'shout', nodes: [shout] };
`;

const pipeline = {
  name: 'shout',
  plugins: [`./${PLUGIN_PATH}`],
  nodes: {
    loud: { type: 'test/shout', with: { text: 'hello\n' } },
    note: { type: 'util/concat', with: { text: 'plain\n' } },
  },
};

/** Every file under a folder, relative to it. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => statSync(join(dir, p)).isFile()).sort();
}

/** The shout pipeline with its plugin beside it, run and exported with its results and its plugin. */
async function exported(extra: string[] = ['--with-plugins']): Promise<{ home: string; bundle: string; plugin: Buffer; run: string }> {
  const home = tempDir('wsol-plugins-home-');
  mkdirSync(join(home, 'lib'));
  writeFileSync(join(home, PLUGIN_PATH), PLUGIN);
  const file = writePipeline(home, pipeline, 'shout.json');
  const run = await runCli([file], home);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const bundle = join(home, 'shout.bundle.tar.gz');
  const r = await runCli(['export', file, '--results', 'all', '-o', bundle, ...extra], home);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return { home, bundle, plugin: Buffer.from(PLUGIN), run: r.stdout };
}

test('export --with-plugins packs the plugin; import --plugins into an empty folder writes it byte for byte and the run there executes nothing', async () => {
  const e = await exported();
  assert.match(e.run, /and 1 plugin\(s\) \(lib\/shout-plugin\.mjs\)/);
  const listed: string[] = [];
  await tar.t({ file: e.bundle, onReadEntry: (x) => listed.push(x.path) });
  assert.ok(listed.includes(PLUGIN_MEMBER), listed.join(', '));
  const root = tempDir('wsol-plugins-look-');
  await tar.x({ file: e.bundle, cwd: root });
  const index = JSON.parse(readFileSync(join(root, 'wsol-bundle.json'), 'utf8')) as Index;
  assert.deepEqual(
    index.members.find((m) => m.path === PLUGIN_MEMBER),
    { path: PLUGIN_MEMBER, size: e.plugin.length, sha256: sha(e.plugin) },
  );

  const fresh = tempDir('wsol-plugins-fresh-');
  const into = join(fresh, 'into');
  const r = await runCli(['import', e.bundle, '--into', into, '--plugins'], fresh);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /wrote 1 plugin\(s\) the bundle carries: .*lib\/shout-plugin\.mjs/);
  assert.deepEqual(files(into), ['lib/shout-plugin.mjs', 'shout.json', 'shout.lock.json']);
  assert.ok(readFileSync(join(into, PLUGIN_PATH)).equals(e.plugin), 'the plugin is byte-identical');
  const again = await runCli([join(into, 'shout.json'), '--json'], fresh);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.ok(!again.events.some((x) => x.event === 'node-start'), 'nothing runs');
  assert.deepEqual(
    again.events
      .filter((x) => x.event === 'node-cached')
      .map((x) => x.node)
      .sort(),
    ['loud', 'note'],
  );
  // Importing the same bundle again finds the identical plugin there and is fine.
  const twice = await runCli(['import', e.bundle, '--into', into, '--plugins'], fresh);
  assert.equal(twice.code, 0, twice.stdout + twice.stderr);
});

test('import without --plugins writes no code file and says how to take them', async () => {
  const e = await exported();
  // Into an empty folder: the pipeline cannot load without its plugin, and the error says --plugins.
  const fresh = tempDir('wsol-plugins-noopt-');
  const into = join(fresh, 'into');
  const r = await runCli(['import', e.bundle, '--into', into], fresh);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /the bundle carries 1 plugin\(s\) \(lib\/shout-plugin\.mjs\).*--plugins/s);
  assert.deepEqual(files(into), [], 'no file written');
  assert.deepEqual(snapshot(join(fresh, 'cache')), [], 'nothing entered the cache');
  // With the plugin already there (the user's own copy), it imports as before and says what the bundle carries.
  mkdirSync(join(into, 'lib'), { recursive: true });
  writeFileSync(join(into, PLUGIN_PATH), PLUGIN);
  const ok = await runCli(['import', e.bundle, '--into', into], fresh);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /the bundle carries 1 plugin\(s\) \(lib\/shout-plugin\.mjs\), not written: .*--plugins/);
  assert.deepEqual(files(into), ['lib/shout-plugin.mjs', 'shout.json', 'shout.lock.json']);
  // A bundle exported without --with-plugins carries none.
  const plain = await exported([]);
  assert.match(plain.run, /--with-plugins/);
  const listed: string[] = [];
  await tar.t({ file: plain.bundle, onReadEntry: (x) => listed.push(x.path) });
  assert.ok(!listed.some((p) => p.startsWith('plugins/')), listed.join(', '));
});

test('a plugin member named ../evil.js or .bashrc, one not in the index, or one the pipeline does not name is refused and nothing is written', async () => {
  const e = await exported();
  const bad: [string, string, RegExp][] = [];
  // plugins/../evil.js, listed in the index as such.
  {
    const root = tempDir('wsol-plugins-evil-');
    await tar.x({ file: e.bundle, cwd: root });
    const index = JSON.parse(readFileSync(join(root, 'wsol-bundle.json'), 'utf8')) as Index;
    renameSync(join(root, PLUGIN_MEMBER), join(root, 'evil.js'));
    const rest = files(root).filter((p) => p !== 'wsol-bundle.json' && p !== 'evil.js');
    const paths = [...rest, 'plugins/../evil.js'];
    bad.push(['../evil.js', await packWithIndex(root, index, paths, paths, 'plugins-raw'), /refused: .*plugins\/\.\.\/evil\.js/]);
  }
  // plugins/.bashrc.
  bad.push([
    '.bashrc',
    await crafted(e.bundle, (root) => renameSync(join(root, PLUGIN_MEMBER), join(root, 'plugins', '.bashrc'))),
    /refused: .*plugins\/\.bashrc.*(dot file|not a plain relative path)/,
  ]);
  // A plugins/ member the index does not list.
  bad.push([
    'unlisted',
    await crafted(e.bundle, (root) => writeFileSync(join(root, 'plugins', 'extra.mjs'), 'export default {};\n'), { unlisted: ['plugins/extra.mjs'] }),
    /refused: member plugins\/extra\.mjs is not in its index; nothing was unpacked/,
  ]);
  // Listed, well named, but not a plugin the pipeline names.
  bad.push([
    'not named',
    await crafted(e.bundle, (root) => writeFileSync(join(root, 'plugins', 'other.mjs'), 'export default {};\n')),
    /refused: member plugins\/other\.mjs is not a plugin its pipeline names/,
  ]);
  // The plugin's bytes altered (index brought up to date): its hash is not the one in the keys.
  bad.push([
    'altered',
    await crafted(e.bundle, (root) => writeFileSync(join(root, PLUGIN_MEMBER), PLUGIN.replace('toUpperCase()', "toUpperCase() + '!'"))),
    /refused: 2 result\(s\) are filed under keys its pipeline does not give: loud: .*; note: /,
  ]);
  for (const [what, bundle, message] of bad) {
    const fresh = tempDir('wsol-plugins-bad-');
    const into = join(fresh, 'into');
    const r = await runCli(['import', bundle, '--into', into, '--plugins'], fresh);
    assert.equal(r.code, 2, `${what}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
    assert.deepEqual(files(into), [], `${what}: nothing written into --into`);
    assert.deepEqual(
      files(fresh).filter((p) => !p.startsWith('cache/')),
      [],
      `${what}: nothing written beside it`,
    );
    assert.deepEqual(snapshot(join(fresh, 'cache')), [], `${what}: nothing entered the cache`);
  }
});

test('an existing file with other bytes at the plugin path is refused, naming it, and nothing is written', async () => {
  const e = await exported();
  const fresh = tempDir('wsol-plugins-clash-');
  const into = join(fresh, 'into');
  mkdirSync(join(into, 'lib'), { recursive: true });
  writeFileSync(join(into, PLUGIN_PATH), '// my own plugin\nexport default { name: "mine" };\n');
  const r = await runCli(['import', e.bundle, '--into', into, '--plugins'], fresh);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /lib\/shout-plugin\.mjs: exists with other content than the plugin the bundle brings/);
  assert.equal(readFileSync(join(into, PLUGIN_PATH), 'utf8'), '// my own plugin\nexport default { name: "mine" };\n');
  assert.deepEqual(files(into), ['lib/shout-plugin.mjs']);
  assert.deepEqual(snapshot(join(fresh, 'cache')), []);
});

test('export --with-plugins refuses a plugin outside the pipeline folder or one that imports relative files, naming it and the fix', async () => {
  const home = tempDir('wsol-plugins-refuse-');
  const dir = join(home, 'project');
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(home, 'outside.mjs'), PLUGIN);
  writeFileSync(join(dir, 'lib', 'helper.mjs'), 'export const upper = (s) => s.toUpperCase();\n');
  writeFileSync(join(dir, PLUGIN_PATH), `import { upper } from './helper.mjs';\n${PLUGIN.replace('ctx.params.text.toUpperCase()', 'upper(ctx.params.text)')}`);
  for (const [plugin, message] of [
    ['../outside.mjs', /plugin \.\.\/outside\.mjs: .*not inside or beside the pipeline's folder/],
    [`./${PLUGIN_PATH}`, /plugin \.\/lib\/shout-plugin\.mjs: it imports \.\/helper\.mjs by a relative path/],
  ] as const) {
    const file = writePipeline(dir, { ...pipeline, plugins: [plugin] }, 'shout.json');
    assert.equal((await runCli([file], home)).code, 0);
    const out = join(home, 'out.tar.gz');
    const r = await runCli(['export', file, '--results', 'all', '--with-plugins', '-o', out], home);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /hint: .*(single file|export without --with-plugins)/);
    assert.ok(!existsSync(out), 'no bundle written');
  }
});
