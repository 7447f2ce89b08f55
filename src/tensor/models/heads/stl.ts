/**
 * Self-transfer learning's two branches on one trunk: the localizer (1x1
 * conv to one map per class + global max / average / log-sum-exp pooling)
 * and, optionally, the classifier (GAP + FC(hidden) + ReLU + FC(classes)).
 */
import { Conv2d, Dense, globalAveragePool, globalLsePool, globalMaxPool } from '../../nn/layers.js';
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
} as const;

export type StlHeadConfig = HeadConfigOf<'stl', typeof stlHeadParams>;

export const stlHead = defineHead<StlHeadConfig>({
  kind: 'stl',
  description: 'STL: localizer branch (1x1 conv class maps + global pooling) and an optional classifier branch (GAP + 2 FC).',
  params: stlHeadParams,
  provides: ['logits', 'classMaps'],
  build(tf, store, input, config) {
    const locConv = new Conv2d(tf, store, 'loc_conv', { inChannels: input.channels, filters: input.classes, kernel: 1, padding: 'valid' });
    const hidden = config.classifierBranch ? new Dense(tf, store, 'cls_fc1', input.channels, config.hidden, 'he') : null;
    const out = config.classifierBranch ? new Dense(tf, store, 'cls_fc2', config.hidden, input.classes) : null;
    return {
      apply: (features) => {
        const maps = locConv.apply(features);
        const logits =
          config.pooling === 'max' ? globalMaxPool(tf, maps) : config.pooling === 'avg' ? globalAveragePool(tf, maps) : globalLsePool(tf, maps, config.lseR);
        const result: HeadOutput = { maps, logits };
        if (hidden && out) result.classifierLogits = out.apply(tf.relu(hidden.apply(globalAveragePool(tf, features))));
        return result;
      },
      classMaps: (_features, result) => result.maps!,
    };
  },
});
