import type { FromSchema } from 'json-schema-to-ts';
import { wsolMetadataPaths } from '../required-data.js';
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

/**
 * The params of a dataset/wsol-metadata node, as its schema gives them: the
 * metadata, image and mask folders, split folders, class names, stored side,
 * name.
 */
export type WsolMetadataParams = FromSchema<typeof params>;

export const wsolMetadataNode = defineNode<WsolMetadataParams>({
  type: 'dataset/wsol-metadata',
  // 2: dataset.json records grey and flippable. 3: masks resized in OpenCV's INTER_NEAREST arithmetic (image/raster.ts).
  version: 3,
  description:
    'Any dataset described in the wsolevaluation metadata layout (image_ids, class_labels, image_sizes, localization: boxes, or masks + ignore masks).',
  params,
  inputs: {},
  output: 'dataset',
  requiredPaths: wsolMetadataPaths,
  async dataFiles(p) {
    const { wsolMetadataFiles } = await import('../../datasets/loaders/wsol-metadata.js');
    const listed = await wsolMetadataFiles(p);
    return [
      { param: 'metadata', path: p.metadata, files: listed.metadata },
      { param: 'imageRoot', path: p.imageRoot, files: listed.images },
      ...(listed.masks.length ? [{ param: p.maskRoot ? 'maskRoot' : 'imageRoot:masks', path: p.maskRoot ?? p.imageRoot, files: listed.masks }] : []),
      ...(p.classNamesFile ? [{ param: 'classNamesFile', path: p.classNamesFile }] : []),
    ];
  },
  async run(ctx) {
    const { buildWsolMetadata } = await import('../../datasets/loaders/wsol-metadata.js');
    const p = ctx.params;
    if (p.classNames && p.classNamesFile) throw new UserError('both classNames and classNamesFile are set', 'keep one of them: the names come from one place');
    const { readClassNames } = await import('../../datasets/class-names.js');
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
