/**
 * No function under src/ is longer than MAX_LINES lines, checked on the
 * TypeScript syntax tree (declarations, methods, arrow functions and function
 * expressions alike; a function's nested functions count towards its own
 * length). The functions over the limit today are listed by name below: the
 * list may only shrink. A listed function that got short enough, or no
 * longer exists, fails the test until it is taken off the list, and so does
 * a new long function.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import ts from 'typescript';
import { packagePath } from '../../src/paths.js';
import { typeScriptSources } from '../helpers/sources.js';

const MAX_LINES = 100;

/** `file:function` of the functions over MAX_LINES lines that remain to be cut up (Step 19). Only ever remove entries. */
const ALLOWED = new Set<string>([
  'engine/bundle/import.ts:importBundle',
  'engine/load/load-pipeline.ts:expandNode',
  'engine/run/scheduler.ts:schedule',
  'reports/html/report.ts:buildHtmlReport',
]);

const SRC = packagePath('src');

/** A readable name: the declared name, or the variable / property / call the function is assigned or passed to. */
function nameOf(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && (ts.isIdentifier(named.name) || ts.isPrivateIdentifier(named.name) || ts.isStringLiteral(named.name))) return named.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && (ts.isIdentifier(parent.name) || ts.isStringLiteral(parent.name))) return parent.name.text;
  if (parent && ts.isCallExpression(parent)) return `(argument of ${parent.expression.getText().slice(0, 40)})`;
  return '(anonymous)';
}

/** Every function of a file with its length in lines. */
function functionLengths(file: string, text: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ name: nameOf(node), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

test(`no function under src/ is longer than ${MAX_LINES} lines (beyond a list that only shrinks)`, () => {
  const long = new Map<string, number>();
  for (const file of typeScriptSources(SRC)) {
    const rel = relative(SRC, file).split(sep).join('/');
    for (const f of functionLengths(file, readFileSync(file, 'utf8'))) if (f.lines > MAX_LINES) long.set(`${rel}:${f.name}`, f.lines);
  }
  const added = [...long].filter(([id]) => !ALLOWED.has(id)).map(([id, n]) => `${id} (${n} lines)`);
  const shrunk = [...ALLOWED].filter((id) => !long.has(id));
  assert.deepEqual(added, [], `functions over ${MAX_LINES} lines: cut them up (a long function is a knot of responsibilities)`);
  assert.deepEqual(shrunk, [], `these are ${MAX_LINES} lines or less now (or gone): take them off ALLOWED`);
});

test('the measure sees every kind of function, nested ones included', () => {
  const text = [
    'function a() {',
    '  const b = () => {',
    '    return 1;',
    '  };',
    '}',
    'class C { m() {\n return 2;\n } }',
    'const d = function () {};',
    'run(async () => {\n\n});',
  ].join('\n');
  assert.deepEqual(
    functionLengths('x.ts', text).map((f) => `${f.name}:${f.lines}`),
    ['a:5', 'b:3', 'm:3', 'd:1', '(argument of run):3'],
  );
});
