/** Names under which schemas are precompiled (see scripts/compile-schemas.ts). */
export const PIPELINE_SCHEMA_ID = 'pipeline';

export function nodeSchemaId(type: string): string {
  return `node:${type}`;
}
