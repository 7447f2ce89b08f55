import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { actionKey, artifactDigest, canonicalJson } from '../../src/engine/keys.js';

test('canonical JSON sorts keys and drops whitespace (RFC 8785)', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1.5, y: 1e21 } }), '{"a":[true,null,"x"],"b":1,"c":{"y":1e+21,"z":1.5}}');
});

test('an action key can be checked by hand', () => {
  const material = { type: 'util/concat', version: 1, params: { text: 'hi' }, inputs: { in: ['ab'] }, env: {} };
  const byHand = createHash('sha256')
    .update('{"env":{},"inputs":{"in":["ab"]},"params":{"text":"hi"},"scheme":1,"type":"util/concat","version":1}')
    .digest('hex');
  assert.equal(actionKey(material), byHand);
  assert.equal(actionKey({ ...material, params: { text: 'hi' } }), byHand, 'key order does not matter');
  assert.notEqual(actionKey({ ...material, version: 2 }), byHand);
  assert.notEqual(actionKey({ ...material, env: { backend: 'wasm' } }), byHand);
});

test('an artifact digest depends on file contents, not listing order', () => {
  const a = { path: 'a.txt', size: 1, sha256: '00' };
  const b = { path: 'b/c.bin', size: 2, sha256: '11' };
  assert.equal(artifactDigest([a, b]), artifactDigest([b, a]));
  assert.notEqual(artifactDigest([a, b]), artifactDigest([a, { ...b, sha256: '12' }]));
});
