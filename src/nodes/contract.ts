/**
 * The node contract: what a node type declares and what its run() receives.
 * A node type is one module exporting a NodeType; registering it is one line
 * in src/nodes/registry.ts. Heavy libraries (tfjs, sharp) must be imported
 * dynamically inside run() so that loading the registry stays cheap: the CLI
 * loads every node module to validate a pipeline, only workers run them.
 */
import type { Metrics } from '../artifacts/metrics.js';
import type { JsonObject, JsonSchema } from '../core/json.js';
import type { ProgressUpdate } from '../core/progress.js';
export type { JsonObject, JsonSchema, JsonValue } from '../core/json.js';
export type { ProgressUpdate } from '../core/progress.js';

/** The kinds of artifact a node can produce or consume. Wiring checks them. */
export const ARTIFACT_KINDS = ['text', 'dataset', 'model', 'maps', 'boxes', 'metrics', 'report'] as const;
/** The kind of an artifact: what a node type outputs and what each of its inputs accepts; wiring checks they match. */
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** One declared input of a node type: the artifact kinds it accepts, and whether it takes a list or may stay unwired. */
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
  /** Worker slots (default 1); the node's compute threads (NodeContext.threads) grow with them. */
  cpu?: number;
  /** GPUs (default 0). */
  gpu?: number;
}

/** Facts of the environment that change a node's results; they enter its cache key. */
export type EnvFact = 'backend';

/** One input artifact as a node sees it: a read-only directory of files, and where it came from. */
export interface InputArtifact {
  /** Id of the node that produced it, e.g. `eval[variant=cam,seed=0]`. */
  node: string;
  kind: ArtifactKind;
  /** Content digest of the artifact: SHA-256 of its sorted file list (path, size, SHA-256 of each file; docs/hashing.md). */
  digest: string;
  /** Action key of the producing node's run (what the cache filed it under). */
  key: string;
  /** The producer's matrix coordinates, e.g. {variant: 'cam', seed: 0} (empty without a matrix). */
  coords: JsonObject;
  /** Absolute path of the artifact directory (read-only). */
  dir: string;
}

export { METRICS_FILE, type Metrics } from '../artifacts/metrics.js';

/**
 * Everything a node's run() receives: its id and type, validated params, input
 * artifacts, output directory, signal, environment facts, threads and
 * reporting hooks.
 */
export interface NodeContext<P> {
  nodeId: string;
  /** The node's type, e.g. `train/stl` (what an artifact may record as its maker; the id may not: it is not in the key). */
  nodeType: string;
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
  /**
   * Compute threads this node may keep busy, its own included: its share of
   * the cores given --jobs and its resources.cpu (WSOL_RUN_KERNEL_THREADS if
   * set). The wasm backend's kernel module already uses exactly this many; a
   * node that starts worker threads of its own should start at most this many.
   */
  threads: number;
  progress(update: ProgressUpdate): void;
  log(message: string): void;
  /**
   * Records a duration (seconds) under a name, e.g. `epoch 3`, in the run
   * store. Timings never go into the artifact: the same key must give the
   * same bytes.
   */
  timing(name: string, seconds: number): void;
  /**
   * Where a long node may checkpoint (a directory kept across runs for this
   * node's action key, removed once its result is committed) and every how
   * many epochs; absent when checkpoints are off (--checkpoint-every 0).
   */
  checkpoint?: { dir: string; every: number };
}

/** What run() may return: headline metrics, stored as metrics.json in the artifact. */
export interface NodeResult {
  metrics?: Metrics;
}

/**
 * A node type, as one module exports it and the registry (or a plugin)
 * registers it: its schema, inputs, output kind, resources, the files it
 * reads, and run().
 */
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
  /**
   * Files the node reads from outside the cache (a dataset's root, weights
   * named by a path). The engine fingerprints their contents into the key,
   * so editing, adding or removing one re-runs the node; sizes and mtimes
   * only decide what is re-hashed. Called in the CLI process: keep it cheap.
   */
  dataFiles?(params: P): DataFiles[] | Promise<DataFiles[]>;
  /**
   * Paths outside the cache the node cannot run without (a dataset's root,
   * a weights folder), with what each must hold and where the data comes
   * from: `plan` and `run` check them all before anything runs, so a missing
   * dataset is one located error naming the layout, not a node failing late.
   * Must not read the files (existence checks only).
   */
  requiredPaths?(params: P): RequiredPath[];
  /**
   * The node writes its inputs' names into its output (producer node ids,
   * matrix coordinates, keys: a table's row labels, a report's provenance),
   * so they enter its key: the same digests under other names are another result.
   */
  readsInputNames?: boolean;
  run(ctx: NodeContext<P>): Promise<NodeResult | void>;
}

/** Files a node reads under one of its params. */
export interface DataFiles {
  /** The param naming them, e.g. `root` (for messages and the lock). */
  param: string;
  /** A file or folder as the param gives it (relative paths are resolved from the working directory). */
  path: string;
  /** Only these files, relative to `path` (default: every file under it, dot-files excepted). */
  files?: readonly string[];
}

/** A path a node requires (NodeType.requiredPaths). */
export interface RequiredPath {
  /** The param naming it, e.g. `root`. */
  param: string;
  /** As the param gives it (relative paths are resolved from the working directory). */
  path: string;
  kind: 'dir' | 'file';
  /** Entries that must exist inside a `dir` (a trailing `/` marks a folder), e.g. `images.txt`, `images/`. */
  contains?: readonly string[];
  /** The data's official name, e.g. `CUB-200-2011 (Caltech-UCSD Birds-200-2011)`. */
  what: string;
  /** The layout expected, in words. */
  layout: string;
  /** Where it is published, or how to obtain it. */
  source: string;
  /** A value to show in the `--set` hint, e.g. `/path/to/CUB_200_2011`. */
  example: string;
}

/**
 * dataFiles for params that each name a file or folder read whole: those set
 * to a non-empty string that is not a package spec (`npm:...`).
 */
export function pathParams<P>(...names: (keyof P & string)[]): (params: P) => DataFiles[] {
  return (params) =>
    names.flatMap((param) => {
      const value = params[param];
      return typeof value === 'string' && value !== '' && !value.startsWith('npm:') ? [{ param, path: value }] : [];
    });
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
