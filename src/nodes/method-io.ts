/**
 * What the method nodes share: opening their input artifacts with errors a
 * user can act on, and writing a trained model with its training log.
 */
import { UserError, type InputArtifact, type JsonObject, type Metrics, type NodeContext } from './contract.js';
import type { DatasetView } from '../datasets/types.js';
import type { Network } from '../tensor/models/network.js';
import type { EpochRecord } from '../training/loop.js';
import type { Tf } from '../tensor/backends/init.js';
import type { ModelDescription } from '../tensor/models/model-io.js';
import type { TrainedModel } from '../methods/fit.js';
import type { JsonSchema } from '../core/json.js';
import type { HeadCapability } from '../tensor/models/heads/head.js';
import { headKinds, headParamSchema } from '../tensor/models/heads/registry.js';

export function single(ctx: NodeContext<unknown>, name: string): InputArtifact {
  const a = ctx.inputs[name]?.[0];
  if (!a) throw new UserError(`input ${name} is not wired`, `add "${name}": "<node id>" under this node's inputs`);
  return a;
}

export function optionalInput(ctx: NodeContext<unknown>, name: string): InputArtifact | undefined {
  return ctx.inputs[name]?.[0];
}

export async function inputDataset(ctx: NodeContext<unknown>, name = 'dataset'): Promise<DatasetView> {
  const a = single(ctx, name);
  const { openDataset } = await import('../datasets/store.js');
  try {
    return await openDataset(a.dir);
  } catch (e) {
    throw new UserError(
      `cannot read the dataset from node ${a.node}: ${e instanceof Error ? e.message : String(e)}`,
      `re-run with --force ${a.node} to rebuild it`,
    );
  }
}

export async function inputModel(tf: Tf, ctx: NodeContext<unknown>, name: string): Promise<{ net: Network; description: ModelDescription; node: string }> {
  const a = single(ctx, name);
  const { loadModel } = await import('../tensor/models/model-io.js');
  try {
    return { ...(await loadModel(tf, a.dir)), node: a.node };
  } catch (e) {
    throw new UserError(
      `cannot load the model of node ${a.node}: ${e instanceof Error ? e.message : String(e)}`,
      `re-run with --force ${a.node} to retrain it`,
    );
  }
}

/** A model input opened by inputModel: the network, its model description, and the id of the node that made it. */
export type LoadedModel = Awaited<ReturnType<typeof inputModel>>;

/**
 * The `model` input and the optional `classifier` input, both checked to have the dataset's classes;
 * `release` disposes both (call it in a finally).
 */
export async function inputModels(
  tf: Tf,
  ctx: NodeContext<unknown>,
  data: DatasetView,
): Promise<{ model: LoadedModel; classifier: LoadedModel | null; release(): void }> {
  const model = await inputModel(tf, ctx, 'model');
  const classifier = optionalInput(ctx, 'classifier') ? await inputModel(tf, ctx, 'classifier') : null;
  const release = (): void => {
    model.net.dispose();
    classifier?.net.dispose();
  };
  try {
    checkSameClasses(model, data);
    if (classifier) checkSameClasses(classifier, data);
  } catch (e) {
    release();
    throw e;
  }
  return { model, classifier, release };
}

/** Whether an artifact's per-image ids are exactly a split's, in order. */
export function sameImageIds(ids: readonly string[], split: { ids: readonly string[] }): boolean {
  return ids.length === split.ids.length && ids.every((id, i) => id === split.ids[i]);
}

/** A model's classes must be the dataset's, in the same order. */
export function checkSameClasses(model: { description: ModelDescription; node: string }, data: DatasetView): void {
  const a = model.description.classNames;
  const b = data.info.classNames;
  if (a.length !== b.length || a.some((n, i) => n !== b[i])) {
    throw new UserError(
      `the model of node ${model.node} was trained on ${a.length} classes (${a.slice(0, 3).join(', ')}…) but the dataset has ${b.length} (${b.slice(0, 3).join(', ')}…)`,
      'wire the model and the dataset it was trained on',
    );
  }
  const size = model.description.network.inputSize;
  if (size.width !== data.info.imageSize.width || size.height !== data.info.imageSize.height) {
    throw new UserError(
      `the model of node ${model.node} takes ${size.width}x${size.height} images but the dataset stores ${data.info.imageSize.width}x${data.info.imageSize.height}`,
      'use a dataset with the image size the model was trained at',
    );
  }
}

