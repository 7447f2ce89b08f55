/**
 * The pipeline as the user wrote it (PipelineFile) and as the engine runs it
 * (ResolvedPipeline: matrix expanded, params validated with defaults, inputs
 * wired to concrete producer ids).
 */
import type { JsonObject, JsonValue, Resources } from '../nodes/contract.js';
import type { RegisteredNodeType } from '../nodes/registry.js';
import type { PluginRef } from '../nodes/plugins.js';

/** A node as the user declares it in a pipeline file: its type, `with` params, inputs, matrix and resources. */
export interface NodeDeclaration {
  type: string;
  description?: string;
  with?: JsonObject;
  inputs?: Record<string, string | string[]>;
  /**
   * Axis -> values (a list, or "${params.x}" holding one) for a param of that name,
   * or -> named variants (label -> params set together), e.g. an ablation's columns.
   */
  matrix?: Record<string, JsonValue[] | string | Record<string, JsonObject>>;
  resources?: Resources;
}

/** A pipeline file as the user writes it (JSON with comments), before matrix expansion and validation. */
export interface PipelineFile {
  $schema?: string;
  name: string;
  description?: string;
  params?: JsonObject;
  /** Preset name -> param values, applied with --preset NAME as `--set params.x=v` each. */
  presets?: Record<string, JsonObject>;
  plugins?: string[];
  nodes: Record<string, NodeDeclaration>;
}

/** One node instance of a resolved pipeline: matrix expanded, params validated with defaults, inputs wired to producer ids. */
export interface ResolvedNode {
  /** Unique id, e.g. `localizer[alpha=0.2,topK=10]`. */
  id: string;
  /** The id declared in the file (`localizer`). */
  base: string;
  /** Matrix coordinates, own and inherited from expanded upstream nodes. */
  coords: JsonObject;
  nodeType: RegisteredNodeType;
  /** Validated params, defaults filled in. */
  params: JsonObject;
  /** Declared input name -> producer node ids, in order. */
  inputs: Record<string, string[]>;
  resources: Required<Resources>;
}

/** A pipeline as the engine runs it: overrides applied, every matrix expanded, nodes in topological order, plugins loaded. */
export interface ResolvedPipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  name: string;
  /** Pipeline params after --set. */
  params: JsonObject;
  /** The overrides: a --preset's entries (as params.x=v), then the --set arguments as given. */
  overrides: string[];
  /** Nodes in a topological order (declaration order where free). */
  nodes: Map<string, ResolvedNode>;
  /** Base id -> its instance ids (one for a node without matrix). */
  instances: Map<string, string[]>;
  /** Plugin modules (the file's and --plugin's), loaded before validation and in every worker; their hashes enter every key. */
  plugins: PluginRef[];
}
