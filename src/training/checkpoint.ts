/**
 * Training checkpoints: after an epoch, everything the next epoch depends
 * on — every network parameter (batch-norm statistics too), each
 * optimiser's state, the epochs done and their log — so a crashed run
 * resumes where it stopped and ends with the same bytes as one that never
 * stopped. The random streams need no saving: the loop draws each epoch's
 * shuffle and augmentation from (seed, epoch) alone.
 *
 * Layout of a checkpoint directory (one per action key, given by the engine):
 *   epoch-<n>.bin     the tensors (tfjs weight encoding), written first
 *   checkpoint.json   what they are and the sha256 of the .bin; its atomic
 *                     rename is the commit, so a crash mid-write leaves the
 *                     previous checkpoint in force
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';
import type { Optimizer } from './optimizer.js';
import type { EpochRecord } from './loop.js';

const FORMAT = 'wsol-run-checkpoint';
const INDEX = 'checkpoint.json';

/** Where and how often a training loop checkpoints. */
export interface CheckpointTarget {
  dir: string;
  /** Epochs between checkpoints (the last epoch is never checkpointed: the model is saved instead). */
  every: number;
}

interface CheckpointIndex {
  format: typeof FORMAT;
  version: 1;
  epochsDone: number;
  /** Total epochs of the training it belongs to; another count means another training. */
  epochs: number;
  records: EpochRecord[];
  /** Tensor names per optimiser, in the order their getWeights() gave them. */
  optimizers: string[][];
  /** Adam's running powers of beta1 and beta2, restored exactly (tfjs's setWeights recomputes them with pow(), which rounds differently). */
  adamPowers: ({ beta1: number; beta2: number } | null)[];
  bin: string;
  sha256: string;
  specs: TfCore.io.WeightsManifestEntry[];
}

/** A checkpoint restored into the network and optimisers: the epochs it completed and their log records. */
export interface RestoredCheckpoint {
  epochsDone: number;
  records: EpochRecord[];
}

/** tfjs's { name, tensor } pair (not exported from tfjs-core's index). */
type NamedTensor = { name: string; tensor: TfCore.Tensor };

interface AdamInternals {
  accBeta1: TfCore.Variable;
  accBeta2: TfCore.Variable;
}

function adamInternals(opt: Optimizer): AdamInternals | undefined {
  const o = opt as unknown as Partial<AdamInternals>;
  return o.accBeta1 && o.accBeta2 ? (o as AdamInternals) : undefined;
}

/** Writes a checkpoint after `epochsDone` epochs. */
export async function saveCheckpoint(
  tf: Tf,
  target: CheckpointTarget,
  state: { epochsDone: number; epochs: number; records: EpochRecord[]; weights: TfCore.NamedTensorMap; optimizers: Optimizer[] },
): Promise<void> {
  await mkdir(target.dir, { recursive: true });
  const named: NamedTensor[] = Object.entries(state.weights).map(([name, tensor]) => ({ name: `w/${name}`, tensor }));
  const optimizerNames: string[][] = [];
  const created: TfCore.Tensor[] = [];
  for (const [i, opt] of state.optimizers.entries()) {
    const weights = await opt.getWeights();
    // The first entry (iterations) is a new scalar; the rest are the optimiser's own variables.
    if (weights[0]) created.push(weights[0].tensor);
    optimizerNames.push(weights.map((w) => w.name));
    for (const w of weights) named.push({ name: `o${i}/${w.name}`, tensor: w.tensor });
  }
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(await new Blob(data).arrayBuffer());
    const bin = `epoch-${state.epochsDone}.bin`;
    await writeFile(join(target.dir, `${bin}.tmp`), bytes);
    await rename(join(target.dir, `${bin}.tmp`), join(target.dir, bin));
    const index: CheckpointIndex = {
      format: FORMAT,
      version: 1,
      epochsDone: state.epochsDone,
      epochs: state.epochs,
      records: state.records,
      optimizers: optimizerNames,
      adamPowers: await Promise.all(
        state.optimizers.map(async (opt) => {
          const adam = adamInternals(opt);
          return adam ? { beta1: (await adam.accBeta1.data())[0]!, beta2: (await adam.accBeta2.data())[0]! } : null;
        }),
      ),
      bin,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      specs,
    };
    await writeFile(join(target.dir, `${INDEX}.tmp`), JSON.stringify(index));
    await rename(join(target.dir, `${INDEX}.tmp`), join(target.dir, INDEX));
    for (const name of await readdir(target.dir)) if (name.endsWith('.bin') && name !== bin) await rm(join(target.dir, name), { force: true });
  } finally {
    for (const t of created) t.dispose();
  }
}

async function readIndex(dir: string): Promise<CheckpointIndex | undefined> {
  try {
    const index = JSON.parse(await readFile(join(dir, INDEX), 'utf8')) as CheckpointIndex;
    return index.format === FORMAT && index.version === 1 ? index : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Restores the checkpoint in `target.dir` into the network (`restore` gets
 * the parameter values) and the optimisers, or returns undefined when there
 * is none that fits this training (then training starts from epoch 0). A
 * damaged checkpoint is a reason to start over, never to fail.
 */
export async function restoreCheckpoint(
  tf: Tf,
  target: CheckpointTarget,
  expect: { epochs: number; parameterNames: readonly string[]; optimizers: Optimizer[] },
  restore: (weights: TfCore.NamedTensorMap) => void,
): Promise<RestoredCheckpoint | { problem: string } | undefined> {
  const index = await readIndex(target.dir);
  if (!index) return undefined;
  if (index.epochs !== expect.epochs || index.epochsDone >= index.epochs || index.optimizers.length !== expect.optimizers.length)
    return { problem: 'it belongs to another training' };
  let bytes: Buffer;
  try {
    bytes = await readFile(join(target.dir, index.bin));
  } catch {
    return { problem: `${index.bin} is missing` };
  }
  if (createHash('sha256').update(bytes).digest('hex') !== index.sha256) return { problem: `${index.bin} does not match its checksum` };
  const tensors = tf.io.decodeWeights(new Uint8Array(bytes).buffer, index.specs);
  try {
    // Everything is checked before anything is restored: a half-restored network must never train from epoch 0.
    const weights: TfCore.NamedTensorMap = {};
    for (const name of expect.parameterNames) {
      const t = tensors[`w/${name}`];
      if (!t) return { problem: `it has no value for parameter ${name}` };
      weights[name] = t;
    }
    const optimizerValues = index.optimizers.map((names, i) => names.map((name) => ({ name, tensor: tensors[`o${i}/${name}`] })));
    if (optimizerValues.some((list) => list.some((v) => !v.tensor))) return { problem: 'its optimiser state is incomplete' };
    restore(weights);
    for (const [i, opt] of expect.optimizers.entries()) {
      await opt.setWeights(optimizerValues[i]! as NamedTensor[]);
      const adam = adamInternals(opt);
      const powers = index.adamPowers[i];
      if (adam && powers) {
        const [b1, b2] = [tf.scalar(powers.beta1), tf.scalar(powers.beta2)];
        adam.accBeta1.assign(b1);
        adam.accBeta2.assign(b2);
        b1.dispose();
        b2.dispose();
      }
    }
    return { epochsDone: index.epochsDone, records: index.records };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
