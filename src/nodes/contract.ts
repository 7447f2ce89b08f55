/**
 * The node contract: what a node type declares and what its run() receives.
 * A node type is one module exporting a NodeType; registering it is one line
 * in src/nodes/registry.ts. Heavy libraries (tfjs, sharp) must be imported
 * dynamically inside run() so that loading the registry stays cheap: the CLI
 * loads every node module to validate a pipeline, only workers run them.
 */

/** The kinds of artifact a node can produce or consume. Wiring checks them. */
export const ARTIFACT_KINDS = ['text', 'dataset', 'model', 'maps', 'boxes', 'metrics', 'report'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** A JSON Schema (2020-12) object, as ajv consumes it. */
export type JsonSchema = { [keyword: string]: unknown };

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface InputSpec {
  /** Accepted artifact kind(s). */
  kind: ArtifactKind | readonly ArtifactKind[];
  /** Takes a list of artifacts (e.g. every expanded sibling via `node[*]`). */
  many?: boolean;
  /** May be left unwired. */
  optional?: boolean;
  description?: string;
}

/** Resources a node occupies while it runs. The scheduler never oversubscribes. */
export interface Resources {
  /** Worker slots (default 1). */
  cpu?: number;
  /** GPUs (default 0). */
  gpu?: number;
}

/** Facts of the environment that change a node's results; they enter its cache key. */
export type EnvFact = 'backend';

export interface ProgressUpdate {
  /** Fraction done in [0, 1], for the progress bar and ETA. */
  fraction?: number;
  epoch?: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  /** Free text shown next to the bar. */
  message?: string;
}

/** One input artifact as a node sees it: a read-only directory of files. */
export interface InputArtifact {
  /** Id of the node that produced it. */
  node: string;
  kind: ArtifactKind;
  digest: string;
  /** Absolute path of the artifact directory (read-only). */
  dir: string;
}

export type Metrics = { [name: string]: number | string | boolean | null };

export interface NodeContext<P> {
  nodeId: string;
  /** Params after defaults, `${params.x}` substitution, matrix values and --set. */
  params: P;
  /** Every declared input name -> its artifacts (empty for an unwired optional input). */
  inputs: Record<string, InputArtifact[]>;
  /** Empty directory the node writes its output files into. */
  outDir: string;
  /** Aborted when the run is cancelled; long loops should check it. */
  signal: AbortSignal;
  /** Environment facts the node declared in `env` (e.g. the backend name). */
  env: Partial<Record<EnvFact, string>>;
  progress(update: ProgressUpdate): void;
  log(message: string): void;
}

/** What run() may return: headline metrics, stored as metrics.json in the artifact. */
export interface NodeResult {
  metrics?: Metrics;
}

export interface NodeType<P = JsonObject> {
  /** e.g. `util/concat`, `train/stl`. */
  type: string;
  /** Bump when results change for the same params: it invalidates cached results. */
  version: number;
  description: string;
  /** JSON Schema of `with`; `default`s are filled in by ajv. */
  params: JsonSchema;
  /** Input name -> spec; the name `*` accepts any input name. */
  inputs: Record<string, InputSpec>;
  output: ArtifactKind;
  resources?: Resources;
  env?: readonly EnvFact[];
  run(ctx: NodeContext<P>): Promise<NodeResult | void>;
}

/** A failure inside a node that the user can fix: printed with its hint, without a stack trace. */
export { UserError } from '../core/errors.js';

export function acceptedKinds(spec: InputSpec): readonly ArtifactKind[] {
  return typeof spec.kind === 'string' ? [spec.kind] : spec.kind;
}

/** Typed identity helper so node modules get checked params. */
export function defineNode<P>(node: NodeType<P>): NodeType<P> {
  return node;
}
