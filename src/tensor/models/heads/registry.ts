/**
 * Every network head, by kind. Built-in heads are listed here (one line
 * each); plugins add theirs with registerHead before anything is built.
 * Importing this module loads no tensor library.
 */
import type { JsonSchema } from '../../../core/json.js';
import type { HeadCapability, HeadConfig, HeadType } from './head.js';
import { gapFcHead } from './gap-fc.js';
import { minMaxEntropyHead } from './min-max-entropy.js';
import { regressorHead } from './regressor.js';
import { stlHead } from './stl.js';

/** A head with its config type erased (configs are validated against `params` before a head is built). */
export type RegisteredHead = HeadType<never>;

const heads = new Map<string, RegisteredHead>();

export function registerHead<C extends HeadConfig>(head: HeadType<C>): void {
  if (heads.has(head.kind)) throw new Error(`a head of kind '${head.kind}' is already registered`);
  if ('kind' in head.params) throw new Error(`head '${head.kind}' declares a param named 'kind' (the head's own key)`);
  heads.set(head.kind, head as unknown as RegisteredHead);
}

for (const head of [gapFcHead, stlHead, regressorHead, minMaxEntropyHead]) registerHead(head as HeadType<never>);

export function headType(kind: string): HeadType {
  const head = heads.get(kind);
  if (!head) throw new Error(`unknown head kind '${kind}' (known: ${[...heads.keys()].join(', ')})`);
  return head as unknown as HeadType;
}

/** Kinds of the registered heads that provide every capability in `needs`. */
export function headKinds(needs: readonly HeadCapability[] = []): string[] {
  return [...heads.values()].filter((h) => needs.every((n) => h.provides.includes(n))).map((h) => h.kind);
}

/**
 * JSON Schema of a `head` param accepting the registered heads that provide
 * `needs`: `{kind, ...params}` with each head's params validated and
 * defaulted when its kind is chosen.
 */
export function headParamSchema(needs: readonly HeadCapability[], fallback: string): JsonSchema {
  const kinds = headKinds(needs);
  return {
    type: 'object',
    required: ['kind'],
    properties: { kind: { enum: kinds, description: `Head kind: ${kinds.join(', ')}.` } },
    allOf: kinds.map((kind) => ({
      if: { properties: { kind: { const: kind } } },
      then: { properties: { kind: true, ...headType(kind).params }, additionalProperties: false },
    })),
    default: { kind: fallback },
    description: `The network head on the backbone: {"kind": ${kinds.map((k) => `"${k}"`).join(' | ')}, ...its params}.`,
  };
}
