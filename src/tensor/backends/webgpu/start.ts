/**
 * Starts tfjs's webgpu backend in this worker thread on one Dawn adapter:
 * the one the node's key names, or the best one there is. tfjs registers
 * its own webgpu start-up only where `navigator.gpu` exists and asks for the
 * default adapter, which in Node is none (Dawn's OpenGL backend needs
 * compatibility mode); so its kernels are loaded first and wsol-run
 * registers the backend on the device it chose.
 */
import type { Tf } from '../init.js';
import { adapterSlug, describeAdapter, type AdapterDescription } from './adapters.js';
import { findAdapters, requestTfjsDevice, type GpuLike } from './dawn.js';
import { routeForDeterminism } from './deterministic-kernels.js';
import { registerWebgpuCast } from './cast.js';
import { registerWebgpuTranspose } from './transpose.js';
import { registerWebgpuMaxPoolGrad } from './max-pool-grad.js';

/** Puts Dawn's GPU where tfjs looks for it: `navigator.gpu` (Node 20 has no `navigator` at all). */
function installNavigatorGpu(gpu: GpuLike): void {
  const g = globalThis as { navigator?: object };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
}

/** What a synchronous read (dataSync, arraySync) becomes on webgpu in Node: tfjs reads through an OffscreenCanvas, which Node lacks. */
export const SYNC_READ_MESSAGE =
  'a tensor was read synchronously (dataSync/arraySync), which the webgpu backend cannot do in Node (no OffscreenCanvas): the code must read it with `await tensor.data()`';

let started: AdapterDescription | undefined;
/** Our kernels replace tfjs's once per thread: a second start would wrap our own as "shipped". */
let kernelsReplaced = false;

interface ErrorReportingDevice {
  addEventListener(type: 'uncapturederror', listener: (e: { error: { message: string } }) => void): void;
  queue: { onSubmittedWorkDone(): Promise<void> };
}
let device: ErrorReportingDevice | undefined;
/**
 * Errors the GPU reported since the last take: a shader that does not
 * compile, an invalid pipeline or command buffer. tfjs does not listen for
 * them, and the kernel's output is then left as it was (zeros): results
 * that look like numbers but are not.
 */
const gpuErrors: string[] = [];

/**
 * The GPU errors since the last call, once the work submitted so far has
 * finished (errors arrive as events after the fact), and forgets them.
 */
export async function takeGpuErrors(): Promise<string[]> {
  if (!device) return [];
  await device.queue.onSubmittedWorkDone();
  await new Promise<void>((resolve) => setImmediate(resolve));
  return gpuErrors.splice(0);
}

/** The adapter this thread's webgpu backend runs on, once started. */
export function runningAdapter(): AdapterDescription | undefined {
  return started;
}

export async function startWebgpu(tf: Tf, wantedSlug: string | undefined): Promise<AdapterDescription> {
  // With a slug, only the Dawn backend it names is started (the others' drivers would print their complaints);
  // every backend is looked at only to say what is here when it is not found.
  let { found, problems } = await findAdapters(process.platform, wantedSlug ? (type) => wantedSlug.startsWith(`${type}.`) : undefined);
  const pick = wantedSlug ? found.find((a) => adapterSlug(a.description) === wantedSlug) : (found.find((a) => !a.description.software) ?? found[0]);
  if (!pick && wantedSlug) ({ found, problems } = await findAdapters());
  if (!pick) {
    const here = found.map((a) => adapterSlug(a.description)).join(', ') || `none (${problems.join('; ')})`;
    throw new Error(
      wantedSlug ? `the WebGPU adapter this run's key names (${wantedSlug}) is not on this machine; adapters here: ${here}` : `no WebGPU adapter: ${here}`,
    );
  }
  const wg = await import('@tensorflow/tfjs-backend-webgpu');
  installNavigatorGpu(pick.gpu);
  const gpuDevice = (await requestTfjsDevice(pick.adapter)) as ErrorReportingDevice;
  gpuDevice.addEventListener('uncapturederror', (e) => {
    if (gpuErrors.length < 20) gpuErrors.push(e.error.message.split('\n')[0]!);
  });
  device = gpuDevice;
  class NodeWebGPUBackend extends wg.WebGPUBackend {
    override readSync(dataId: object): ReturnType<InstanceType<typeof wg.WebGPUBackend>['readSync']> {
      try {
        return super.readSync(dataId);
      } catch (e) {
        if (e instanceof ReferenceError && /OffscreenCanvas/.test(e.message)) throw new Error(SYNC_READ_MESSAGE);
        throw e;
      }
    }
  }
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new NodeWebGPUBackend(gpuDevice as never, pick.adapter.info as never), 3);
  if (!kernelsReplaced) {
    kernelsReplaced = true;
    routeForDeterminism(tf);
    registerWebgpuMaxPoolGrad();
    registerWebgpuTranspose();
    registerWebgpuCast();
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error(`the webgpu backend did not start on ${describeAdapter(pick.description)}`);
  started = pick.description;
  return pick.description;
}
