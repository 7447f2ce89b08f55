/**
 * JSON Schema validation (ajv, draft 2020-12). Validators are compiled at
 * build time into standalone code (scripts/compile-schemas.ts) so a run does
 * not pay for loading and compiling ajv; a schema whose fingerprint does not
 * match the generated code (a node added without a rebuild) is compiled at
 * run time instead, with identical options.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { JsonSchema } from '../../nodes/contract.js';
import { didYouMean } from '../diagnostics.js';
import { packagePath } from '../../paths.js';
import { canonicalJson, sha256 } from '../keys.js';

/** One schema violation: where (pointer relative to the validated value) and what was expected. */
export interface SchemaViolation {
  pointer: string;
  message: string;
  hint?: string;
}

/** ajv options shared by build-time and run-time compilation. */
export const AJV_OPTIONS = { allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true, verbose: true } as const;

/** A compiled ajv validator (standalone code built by compile-schemas, or compiled at run time): true when valid, else the errors. */
export interface ValidateFn {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

interface GeneratedValidators {
  validators: Record<string, ValidateFn>;
  fingerprints: Record<string, string>;
}

const ready = new WeakMap<JsonSchema, ValidateFn>();
let generated: GeneratedValidators | undefined | null;

export function schemaFingerprint(schema: JsonSchema): string {
  return sha256(canonicalJson(schema));
}

/** Makes validators for `schemas` available to validateAgainst (generated code first, ajv as fallback). */
export async function prepareValidators(schemas: Iterable<[id: string, schema: JsonSchema]>): Promise<void> {
  if (generated === undefined) {
    try {
      generated = (await import(packagePath('dist/generated/validators.js'))) as GeneratedValidators;
    } catch {
      generated = null;
    }
  }
  const missing: [string, JsonSchema][] = [];
  for (const [id, schema] of schemas) {
    if (ready.has(schema)) continue;
    const fn = generated?.validators[id];
    if (fn && generated?.fingerprints[id] === schemaFingerprint(schema)) ready.set(schema, fn);
    else missing.push([id, schema]);
  }
  if (missing.length) {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const ajv = new Ajv2020(AJV_OPTIONS);
    for (const [, schema] of missing) ready.set(schema, ajv.compile(schema));
  }
}

let pipelineSchema: JsonSchema | undefined;
/** The pipeline file schema shipped in src/schemas/. */
export function getPipelineSchema(): JsonSchema {
  pipelineSchema ??= JSON.parse(readFileSync(packagePath('src/schemas/pipeline.schema.json'), 'utf8')) as JsonSchema;
  return pipelineSchema;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const seg of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function describe(e: ErrorObject, data: unknown): SchemaViolation {
  const p = e.params as Record<string, unknown>;
  const pointer = e.instancePath;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const schemaProps = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return {
        pointer: `${pointer}/${key}`,
        message: `unknown property '${key}'.${didYouMean(key, schemaProps)}`,
        hint: schemaProps.length ? `allowed here: ${schemaProps.join(', ')}` : 'no properties are allowed here',
      };
    }
    case 'required':
      return { pointer, message: `missing required property '${String(p.missingProperty)}'` };
    case 'type':
      return { pointer, message: `expected ${String(p.type)}, got ${typeOf(valueAt(data, pointer))} ${JSON.stringify(valueAt(data, pointer))}` };
    case 'enum':
      return {
        pointer,
        message: `expected one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(valueAt(data, pointer))}`,
      };
    case 'const':
      return { pointer, message: `expected ${JSON.stringify(p.allowedValue)}` };
    case 'propertyNames':
      return { pointer: `${pointer}/${String(p.propertyName)}`, message: `invalid name '${String(p.propertyName)}'` };
    case 'pattern':
      return { pointer, message: `${JSON.stringify(valueAt(data, pointer))} does not match the pattern ${String(p.pattern)}` };
    default:
      return { pointer, message: `${e.message ?? 'is invalid'}${e.keyword === 'oneOf' ? '' : ` (${e.keyword})`}` };
  }
}

/**
 * Validates `data` in place (filling in `default`s) and returns the
 * violations. The schema must have been prepared with prepareValidators.
 */
export function validateAgainst(schema: JsonSchema, data: unknown): SchemaViolation[] {
  const validate = ready.get(schema);
  if (!validate) throw new Error('schema used before prepareValidators()');
  if (validate(data)) return [];
  // Property-name errors are explained by the pattern errors that come with them.
  const errors = (validate.errors ?? []).filter((e) => !(e.keyword === 'pattern' && e.propertyName !== undefined));
  const seen = new Set<string>();
  const out: SchemaViolation[] = [];
  for (const e of errors) {
    // oneOf and if/then failures are explained by the branch errors that accompany them.
    if ((e.keyword === 'oneOf' || e.keyword === 'if') && errors.length > 1) continue;
    const v = describe(e, data);
    const id = `${v.pointer}|${v.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(v);
    }
  }
  return out;
}
