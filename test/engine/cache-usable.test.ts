/**
 * Environment errors on a cache root become errors that name the path and
 * the fix (exit 2), whatever the file system says: a read-only mount, no
 * permission, a full disk. (Tests run as root, where permission bits do not
 * stop a write, so the mapping is tested here with the errors the system
 * gives; the CLI test covers a file in the way for real.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheUnusable } from '../../src/engine/cache/store.js';
import { WsolError } from '../../src/engine/diagnostics.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something`), { code });

test('EROFS, EACCES, EPERM, ENOSPC, ENOTDIR on the cache become located errors with the fix', () => {
  for (const [code, pattern] of [
    ['EROFS', /read-only file system/],
    ['EACCES', /no permission/],
    ['EPERM', /no permission/],
    ['ENOSPC', /no space left/],
    ['ENOTDIR', /a file is in the way/],
  ] as const) {
    const e = cacheUnusable('/mnt/cache', errno(code));
    assert.ok(e instanceof WsolError, code);
    assert.equal(e.exitCode, 2);
    assert.equal(e.diagnostics[0]!.file, '/mnt/cache');
    assert.match(e.diagnostics[0]!.message, pattern);
    assert.match(e.diagnostics[0]!.hint ?? '', /--cache|gc/);
  }
  const other = errno('EIO');
  assert.equal(cacheUnusable('/mnt/cache', other), other, 'an unknown failure stays what it is');
});
