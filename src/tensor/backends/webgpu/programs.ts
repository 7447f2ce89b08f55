/**
 * wsol-run's own kernels on webgpu: WGSL programs run through tfjs's webgpu
 * program runner (which adds the uniforms, the typed accessors
 * getX/getCoordsFromIndex and setOutputAtIndex(I32) from the inputs' and
 * output's shapes and types), and their registration in place of tfjs's.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

/** tfjs's own webgpu kernel `name` (to fall back on, or to build with). */
export function shippedKernel(name: string): KernelFunc {
  const k = getKernel(name, 'webgpu');
  if (!k) throw new Error(`the webgpu backend has no ${name} kernel`);
  return k.kernelFunc;
}

/** Puts `kernelFunc` in the place of tfjs's webgpu kernel `name` (taken with shippedKernel first where it is the fallback). */
export function replaceKernel(name: string, kernelFunc: unknown): void {
  unregisterKernel(name, 'webgpu');
  registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: kernelFunc as KernelFunc });
}

/** A WGSL program in the shape tfjs's webgpu program runner expects (flatProgram makes one invocation per output element). */
export interface Program {
  variableNames: string[];
  uniforms: string;
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  getUserCode(): string;
}

/** The part of tfjs's webgpu backend wsol-run's kernels use: running a program and freeing a tensor's data. */
export interface WebgpuBackendLike {
  runWebGPUProgram(program: Program, inputs: TensorInfo[], dtype: string, uniforms: { type: string; data: number[] }[]): TensorInfo;
  disposeData(dataId: object): boolean;
}

const WORKGROUP: [number, number, number] = [64, 1, 1];

/** A program over every element of `shape`, one invocation each. */
export function flatProgram(shape: number[], names: string[], uniforms: string, key: string, body: string): Program {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    variableNames: names,
    uniforms,
    outputShape: shape,
    shaderKey: key,
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [Math.ceil(size / WORKGROUP[0]), 1, 1],
    workgroupSize: WORKGROUP,
    size: true,
    getUserCode: () => body,
  };
}
