/**
 * `wsol-run layers <pipeline> <node>`: the layers of a node's model (its
 * latest result), with output shapes at the model's input size, so a user
 * knows what `layer` and a DGL sweep's `layers` can name. This verb alone
 * loads tfjs in the CLI process (the cpu backend; no weights are read).
 */
import { WsolError } from '../../engine/diagnostics.js';
import { nodeTypes } from '../../nodes/registry.js';
import { readModelDescription } from '../../tensor/models/model-io.js';
import { table } from '../format.js';
import { printJson } from './common.js';
import { lockedResult } from './locked-result.js';

/** Options of `wsol-run layers`, as commander parses them: the cache to read the model from, and JSON output. */
export interface LayersOptions {
  cache?: string;
  json?: boolean;
}

export async function layersCommand(pipelinePath: string, nodeId: string, o: LayersOptions): Promise<number> {
  const { locked, check, dir } = await lockedResult(pipelinePath, nodeId, o.cache);
  if (!check.ok)
    throw new WsolError({
      node: nodeId,
      message: `the result of '${nodeId}' is not in the cache: ${check.reason}`,
      hint: `re-run the pipeline: wsol-run ${pipelinePath}`,
    });
  const output = nodeTypes.get(locked.type)?.output;
  if (output !== 'model')
    throw new WsolError({
      message: `node '${nodeId}' (${locked.type}) makes ${output ? `a ${output}` : 'an unknown'} artifact, not a model`,
      hint: 'name a trainer or model/pretrained node',
    });
  const description = await readModelDescription(dir);
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  tf.enableProdMode(); // no banner suggesting tfjs-node
  await tf.setBackend('cpu');
  const { buildNetwork } = await import('../../tensor/models/network.js');
  const { paperLayerName } = await import('../../tensor/models/backbones.js');
  const config = description.network;
  const net = buildNetwork(tf, config, 0);
  try {
    const layers = net.backbone.stageShapes(config.inputSize).map((s, i) => ({
      name: s.name,
      shape: s.shape,
      stride: net.backbone.stages[i]!.stride,
      dglCandidate: s.conv,
      paperName: paperLayerName(config.backbone.kind, s.name) ?? null,
    }));
    if (o.json) {
      printJson({ node: nodeId, backbone: config.backbone.kind, inputSize: config.inputSize, layers });
      return 0;
    }
    process.stdout.write(`${nodeId}: ${config.backbone.kind} backbone, input ${config.inputSize.height}x${config.inputSize.width}x${config.inChannels}\n`);
    process.stdout.write(
      `${table(
        ['layer', 'output (h x w x c)', 'stride', 'kind', 'paper name'],
        layers.map((l) => [l.name, l.shape.join(' x '), l.stride, l.dglCandidate ? 'conv' : 'pool', l.paperName ?? '']),
      )}\n`,
    );
    process.stdout.write('conv layers are what maps/cam `layer` (gradcam, dgl) and sweep/dgl-layers `layers` take\n');
    return 0;
  } finally {
    net.dispose();
  }
}
