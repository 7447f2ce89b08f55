/**
 * A plugin as a user would write one, registered from outside src/: a toy
 * head (1x1 conv to one map per class + global average pooling, with its
 * maps as class maps) and a toy map method (the channel-wise L2 norm of the
 * last features, class-agnostic). Loaded by test/cli/plugins.test.ts through
 * a pipeline's "plugins" list.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { Conv2d, defineHead, defineMapMethod, definePlugin, globalAveragePool, type HeadConfigOf } from '../../src/plugin-api.js';

const toyHeadParams = { scale: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Multiplier of the class scores.' } } as const;

const toyHead = defineHead<HeadConfigOf<'toy-conv-gap', typeof toyHeadParams>>({
  kind: 'toy-conv-gap',
  description: 'Toy: 1x1 conv class maps + GAP.',
  params: toyHeadParams,
  provides: ['logits', 'classMaps'],
  build(tf, store, input, config) {
    const conv = new Conv2d(tf, store, 'toy_conv', { inChannels: input.channels, filters: input.classes, kernel: 1, padding: 'valid' });
    return {
      apply: (features) => {
        const maps = conv.apply(features);
        return { maps, logits: tf.mul(globalAveragePool(tf, maps), config.scale) as TfCore.Tensor2D };
      },
      classMaps: (_features, out) => out.maps!,
    };
  },
});

const featureNorm = defineMapMethod({
  name: 'feature-norm',
  description: 'Toy: the L2 norm over channels of the last features.',
  params: { normPower: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'feature-norm: the norm raised to this power.' } },
  needs: [],
  agnostic: true,
  label: (_net, o) => `feature-norm^${o.normPower}`,
  compute: ({ tf, out, options }) => tf.pow(tf.sqrt(tf.sum(tf.square(out.features), 3)), options.normPower as number) as TfCore.Tensor3D,
});

export default definePlugin({ name: 'toy', heads: [toyHead], mapMethods: [featureNorm] });
