/**
 * What a plugin module imports (`wsol-run/plugin`): the define* helpers of
 * the three registries a plugin can extend, the layers heads are built
 * from, the error type nodes throw, and the types at those boundaries.
 * See README "Plugins".
 */
export { definePlugin, type WsolRunPlugin } from './nodes/plugins.js';
export { defineNode, METRICS_FILE, type NodeContext, type NodeType, type InputArtifact, type NodeResult } from './nodes/contract.js';
export { defineHead, type Head, type HeadConfig, type HeadConfigOf, type HeadInput, type HeadOutput, type HeadType } from './tensor/models/heads/head.js';
export { defineMapMethod, layerOf, unknownLayer, type MapMethod, type MapOptions, type MapRequest } from './methods/maps/map-method.js';
export { BatchNorm } from './tensor/nn/batch-norm.js';
export { Conv2d, Dense, globalAveragePool, globalMaxPool, globalLsePool, maxPool } from './tensor/nn/layers.js';
export { UserError } from './core/errors.js';
export type { JsonObject, JsonSchema, JsonValue } from './core/json.js';
