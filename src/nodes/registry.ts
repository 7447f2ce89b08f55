import type { NodeType } from './contract.js';
import { concatNode } from './util/concat.js';
import { sleepNode } from './util/sleep.js';
import { trainSpeedNode } from './diagnostics/train-speed.js';
import { clutteredMnistNode } from './dataset/cluttered-mnist.js';
import { twoDigitNumbersNode } from './dataset/two-digit-numbers.js';
import { syntheticShapesNode } from './dataset/synthetic-shapes.js';
import { cubNode } from './dataset/cub.js';
import { wsolMetadataNode } from './dataset/wsol-metadata.js';
import { glasNode } from './dataset/glas.js';
import { previewNode } from './dataset/preview.js';
import { classifierNode } from './train/classifier.js';
import { sltLocalizerNode } from './train/slt-localizer.js';
import { stlNode } from './train/stl.js';
import { regressorNode } from './train/regressor.js';
import { camMapsNode } from './maps/cam.js';
import { predictBoxesNode } from './predict/boxes.js';
import { compareNode } from './report/compare.js';
import { htmlReportNode } from './report/html.js';
import { pseudoBoxesNode } from './boxes/pseudo.js';
import { localizationNode } from './evaluate/localization.js';
import { wsolevaluationExportNode } from './export/wsolevaluation.js';
import { npyImportNode } from './maps/npy-import.js';
import { intensityMapsNode } from './maps/intensity.js';
import { oracleMapsNode } from './maps/oracle.js';
import { partsNode } from './evaluate/parts.js';
import { pretrainedModelNode } from './model/pretrained.js';
import { dglSweepNode } from './sweep/dgl-layers.js';
import { minMaxEntropyNode } from './train/min-max-entropy.js';

/**
 * Every node type, by name. Params are validated against each type's schema
 * before run() is called, so the registry erases the params type.
 * To add a node type: write one module under src/nodes/ and add it here
 * (or ship it in a plugin: see plugins.ts).
 */
export type RegisteredNodeType = NodeType<never>;

const ALL: RegisteredNodeType[] = [
  concatNode,
  sleepNode,
  trainSpeedNode,
  clutteredMnistNode,
  twoDigitNumbersNode,
  syntheticShapesNode,
  cubNode,
  wsolMetadataNode,
  glasNode,
  previewNode,
  classifierNode,
  sltLocalizerNode,
  stlNode,
  regressorNode,
  camMapsNode,
  predictBoxesNode,
  compareNode,
  htmlReportNode,
  pseudoBoxesNode,
  localizationNode,
  wsolevaluationExportNode,
  npyImportNode,
  intensityMapsNode,
  oracleMapsNode,
  partsNode,
  pretrainedModelNode,
  dglSweepNode,
  minMaxEntropyNode,
];

const registered = new Map<string, RegisteredNodeType>(ALL.map((n) => [n.type, n]));

/** The registered node types (live: plugins add to it). */
export const nodeTypes: ReadonlyMap<string, RegisteredNodeType> = registered;

export function registerNodeType<P>(node: NodeType<P>): void {
  if (registered.has(node.type)) throw new Error(`a node type named '${node.type}' is already registered`);
  registered.set(node.type, node as unknown as RegisteredNodeType);
}
