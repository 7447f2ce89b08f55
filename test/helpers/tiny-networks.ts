/** Networks small enough for unit tests of the methods. */
import type { NetworkConfig } from '../../src/tensor/models/network.js';

/** A two-layer backbone with batch norm under Min-Max Entropy's head (two modalities), 16x16x1, 3 classes. */
export const tinyMinMaxEntropyConfig: NetworkConfig = {
  inputSize: { height: 16, width: 16 },
  inChannels: 1,
  classes: 3,
  backbone: { kind: 'small', channels: [4, 6], poolAfter: [0], batchNorm: true },
  head: { kind: 'min-max-entropy', modalities: 2, kmax: 0.1, kmin: 0, alphaWildcat: 0, dropout: 0 },
  preprocess: 'centered',
};
