import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WsolError } from '../../src/engine/diagnostics.js';
import { mayHaveDuplicateKeys, parseJsonSource } from '../../src/engine/load/json-source.js';

test('locate() maps JSON pointers to lines and columns', () => {
  const src = parseJsonSource('{\n  "nodes": {\n    "a": { "with": [1, {"x": 2}] }\n  }\n}', 'f.json');
  assert.deepEqual(src.locate('/nodes/a'), { line: 3, column: 5 });
  assert.deepEqual(src.locate('/nodes/a/with/1/x'), { line: 3, column: 25 });
  assert.deepEqual(src.locate('/nodes/a/missing'), { line: 3, column: 5 }, 'falls back to the closest parent');
});

test('duplicate keys anywhere are reported with their pointer', () => {
  assert.throws(
    () => parseJsonSource('{"a": [{"x": 1, "y": 2, "x": 3}]}', 'f.json'),
    (e: unknown) => e instanceof WsolError && e.diagnostics[0]!.pointer === '/a/0/x' && /duplicate key 'x'/.test(e.message),
  );
});

test('the fast duplicate pre-check agrees with a full parse on random JSON', () => {
  const key = fc.constantFrom('a', 'b', 'c', 'a\\"', 'é', '"');
  const value = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.integer(),
      fc.string(),
      fc.array(tie('v'), { maxLength: 3 }),
      fc.array(fc.tuple(key, tie('v')), { maxLength: 4 }).map((entries) => ({ entries })),
    ),
  })).v;
  // Serialise objects by hand so that duplicate keys can occur in the text.
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(write).join(', ')}]`;
    if (v && typeof v === 'object' && 'entries' in v) {
      return `{${(v as { entries: [string, unknown][] }).entries.map(([k, x]) => `${JSON.stringify(k)} : ${write(x)}`).join(',')}}`;
    }
    return JSON.stringify(v);
  };
  const hasDuplicates = (v: unknown): boolean => {
    if (Array.isArray(v)) return v.some(hasDuplicates);
    if (v && typeof v === 'object' && 'entries' in v) {
      const entries = (v as { entries: [string, unknown][] }).entries;
      return new Set(entries.map(([k]) => k)).size !== entries.length || entries.some(([, x]) => hasDuplicates(x));
    }
    return false;
  };
  fc.assert(fc.property(value, (v) => mayHaveDuplicateKeys(write(v)) === hasDuplicates(v)));
  // The same key spelt with an escape, and keys compared only within their own object.
  assert.equal(mayHaveDuplicateKeys('{"a": 1, "\\u0061": 2}'), true);
  assert.equal(mayHaveDuplicateKeys('{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}]}'), false);
  assert.equal(mayHaveDuplicateKeys('{"a": 1, "b": {"c": 2}, "a"\n\t :3}'), true);
});
