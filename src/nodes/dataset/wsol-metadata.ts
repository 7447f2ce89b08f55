import type { FromSchema } from 'json-schema-to-ts';
import { defineNode, UserError } from '../contract.js';
import { datasetMetrics, imageProgress, imageSizeParam } from './common.js';

const params = {
  type: 'object',
  properties: {
    metadata: { type: 'string', minLength: 1, description: 'metadata/<DATASET>: the folder holding one folder per split.' },
    imageRoot: { type: 'string', minLength: 1, description: 'Folder the image ids are relative to.' },
    maskRoot: { type: 'string', minLength: 1, description: 'Folder the mask and ignore paths are relative to (default: imageRoot).' },
    splitDirs: {
      type: 'object',
      properties: { train: { type: 'string', default: 'train' }, val: { type: 'string', default: 'val' }, test: { type: 'string', default: 'test' } },
      additionalProperties: false,
      default: { train: 'train', val: 'val', test: 'test' },
      description:
        'Folder under metadata of each split (wsolevaluation\'s val is the train-fullsup split); "" for a split the dataset does not have (e.g. photographs with a test split alone).',
    },
    classNames: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      description: 'Name of each class index; by default classes are named by index.',
    },
    classNamesFile: {
      type: 'string',
      minLength: 1,
      description:
        'A file naming each class index instead of classNames: a JSON list, a JSON object from index to name, or text with one name per line (e.g. the 1000 ImageNet classes of a pretrained model). Relative to the working directory.',
    },
    imageSize: imageSizeParam(224),
    name: { type: 'string', minLength: 1, default: 'wsol-metadata', description: 'Dataset name recorded in the artifact (e.g. OpenImages).' },
  },
  required: ['metadata', 'imageRoot'],
  additionalProperties: false,
} as const;

export type WsolMetadataParams = FromSchema<typeof params>;

/** Class names from a file: a JSON list, a JSON object from index to name, or one name per line. */
export async function readClassNames(file: string): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const { resolve } = await import('node:path');
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(
      `classNamesFile ${path} cannot be read`,
      'point classNamesFile at a JSON list of names, a JSON object from index to name, or a text file with one name per line',
    );
  }
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: one name per line
  }
  const names = Array.isArray(parsed)
    ? parsed
    : parsed && typeof parsed === 'object'
      ? Array.from({ length: Object.keys(parsed).length }, (_, i) => (parsed as Record<string, unknown>)[String(i)])
      : text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  const bad = names.findIndex((n) => typeof n !== 'string' || n.length === 0);
  if (names.length === 0 || bad >= 0)
    throw new UserError(`${path}: ${names.length === 0 ? 'no class names' : `class ${bad} has no name`}`, 'name every class index from 0 on, in order');
  return names as string[];
}

export const wsolMetadataNode = defineNode<WsolMetadataParams>({
  type: 'dataset/wsol-metadata',
  // 2: dataset.json records grey and flippable.
  version: 2,
  description:
    'Any dataset described in the wsolevaluation metadata layout (image_ids, class_labels, image_sizes, localization: boxes, or masks + ignore masks).',
  params,
  inputs: {},
  output: 'dataset',
  async run(ctx) {
    const { buildWsolMetadata } = await import('../../datasets/loaders/wsol-metadata.js');
    const p = ctx.params;
    if (p.classNames && p.classNamesFile) throw new UserError('both classNames and classNamesFile are set', 'keep one of them: the names come from one place');
    const classNames = p.classNamesFile ? await readClassNames(p.classNamesFile) : p.classNames;
    const info = await buildWsolMetadata(ctx.outDir, {
      metadata: p.metadata,
      imageRoot: p.imageRoot,
      ...(p.maskRoot ? { maskRoot: p.maskRoot } : {}),
      splitDirs: p.splitDirs,
      ...(classNames ? { classNames } : {}),
      imageSize: p.imageSize,
      name: p.name,
      signal: ctx.signal,
      progress: imageProgress(ctx),
    });
    return { metrics: datasetMetrics(info) };
  },
});
