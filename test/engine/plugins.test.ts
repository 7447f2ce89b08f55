import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkPluginHashes, loadPlugins, pluginRef } from '../../src/nodes/plugins.js';
import { isUserError, UserError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/cli.js';

const API = pathToFileURL(new URL('../../src/plugin-api.js', import.meta.url).pathname).href;

test("a plugin's hash covers the files it imports by relative path, and a worker notices an edit", () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', 'part.js'), 'export const scale = 1;\n');
  writeFileSync(join(dir, 'entry.js'), "import { scale } from './lib/part.js';\nexport default { name: 'p', scale };\n");
  const before = pluginRef('entry.js', dir);
  assert.equal(pluginRef('./entry.js', dir).sha256, before.sha256, 'the same files hash the same');
  checkPluginHashes([before]);
  writeFileSync(join(dir, 'lib', 'part.js'), 'export const scale = 2;\n');
  const after = pluginRef('entry.js', dir);
  assert.notEqual(after.sha256, before.sha256, 'an imported file is part of the hash');
  assert.throws(
    () => checkPluginHashes([before]),
    (e: unknown) => isUserError(e) && /changed after this run started/.test(e.message),
  );
  assert.throws(() => pluginRef('missing.js', dir), /not found/);
});

test('a plugin may not take a registered or reserved name, and registers nothing when it tries', async () => {
  const dir = tempDir();
  const file = join(dir, 'bad.js');
  writeFileSync(
    file,
    `import { definePlugin, defineHead, defineMapMethod } from '${API}';
export default definePlugin({
  name: 'bad',
  heads: [defineHead({ kind: 'fresh-head', description: '', params: {}, provides: [], build: () => ({ apply: () => ({}) }) })],
  mapMethods: [
    defineMapMethod({ name: 'cam', description: '', params: {}, needs: [], label: () => 'x', compute: () => { throw new Error('unused'); } }),
    defineMapMethod({ name: 'other', description: '', params: { layer: { type: 'string' } }, needs: [], label: () => 'x', compute: () => { throw new Error('unused'); } }),
  ],
});
`,
  );
  await assert.rejects(loadPlugins([pluginRef('bad.js', dir).url]), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /map method 'cam' is already registered/);
    assert.match(e.message, /'layer', a param of maps\/cam itself/);
    return true;
  });
  const { headKinds } = await import('../../src/tensor/models/heads/registry.js');
  assert.ok(!headKinds().includes('fresh-head'), 'nothing of a rejected plugin is registered');
});
