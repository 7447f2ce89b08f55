/**
 * Every exported interface and type alias under src/ carries a JSDoc comment
 * directly above it (no blank line between), saying what the type is for,
 * checked on the TypeScript syntax tree. A file's header comment followed by
 * a blank line does not count for the declaration after it. No exceptions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import ts from 'typescript';
import { packagePath } from '../../src/paths.js';
import { typeScriptSources } from '../helpers/sources.js';

const SRC = packagePath('src');

function exported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** Whether the last JSDoc comment before `node` has text and ends on the line above it, or the line before that ends it. */
function documented(node: ts.Node, text: string): boolean {
  const last = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc).at(-1);
  if (!last) return false;
  const words = [ts.getTextOfJSDocComment(last.comment), ...(last.tags ?? []).map((t) => ts.getTextOfJSDocComment(t.comment))].join(' ').trim();
  return words !== '' && /^[^\S\n]*\n?[^\S\n]*$/.test(text.slice(last.end, node.getStart()));
}

/** Names of the exported interfaces and type aliases of a file that have no JSDoc comment directly above them. */
function undocumentedTypes(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  return source.statements
    .filter((s): s is ts.InterfaceDeclaration | ts.TypeAliasDeclaration => ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s))
    .filter((s) => exported(s) && !documented(s, text))
    .map((s) => s.name.text);
}

test('every exported interface and type alias under src/ has a JSDoc comment directly above it', () => {
  const missing = typeScriptSources(SRC).flatMap((file) => {
    const rel = relative(SRC, file).split(sep).join('/');
    return undocumentedTypes(file, readFileSync(file, 'utf8')).map((name) => `${rel}:${name}`);
  });
  assert.deepEqual(missing, [], `exported types without a JSDoc comment (say what the type is for, in one line above it):\n${missing.join('\n')}`);
});

test('the detector tells documented exported types from undocumented ones', () => {
  const text = [
    '/** A file header, followed by a blank line: it documents no declaration. */',
    '',
    'export interface AfterHeader { a: number }',
    '/** Boxes of one image, in pixels. */',
    'export type Documented = number[];',
    'export interface Undocumented { b: string }',
    '// A line comment is not JSDoc.',
    'export type LineComment = string;',
    '/** */',
    'export type EmptyComment = boolean;',
    'type Internal = string;',
    'interface AlsoInternal { c: Internal }',
  ].join('\n');
  assert.deepEqual(undocumentedTypes('x.ts', text), ['AfterHeader', 'Undocumented', 'LineComment', 'EmptyComment']);
});
