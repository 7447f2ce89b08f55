/**
 * Every localization-map method, by name. Built-in methods are listed here
 * (one line each); plugins add theirs with registerMapMethod. Importing this
 * module loads no tensor library (maps/cam builds its param schema from it).
 */
import type { JsonSchema } from '../../core/json.js';
import type { MapMethod } from './map-method.js';
import { acamMethod } from './acam.js';
import { camMethod } from './cam.js';
import { dglMethod } from './dgl.js';
import { mmePositiveMethod } from './mme-positive.js';
import { gradCamMethod } from './gradcam.js';

const methods = new Map<string, MapMethod>();

/** maps/cam's own params: a map method may not redeclare them. */
const RESERVED_PARAMS = new Set(['method', 'topK', 'layer', 'target', 'splits', 'batchSize']);

export function reservedMapParam(name: string): boolean {
  return RESERVED_PARAMS.has(name);
}

export function registerMapMethod(method: MapMethod): void {
  if (methods.has(method.name) || method.name === 'auto') throw new Error(`a map method named '${method.name}' is already registered (or reserved)`);
  for (const param of Object.keys(method.params))
    if (RESERVED_PARAMS.has(param)) throw new Error(`map method '${method.name}' declares '${param}', a param of maps/cam itself`);
  for (const [param, schema] of Object.entries(method.params)) {
    for (const other of methods.values()) {
      if (param in other.params && JSON.stringify(other.params[param]) !== JSON.stringify(schema))
        throw new Error(`map method '${method.name}' declares param '${param}' differently from '${other.name}'`);
    }
  }
  methods.set(method.name, method);
}

for (const method of [camMethod, acamMethod, gradCamMethod, dglMethod, mmePositiveMethod]) registerMapMethod(method);

export function mapMethod(name: string): MapMethod {
  const method = methods.get(name);
  if (!method) throw new Error(`unknown map method '${name}' (known: ${[...methods.keys()].join(', ')})`);
  return method;
}

export function mapMethodNames(): string[] {
  return [...methods.keys()];
}

/** The params every registered method adds, merged (a param shared by two methods must be declared identically). */
export function mapMethodParams(): Record<string, JsonSchema> {
  return Object.assign({}, ...[...methods.values()].map((m) => m.params)) as Record<string, JsonSchema>;
}
