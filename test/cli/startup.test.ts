import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, tempDir, writePipeline } from '../helpers/cli.js';

/** Runs the CLI with a module-resolution hook that logs every module it loads. */
function loadedModules(args: string[], cwd: string): string[] {
  const log = join(cwd, 'modules.log');
  writeFileSync(log, '');
  const hooks = join(cwd, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  const register = join(cwd, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, BIN, ...args], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

test('start-up stays light: a no-op run loads neither the worker pool nor ajv', () => {
  const dir = tempDir();
  const file = writePipeline(dir, { name: 'light', nodes: { a: { type: 'util/concat', with: { text: 'x' } } } });
  const cold = loadedModules([file], dir);
  assert.ok(
    cold.some((u) => u.includes('/piscina/')),
    'a run that executes a node loads the pool',
  );
  const noop = loadedModules([file], dir);
  assert.ok(!noop.some((u) => u.includes('/piscina/')), 'a fully cached run starts no workers');
  assert.ok(!noop.some((u) => u.includes('/ajv/dist/2020')), 'validators are precompiled');
  assert.ok(!noop.some((u) => u.includes('tfjs')), 'no tensor library in the CLI process');
});