export async function saveTrained(
  ctx: NodeContext<unknown>,
  net: Network,
  data: DatasetView,
  log: EpochRecord[],
  localizationMap?: ModelDescription['localizationMap'],
): Promise<void> {
  const { saveModel } = await import('../tensor/models/model-io.js');
  const training: JsonObject = { epochs: log as unknown as JsonObject[], params: ctx.params as JsonObject };
  await saveModel(ctx.outDir, net, {
    classNames: [...data.info.classNames],
    trainedBy: ctx.nodeType,
    training,
    ...(localizationMap ? { localizationMap } : {}),
  });
}

/**
 * The body every classifier-like trainer node shares: start the backend, open
 * the dataset, train, save the model, report validation accuracy and loss.
 */
export async function runClassifierTraining<P>(
  ctx: NodeContext<P>,
  train: (tf: Tf, data: DatasetView) => Promise<TrainedModel>,
  localizationMap?: ModelDescription['localizationMap'],
  /** Parts of the last epoch's loss to record as metrics too (a lock then holds them for RESULTS.md's tables). */
  partMetrics: readonly string[] = [],
): Promise<{ metrics: Metrics }> {
  const { tensorsFor } = await import('../tensor/backends/for-node.js');
  const tf = await tensorsFor(ctx.env);
  const data = await inputDataset(ctx as NodeContext<unknown>);
  const { net, log, valTop1 } = await train(tf, data);
  try {
    await saveTrained(ctx as NodeContext<unknown>, net, data, log, localizationMap);
  } finally {
    net.dispose();
  }
  const last = log.at(-1)!;
  const parts: Metrics = {};
  for (const name of partMetrics) if (typeof last.parts[name] === 'number') parts[name] = round(last.parts[name], 4);
  return { metrics: { valTop1: round(valTop1), finalLoss: round(last.loss, 4), ...parts } };
}

/** An optional `init` model input, as the `pretrained` directory when that param is empty. */
export const INIT_INPUT = {
  kind: 'model',
  optional: true,
  description: 'A model whose weights initialise layers of the same name (e.g. a trained classifier or localizer).',
} as const;

export function withInit<P extends { pretrained: string }>(ctx: NodeContext<P>): P {
  const init = optionalInput(ctx as NodeContext<unknown>, 'init');
  return init && !ctx.params.pretrained ? { ...ctx.params, pretrained: init.dir } : ctx.params;
}

export function hooksOf(ctx: NodeContext<unknown>): Pick<NodeContext<unknown>, 'signal' | 'progress' | 'log' | 'timing' | 'checkpoint'> {
  return {
    signal: ctx.signal,
    progress: (u) => ctx.progress(u),
    log: (m) => ctx.log(m),
    timing: (name, s) => ctx.timing(name, s),
    ...(ctx.checkpoint ? { checkpoint: ctx.checkpoint } : {}),
  };
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * A trainer's params schema: its own properties plus a `head` param that
 * accepts every registered head providing `needs` (plugins' heads too), so
 * it is built when read and rebuilt only when the set of heads changes.
 */
export function trainerSchema(properties: Record<string, JsonSchema>, needs: readonly HeadCapability[], defaultHead: string): () => JsonSchema {
  return registrySchema(
    () => headKinds(needs).join(','),
    () => ({ type: 'object', properties: { ...properties, head: headParamSchema(needs, defaultHead) }, additionalProperties: false }),
  );
}

/**
 * A params schema built from a registry's content: rebuilt only when `version`
 * (e.g. the registered names) changes, so validators stay cached per schema object.
 */
export function registrySchema(version: () => string, build: () => JsonSchema): () => JsonSchema {
  let cached: { version: string; schema: JsonSchema } | undefined;
  return () => {
    const v = version();
    if (cached?.version !== v) cached = { version: v, schema: build() };
    return cached.schema;
  };
}
