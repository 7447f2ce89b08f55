/** The ResNet-50 the benchmarks time: Keras' ImageNet architecture (random weights), 1000 classes, caffe preprocessing. */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../../src/tensor/backends/init.js';
import type { NetworkConfig } from '../../src/tensor/models/network.js';

export function resnet50Config(side: number): NetworkConfig {
  return {
    inputSize: { height: side, width: side },
    inChannels: 3,
    classes: 1000,
    backbone: { kind: 'resnet50', lastStride: 2, bnEpsilon: 1e-3 },
    head: { kind: 'gap-fc' },
    preprocess: 'caffe',
  };
}

/** A fixed random training batch for it: images with values in [0, maxValue), one-hot labels i·37 (distinct classes for a batch of up to 27). */
export function resnet50Batch(tf: Tf, batch: number, side: number, maxValue: number): { x: TfCore.Tensor4D; y: TfCore.Tensor2D } {
  const x = tf.randomUniform([batch, side, side, 3], 0, maxValue, 'float32', 1) as TfCore.Tensor4D;
  const y = tf.tidy(() =>
    tf.cast(
      tf.oneHot(
        tf.tensor1d(
          Array.from({ length: batch }, (_, i) => i * 37),
          'int32',
        ),
        1000,
      ),
      'float32',
    ),
  ) as TfCore.Tensor2D;
  return { x, y };
}
