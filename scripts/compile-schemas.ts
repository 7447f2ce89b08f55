/**
 * Build step: compiles the pipeline schema and every registered node type's
 * params schema into standalone validator code (dist/generated/validators.js),
 * with a fingerprint per schema so stale code is never used.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { nodeTypes } from '../src/nodes/registry.js';
import { AJV_OPTIONS, getPipelineSchema, schemaFingerprint } from '../src/engine/load/schema-validation.js';
import { PIPELINE_SCHEMA_ID, nodeSchemaId } from '../src/engine/load/schema-ids.js';
import { packagePath } from '../src/paths.js';
import { LOCK_SCHEMA_ID, lockSchema } from '../src/engine/lock-schema.js';

// A CommonJS module: Node's default import is module.exports, whose .default is the function.
const standaloneCode = standaloneModule.default;

const schemas: [string, object][] = [[PIPELINE_SCHEMA_ID, getPipelineSchema()]];
for (const n of nodeTypes.values()) schemas.push([nodeSchemaId(n.type), n.params]);
schemas.push([LOCK_SCHEMA_ID, lockSchema]);

const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true, esm: true } });
const exportNames: Record<string, string> = {};
const fingerprints: Record<string, string> = {};
schemas.forEach(([id, schema], i) => {
  // The registered schema object is not mutated: ajv gets a copy with an $id.
  ajv.addSchema({ ...schema, $id: `wsol-run-schema-${i}` });
  exportNames[`v${i}`] = `wsol-run-schema-${i}`;
  fingerprints[id] = schemaFingerprint(schema as Record<string, unknown>);
});
let code = standaloneCode(ajv, exportNames);
if (code.includes('require(')) code = `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${code}`;
const index = schemas.map(([id], i) => `  ${JSON.stringify(id)}: v${i},`).join('\n');
code += `\nexport const validators = {\n${index}\n};\nexport const fingerprints = ${JSON.stringify(fingerprints, null, 2)};\n`;
const out = packagePath('dist/generated/validators.js');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, code);
process.stdout.write(`compiled ${schemas.length} schemas into ${out}\n`);
