import { parseTree, printParseErrorCode, visit, type Node as JsonNode, type ParseError } from 'jsonc-parser';
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
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
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

/**
 * Fast pre-check on text JSON.parse already accepted: does any object repeat
 * a key? A plain character scan, ~30x cheaper than a full jsonc visit; only
 * when it says yes does findDuplicateKeys run to locate the duplicates.
 */
export function mayHaveDuplicateKeys(text: string): boolean {
  // One frame per open object or array: undefined for an array; for an object, its keys so far
  // (made at its second key: most objects of a pipeline or lock have one or two).
  const stack: (Set<string> | string | null | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) stack.push(null);
    else if (c === 91 /* [ */) stack.push(undefined);
    else if (c === 125 /* } */ || c === 93 /* ] */) stack.pop();
    else if (c === 34 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; text.charCodeAt(i) !== 34; i++)
        if (text.charCodeAt(i) === 92 /* \\ */) {
          escaped = true;
          i++;
        }
      const top = stack.length - 1;
      const keys = stack[top];
      if (keys === undefined) continue;
      let j = i + 1;
      for (let w = text.charCodeAt(j); w === 32 || w === 10 || w === 13 || w === 9; w = text.charCodeAt(++j));
      if (text.charCodeAt(j) !== 58 /* : */) continue;
      // Only an escaped key needs decoding to compare ("\u0061" is "a").
      const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
      if (keys === null) stack[top] = key;
      else if (typeof keys === 'string') {
        if (keys === key) return true;
        stack[top] = new Set([keys, key]);
      } else {
        if (keys.has(key)) return true;
        keys.add(key);
      }
    }
  }
  return false;
}

/** Objects that repeat a key (JSON.parse would silently keep the last one), found with a streaming visit. */
function findDuplicateKeys(text: string): { pointer: string; offset: number; key: string }[] {
  const out: { pointer: string; offset: number; key: string }[] = [];
  const path: (string | number)[] = [];
  const keys: Set<string>[] = [];
  // Array frames hold the next index; object frames hold the current key.
  const frames: ('object' | 'array')[] = [];
  const enterValue = (): void => {
    if (frames[frames.length - 1] === 'array') path[path.length - 1] = (path[path.length - 1] as number) + 1;
  };
  visit(
    text,
    {
      onObjectBegin: () => {
        enterValue();
        frames.push('object');
        keys.push(new Set());
        path.push('');
      },
      onObjectProperty: (property, offset) => {
        const seen = keys[keys.length - 1]!;
        path[path.length - 1] = property;
        if (seen.has(property)) out.push({ pointer: pathToPointer(path), offset, key: property });
        seen.add(property);
      },
      onObjectEnd: () => {
        frames.pop();
        keys.pop();
        path.pop();
      },
      onArrayBegin: () => {
        enterValue();
        frames.push('array');
        path.push(-1);
      },
      onArrayEnd: () => {
        frames.pop();
        path.pop();
      },
      onLiteralValue: () => enterValue(),
    },
    { disallowComments: true },
  );
  return out;
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

/**
 * How deep objects and arrays may nest. Pipelines, locks and bundle indexes
 * nest a handful of levels; every later step (schema validation, canonical
 * JSON for keys, overrides) walks values recursively, so a document nested
 * 200,000 deep would overflow the stack there instead of failing here.
 */
export const MAX_JSON_DEPTH = 256;

/** The offset where nesting first passes `max` levels, or undefined. A character scan that skips strings. */
export function excessiveNesting(text: string, max = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92 /* \\ */) i++;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return i;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return undefined;
}

/** Parses strict JSON; syntax errors, duplicate keys and nesting past MAX_JSON_DEPTH become located diagnostics. */
export function parseJsonSource(text: string, file: string, what = 'JSON'): JsonSource {
  const deep = excessiveNesting(text);
  if (deep !== undefined)
    throw new WsolError({
      file,
      ...lineColumn(text, deep),
      message: `${what} nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`,
      hint: 'no wsol-run file needs that depth: the file is damaged or was not written for wsol-run',
    });
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    // Slow path, only on error: jsonc-parser says where.
    const errors: ParseError[] = [];
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    throw new WsolError({
      file,
      ...lineColumn(text, first?.offset ?? 0),
      message: `${what} is not valid JSON: ${first ? describeParseError(first) : 'empty file'}`,
      hint: 'fix the syntax at the line and column shown (JSON allows no comments and no trailing commas)',
    });
  }
  const duplicates = mayHaveDuplicateKeys(text) ? findDuplicateKeys(text) : [];
  if (duplicates.length > 0) {
    throw new WsolError(
      duplicates.map((d) => ({
        file,
        ...lineColumn(text, d.offset),
        pointer: d.pointer,
        message: /^\/nodes\/[^/]+$/.test(d.pointer) ? `duplicate node id '${d.key}'` : `duplicate key '${d.key}'`,
        hint: 'each key may appear once in an object; rename or remove one of them',
      })),
    );
  }
  let tree: JsonNode | undefined;
  const locate = (pointer: string): { line: number; column: number } | undefined => {
    tree ??= parseTree(text);
    if (!tree) return undefined;
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
