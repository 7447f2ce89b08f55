import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { WsolError, type Diagnostic } from '../diagnostics.js';
import type { JsonValue } from '../../nodes/contract.js';

/** A parsed JSON document that can say where a JSON pointer sits in the text. */
export interface JsonSource {
  file: string;
  value: JsonValue;
  /** 1-based line/column of the value at `pointer` (or of its closest existing parent). */
  locate(pointer: string): { line: number; column: number } | undefined;
  /** A diagnostic located at `pointer`. */
  at(pointer: string, message: string, extra?: Omit<Diagnostic, 'message' | 'file' | 'pointer'>): Diagnostic;
}

export function pointerToPath(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pathToPointer(path: readonly (string | number)[]): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function describeParseError(e: ParseError): string {
  const names: Record<string, string> = {
    InvalidSymbol: 'invalid symbol',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value',
    ColonExpected: "expected ':'",
    CommaExpected: "expected ',' (or a missing closing bracket)",
    CloseBraceExpected: "expected '}'",
    CloseBracketExpected: "expected ']'",
    EndOfFileExpected: 'unexpected content after the end of the JSON value',
    InvalidCommentToken: 'comments are not allowed in JSON',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character (control characters must be escaped in strings)',
  };
  const code = printParseErrorCode(e.error);
  return names[code] ?? code;
}

/** Rejects objects that repeat a key: JSON.parse would silently keep the last one. */
function findDuplicateKeys(node: JsonNode, path: (string | number)[], out: { pointer: string; offset: number; key: string }[]): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const keyNode = prop.children?.[0];
      const valueNode = prop.children?.[1];
      if (!keyNode) continue;
      const key = String(keyNode.value);
      if (seen.has(key)) out.push({ pointer: pathToPointer([...path, key]), offset: keyNode.offset, key });
      seen.add(key);
      if (valueNode) findDuplicateKeys(valueNode, [...path, key], out);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => findDuplicateKeys(child, [...path, i], out));
  }
}

/** The node at a pointer's segments; array indices arrive as strings. */
function nodeAt(root: JsonNode, segments: readonly string[]): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const segment of segments) {
    if (!node) return undefined;
    if (node.type === 'object') {
      const prop: JsonNode | undefined = node.children?.find((p) => p.children?.[0]?.value === segment);
      node = prop?.children?.[1];
    } else if (node.type === 'array' && /^\d+$/.test(segment)) {
      node = node.children?.[Number(segment)];
    } else {
      return undefined;
    }
  }
  return node;
}

/** Parses strict JSON; syntax errors and duplicate keys become located diagnostics. */
export function parseJsonSource(text: string, file: string, what = 'JSON'): JsonSource {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !tree) {
    const first = errors[0];
    const pos = lineColumn(text, first?.offset ?? 0);
    throw new WsolError({
      file,
      ...pos,
      message: `${what} is not valid JSON: ${first ? describeParseError(first) : 'empty file'}`,
      hint: 'fix the syntax at the line and column shown (JSON allows no comments and no trailing commas)',
    });
  }
  const duplicates: { pointer: string; offset: number; key: string }[] = [];
  findDuplicateKeys(tree, [], duplicates);
  if (duplicates.length > 0) {
    throw new WsolError(
      duplicates.map((d) => ({
        file,
        ...lineColumn(text, d.offset),
        pointer: d.pointer,
        message: d.pointer.startsWith('/nodes/') && d.pointer.split('/').length === 3
          ? `duplicate node id '${d.key}'`
          : `duplicate key '${d.key}'`,
        hint: 'each key may appear once in an object; rename or remove one of them',
      })),
    );
  }
  const value = JSON.parse(text) as JsonValue;
  const locate = (pointer: string): { line: number; column: number } | undefined => {
    let path = pointerToPath(pointer);
    while (true) {
      const node = nodeAt(tree, path);
      if (node) {
        // Point at the property key when there is one: that is what a user looks for.
        const keyNode = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
        return lineColumn(text, (keyNode ?? node).offset);
      }
      if (path.length === 0) return undefined;
      path = path.slice(0, -1);
    }
  };
  return {
    file,
    value,
    locate,
    at: (pointer, message, extra) => ({ file, pointer, message, ...locate(pointer), ...extra }),
  };
}
