import type { FromSchema } from 'json-schema-to-ts';
import { defineNode, pathParams } from '../contract.js';

const params = {
  type: 'object',
  properties: {
    root: {
      type: 'string',
      minLength: 1,
      description:
        "Folder the image ids are relative to (the tool's scoremap_root). Its files' contents enter the cache key: replacing a map re-runs the import.",
    },
    splits: {
      type: 'array',
      items: { enum: ['train', 'val', 'test'] },
      minItems: 1,
      uniqueItems: true,
      default: ['test'],
      description: 'Splits to import (add val to let evaluate/localization choose τ on it).',
    },
    target: { enum: ['gt', 'predicted'], default: 'gt', description: 'Whose class the maps are: the ground-truth class, or the predicted top-1.' },
    name: { type: 'string', minLength: 1, default: 'npy', description: 'Recorded as method scoremaps:<name>.' },
  },
  required: ['root'],
  additionalProperties: false,
} as const;

/**
 * The params of a maps/npy-import node, as its schema gives them: the
 * score-map folder, the splits, whose class the maps are, and the method's
 * name.
 */
export type NpyImportParams = FromSchema<typeof params>;

/**
 * Maps made elsewhere (e.g. a PyTorch project's wsolevaluation score maps)
 * as a maps artifact of a dataset, so evaluate/localization can evaluate
 * them. One .npy per image at `<root>/<image id>.npy` (or the id with its
 * extension replaced by .npy). The artifact's method is `scoremaps:<name>`,
 * which tells evaluate/localization (preprocess auto) to evaluate them as
 * they are, like the community tool does.
 */
export const npyImportNode = defineNode<NpyImportParams>({
  type: 'maps/npy-import',
  // 2: float64 files are stored (and evaluated) as float64.
  version: 2,
  description: "Reads a directory of .npy score maps (<root>/<image id>.npy) into a maps artifact for a dataset's splits, to evaluate other projects' maps.",
  params,
  inputs: { dataset: { kind: 'dataset', description: 'The dataset whose image ids name the files.' } },
  output: 'maps',
  dataFiles: pathParams('root'),
  async run(ctx) {
    const { importNpyMaps } = await import('./run-npy-import.js');
    return importNpyMaps(ctx);
  },
});
