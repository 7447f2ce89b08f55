/**
 * The reference model of docs/backends.md, used by the training-speed
 * benchmark and `wsol-run doctor`: conv(32)-maxpool-conv(64)-maxpool-
 * conv(128)-GAP-dense(10) on 64x64x3 inputs.
 */
import type * as TfLayers from '@tensorflow/tfjs-layers';

export function referenceModel(tfl: typeof TfLayers, classes = 10, size = 64): TfLayers.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [size, size, 3], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
  m.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }));
  m.add(tfl.layers.conv2d({ filters: 128, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv3' }));
  m.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
  m.add(tfl.layers.dense({ units: classes, name: 'fc' }));
  return m;
}
