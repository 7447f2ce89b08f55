/**
 * MaxPoolGrad on webgpu with the cpu backend's (and TensorFlow's) rule for
 * ties: the gradient goes to the FIRST maximum of a window in row-major
 * order. tfjs's webgpu kernel keeps the last one (`value >= max`), so on
 * images with flat regions (ReLU zeros, saturated pixels) its gradients land
 * elsewhere than on every other backend. Two WGSL programs, run through the
 * backend's own program runner: the argmax of each window, then each input
 * cell's sum of dy over the windows whose argmax it is.
 */
import { backend_util, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { flatProgram, replaceKernel, type WebgpuBackendLike } from './programs.js';

const POOL_UNIFORMS = 'strides : vec2<i32>, pads : vec2<i32>, inDims : vec2<i32>, filterDims : vec2<i32>, outDims : vec2<i32>,';

/** Index (wR · filterWidth + wC) of the first maximum in each window: a strict `>` keeps the first. */
const FIRST_ARGMAX = `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let coords = getCoordsFromIndex(index);
      let corner = vec2<i32>(coords.yz) * uniforms.strides - uniforms.pads;
      var best = 0.0;
      var found = false;
      var position = 0;
      for (var wR = 0; wR < uniforms.filterDims.x; wR++) {
        let xR = corner.x + wR;
        if (xR < 0 || xR >= uniforms.inDims.x) { continue; }
        for (var wC = 0; wC < uniforms.filterDims.y; wC++) {
          let xC = corner.y + wC;
          if (xC < 0 || xC >= uniforms.inDims.y) { continue; }
          let value = getX(coords[0], xR, xC, coords[3]);
          if (!found || value > best) {
            best = value;
            found = true;
            position = wR * uniforms.filterDims.y + wC;
          }
        }
      }
      setOutputAtIndexI32(index, position);
    }
  }`;

/** dx at (r, c): the sum of dy over the windows that cover (r, c) and whose argmax is (r, c), in a fixed order. */
const SCATTER_BY_ARGMAX = `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let coords = getCoordsFromIndex(index);
      let rc = vec2<i32>(coords.yz) + uniforms.pads;
      var sum = 0.0;
      for (var wR = 0; wR < uniforms.filterDims.x; wR++) {
        let num = rc.x - wR;
        if (num < 0 || num % uniforms.strides.x != 0) { continue; }
        let oR = num / uniforms.strides.x;
        if (oR >= uniforms.outDims.x) { continue; }
        for (var wC = 0; wC < uniforms.filterDims.y; wC++) {
          let numC = rc.y - wC;
          if (numC < 0 || numC % uniforms.strides.y != 0) { continue; }
          let oC = numC / uniforms.strides.y;
          if (oC >= uniforms.outDims.y) { continue; }
          if (i32(getArgmax(coords[0], oR, oC, coords[3])) == wR * uniforms.filterDims.y + wC) {
            sum += getDy(coords[0], oR, oC, coords[3]);
          }
        }
      }
      setOutputAtIndex(index, sum);
    }
  }`;

function maxPoolGrad(args: { inputs: Record<string, TensorInfo>; backend: WebgpuBackendLike; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  const uniforms = [
    { type: 'int32', data: [info.strideHeight, info.strideWidth] },
    { type: 'int32', data: [info.padInfo.top, info.padInfo.left] },
    { type: 'int32', data: [info.inHeight, info.inWidth] },
    { type: 'int32', data: [info.filterHeight, info.filterWidth] },
    { type: 'int32', data: [info.outHeight, info.outWidth] },
  ];
  const argmax = backend.runWebGPUProgram(flatProgram(info.outShape, ['x'], POOL_UNIFORMS, 'wsolMaxPoolFirstArgmax', FIRST_ARGMAX), [input], 'int32', uniforms);
  const dx = backend.runWebGPUProgram(
    flatProgram(info.inShape, ['dy', 'argmax'], POOL_UNIFORMS, 'wsolMaxPoolGradByArgmax', SCATTER_BY_ARGMAX),
    [dy, argmax],
    input.dtype,
    uniforms,
  );
  backend.disposeData(argmax.dataId);
  return dx;
}

export function registerWebgpuMaxPoolGrad(): void {
  replaceKernel('MaxPoolGrad', maxPoolGrad);
}
