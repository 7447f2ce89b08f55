/**
 * Transpose on webgpu for the inputs tfjs's kernel gets wrong. Its general
 * program copies a raw element of the input buffer into the output setter;
 * the buffer's WGSL type is that of the data, which after a cast without
 * copy (bool or int32 to float32: tfjs shares the buffer) is i32 under a
 * float32 tensor, and for int32 tensors always meets the float setter: the
 * shader does not compile and the output is left as zeros. Its 2-D program
 * goes through a float tile (inexact for integers above 2^24). This program
 * converts the element to the output's type, for ranks 2 to 4 (the 2-D
 * float32 case keeps tfjs's tiled program, which converts too).
 */
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { flatProgram, replaceKernel, shippedKernel, type WebgpuBackendLike } from './programs.js';

const AXES = ['x', 'y', 'z', 'w'];

/** Output coordinate i is input coordinate perm[i]: the input's coordinates, in input order, from the output's. */
function inputCoords(perm: readonly number[]): string {
  const switched = new Array<string>(perm.length);
  perm.forEach((p, i) => {
    switched[p] = `coords.${AXES[i]}`;
  });
  return `vec${perm.length}<i32>(${switched.join(', ')})`;
}

export function registerWebgpuTranspose(): void {
  const shipped = shippedKernel('Transpose');
  const transpose = (args: { inputs: Record<string, TensorInfo>; backend: WebgpuBackendLike; attrs: NamedAttrMap }): TensorInfo => {
    const x = args.inputs.x!;
    const perm = args.attrs.perm as number[];
    const rank = x.shape.length;
    const float = x.dtype === 'float32';
    if (rank < 2 || rank > 4 || (float && rank === 2) || x.dtype === 'complex64' || x.dtype === 'string') return shipped(args as never) as TensorInfo;
    const element = `A[getIndexFromCoords${rank}D(${inputCoords(perm)}, uniforms.aShape)]`;
    const body = `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          ${float ? `setOutputAtIndex(index, f32(${element}));` : `setOutputAtIndexI32(index, i32(${element}));`}
        }
      }`;
    const shape = perm.map((p) => x.shape[p]!);
    return args.backend.runWebGPUProgram(flatProgram(shape, ['A'], '', `wsolTranspose_${perm.join('')}_${float ? 'f32' : 'i32'}`, body), [x], x.dtype, []);
  };
  replaceKernel('Transpose', transpose);
}
