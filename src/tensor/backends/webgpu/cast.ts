/**
 * Cast of bool and int32 tensors to float32 on webgpu as a real conversion.
 * tfjs shares the buffer instead (no precision is lost), so the float32
 * tensor's buffer stays typed i32; kernels that copy raw elements of such a
 * buffer into a float output (tfjs's transpose, which its own reductions
 * call internally over non-inner axes) then fail to compile and leave
 * zeros. Converting once keeps every float32 buffer a float one.
 */
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { flatProgram, replaceKernel, shippedKernel, type WebgpuBackendLike } from './programs.js';

interface CastBackend extends WebgpuBackendLike {
  tensorMap: { get(dataId: object): { values?: ArrayLike<number> | null } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

const TO_FLOAT = `
  fn main(index : i32) {
    if (index < uniforms.size) {
      setOutputAtIndex(index, f32(A[index]));
    }
  }`;

export function registerWebgpuCast(): void {
  const shipped = shippedKernel('Cast');
  const cast = (args: { inputs: Record<string, TensorInfo>; backend: CastBackend; attrs: NamedAttrMap }): TensorInfo => {
    const x = args.inputs.x!;
    if (args.attrs.dtype !== 'float32' || (x.dtype !== 'int32' && x.dtype !== 'bool')) return shipped(args as never) as TensorInfo;
    const values = args.backend.tensorMap.get(x.dataId).values;
    // Data still on the CPU (small tensors, uploads not yet made) converts there.
    if (values) return args.backend.makeTensorInfo([...x.shape], 'float32', Float32Array.from(values));
    return args.backend.runWebGPUProgram(flatProgram([...x.shape], ['A'], '', 'wsolCastToFloat', TO_FLOAT), [x], 'float32', []);
  };
  replaceKernel('Cast', cast);
}
