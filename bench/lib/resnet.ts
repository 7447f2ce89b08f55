/** The ResNet-50 the benchmarks time: Keras' ImageNet architecture (random weights), 1000 classes, caffe preprocessing. */
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
