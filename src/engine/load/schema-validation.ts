import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonSchema } from '../../nodes/contract.js';
import { didYouMean } from '../diagnostics.js';
import { packagePath } from '../../paths.js';

/** One schema violation: where (pointer relative to the validated value) and what was expected. */
export interface SchemaViolation {
  pointer: string;
  message: string;
  hint?: string;
}

// One ajv instance per process; validators are compiled once per schema object.
const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
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
 * Validates `data` in place (ajv fills in `default`s) and returns the
 * violations, most specific first. Property-name errors duplicate the
 * pattern errors behind them, so those are dropped.
 */
export function validateAgainst(schema: JsonSchema, data: unknown): SchemaViolation[] {
  const validate = validatorFor(schema);
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).filter((e) => !(e.keyword === 'pattern' && e.propertyName !== undefined));
  const seen = new Set<string>();
  const out: SchemaViolation[] = [];
  for (const e of errors) {
    // oneOf failures are explained by the branch errors that accompany them.
    if (e.keyword === 'oneOf' && errors.length > 1) continue;
    const v = describe(e, data);
    const id = `${v.pointer}|${v.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(v);
    }
  }
  return out;
}

/** Checks a schema compiles (used by the registry test so a bad node schema fails CI, not a user). */
export function compileSchema(schema: JsonSchema): void {
  validatorFor(schema);
}
