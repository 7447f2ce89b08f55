/**
 * The JSON Schema of `<pipeline>.lock.json` (LockFile in lockfile.ts, which
 * this schema describes field for field): a lock is checked against it when
 * read, so a lock with a wrong field type is a located error (file, JSON
 * pointer) instead of a TypeError in whatever reads the field first.
 * Unknown fields are allowed (version 1 locks recorded the run too).
 */
import type { JsonSchema } from '../core/json.js';

export const LOCK_SCHEMA_ID = 'wsol-run:lock';

const digest = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const strings = { type: 'object', additionalProperties: { type: 'string' } } as const;
const jsonObject = { type: 'object' } as const;

const lockedNode = {
  type: 'object',
  required: ['type', 'version', 'params', 'inputs', 'env', 'key', 'digest'],
  properties: {
    type: { type: 'string' },
    version: { type: 'integer' },
    params: jsonObject,
    inputs: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: { type: 'object', required: ['node', 'digest'], properties: { node: { type: 'string' }, digest } },
      },
    },
    env: strings,
    data: strings,
    inputNames: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: { type: 'object', required: ['node', 'coords', 'key'], properties: { node: { type: 'string' }, coords: jsonObject, key: digest } },
      },
    },
    key: digest,
    digest,
    metrics: { type: 'object', additionalProperties: { type: ['number', 'string', 'boolean', 'null'] } },
  },
} as const;

export const lockSchema: JsonSchema = {
  type: 'object',
  required: ['lockVersion', 'pipeline', 'overrides', 'params', 'env', 'nodes'],
  properties: {
    lockVersion: { type: 'integer' },
    pipeline: {
      type: 'object',
      required: ['file', 'sha256'],
      properties: { name: { type: 'string' }, file: { type: 'string' }, sha256: digest },
    },
    wsolRun: { type: 'string' },
    overrides: { type: 'array', items: { type: 'string' } },
    params: jsonObject,
    env: strings,
    nodes: { type: 'object', additionalProperties: lockedNode },
  },
};
