/** CAM (Zhou et al.): the class map of one class per image, as the network's head makes it (Σ_k w[k,c]·S_k for GAP-FC). */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../../tensor/backends/init.js';
import { oneHot } from '../losses.js';
import { defineMapMethod } from './map-method.js';

/** The map of class `classes[i]` for each image i: [N, h, w]. */
export function selectClassMaps(tf: Tf, maps: TfCore.Tensor4D, classes: readonly number[]): TfCore.Tensor3D {
  const c = maps.shape[3];
  return tf.sum(tf.mul(maps, tf.reshape(oneHot(tf, classes, c), [classes.length, 1, 1, c])), 3) as TfCore.Tensor3D;
}

export const camMethod = defineMapMethod({
  name: 'cam',
  description: 'CAM: the class map Σ_k w[k,c]·S_k of the target class.',
  params: {},
  needs: ['classMaps'],
  label: () => 'cam',
  compute: ({ tf, net, out, classes }) => selectClassMaps(tf, net.classMaps(out), classes),
});
