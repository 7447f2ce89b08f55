/**
 * JSON shapes shared by every layer: values as they appear in pipeline
 * files, artifacts and metrics, and JSON Schema objects as ajv consumes them.
 * A leaf module (imports nothing).
 */

/** Any JSON value, as pipeline files, artifacts and metrics hold them. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object: a node's `with` parameters as loaded, run and locked, a variant's values. */
export type JsonObject = { [key: string]: JsonValue };

/** A JSON Schema (2020-12) object. Typed schemas are declared `as const` and turned into types with `FromSchema`. */
export type JsonSchema = { readonly [keyword: string]: unknown };
