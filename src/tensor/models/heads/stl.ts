/**
 * Self-transfer learning's two branches on one trunk: the localizer (1x1
 * conv to one map per class + global max / average / log-sum-exp pooling)
 * and, optionally, the classifier (FC(hidden) + ReLU + FC(classes) on the
 * trunk output: flattened as the paper, whose argument is that the two
 * branches' errors differ by position; or average-pooled).
 */
import { Conv2d, Dense, globalAveragePool, globalLsePool, globalMaxPool } from '../../nn/layers.js';
import { type FeatureReadout, readOut, readoutParam, readoutSize } from './features.js';
import { defineHead, type HeadConfigOf, type HeadOutput } from './head.js';

export const stlHeadParams = {
  pooling: { enum: ['max', 'avg', 'lse'], default: 'max', description: 'Global pooling of the localizer maps into class scores.' },
  lseR: { type: 'number', exclusiveMinimum: 0, default: 5, description: 'Sharpness of log-sum-exp pooling.' },
  classifierBranch: {
    type: 'boolean',
    default: true,
    description: 'With the classifier branch (STL); false is the plain localizer network the paper compares against.',
  },
  hidden: { type: 'integer', minimum: 1, default: 256, description: "Units of the classifier branch's hidden FC layer." },
  branchFeatures: readoutParam("What the classifier branch's FC layers read: the trunk output flattened (the paper) or average-pooled."),
} as const;

/** The config of an `stl` head, as a NetworkConfig records it: its kind and its params. */
export type StlHeadConfig = HeadConfigOf<'stl', typeof stlHeadParams>;

export const stlHead = defineHead<StlHeadConfig>({
  kind: 'stl',
  description: 'STL: localizer branch (1x1 conv class maps + global pooling) and an optional classifier branch (2 FC on flattened or pooled features).',
  params: stlHeadParams,
  provides: ['logits', 'classMaps'],
  build(tf, store, input, config) {
    // Models saved before the param existed read pooled features.
    const readout: FeatureReadout = (config as Partial<StlHeadConfig>).branchFeatures ?? 'gap';
    const locConv = new Conv2d(tf, store, 'loc_conv', { inChannels: input.channels, filters: input.classes, kernel: 1, padding: 'valid' });
    const hidden = config.classifierBranch ? new Dense(tf, store, 'cls_fc1', readoutSize(input, readout), config.hidden, 'he') : null;
    const out = config.classifierBranch ? new Dense(tf, store, 'cls_fc2', config.hidden, input.classes) : null;
    return {
      apply: (features) => {
        const maps = locConv.apply(features);
        const logits =
          config.pooling === 'max' ? globalMaxPool(tf, maps) : config.pooling === 'avg' ? globalAveragePool(tf, maps) : globalLsePool(tf, maps, config.lseR);
        const result: HeadOutput = { maps, logits };
        if (hidden && out) result.classifierLogits = out.apply(tf.relu(hidden.apply(readOut(tf, features, readout))));
        return result;
      },
      classMaps: (_features, result) => result.maps!,
    };
  },
});
