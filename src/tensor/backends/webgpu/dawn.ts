/**
 * Dawn, Google's WebGPU implementation, through the npm package `webgpu`
 * (a prebuilt `dawn.node`): the adapters it finds here, and a device on one
 * of them with the limits tfjs's webgpu backend asks for. Loaded only in
 * worker threads and in the probe child, never in the CLI process.
 */
import { isMainThread } from 'node:worker_threads';
import { adapterSlug, dawnBackendsFor, isSoftwareAdapter, prepareHeadlessEgl, type AdapterDescription, type DawnBackendType } from './adapters.js';

/** The part of the WebGPU API used here (the full types live in @webgpu/types, which the CLI does not need). */
export interface GpuAdapterLike {
  info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  features: ReadonlySet<string>;
  limits: Record<string, number>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<unknown>;
}
/** The part of `navigator.gpu` used here: what Dawn's create() gives for one backend type. */
export interface GpuLike {
  requestAdapter(options?: { featureLevel?: string; powerPreference?: string }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

let dawn: Promise<DawnModule> | undefined;

/**
 * The Dawn binding, with WebGPU's global constants (GPUBufferUsage, ...)
 * installed, which tfjs's webgpu backend reads. In a worker thread the
 * headless EGL setting must already be in the process environment
 * (select.ts sets it when it plans webgpu).
 */
export function loadDawn(): Promise<DawnModule> {
  if (isMainThread) prepareHeadlessEgl();
  dawn ??= import('webgpu').then((m) => {
    const mod = m as unknown as DawnModule;
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    return mod;
  });
  dawn.catch(() => {
    dawn = undefined;
  });
  return dawn;
}

const instances = new Map<DawnBackendType, GpuLike>();

function gpuFor(mod: DawnModule, backendType: DawnBackendType): GpuLike {
  let gpu = instances.get(backendType);
  if (!gpu) {
    gpu = mod.create([`backend=${backendType}`]);
    instances.set(backendType, gpu);
  }
  return gpu;
}

/** An adapter found through Dawn: its description, the adapter, and the GPU instance of the backend it was found through. */
export interface FoundAdapter {
  description: AdapterDescription;
  adapter: GpuAdapterLike;
  gpu: GpuLike;
}

/** Every adapter Dawn finds on this platform, in the order wsol-run prefers them (backend order; the high-performance one of each). */
export async function findAdapters(
  platform: NodeJS.Platform = process.platform,
  only?: (backendType: DawnBackendType) => boolean,
): Promise<{ found: FoundAdapter[]; problems: string[] }> {
  const mod = await loadDawn();
  const found: FoundAdapter[] = [];
  const problems: string[] = [];
  for (const { backendType, featureLevel } of dawnBackendsFor(platform)) {
    if (only && !only(backendType)) continue;
    try {
      const gpu = gpuFor(mod, backendType);
      const adapter = await gpu.requestAdapter({ featureLevel, powerPreference: 'high-performance' });
      if (!adapter) {
        problems.push(`${backendType}: no adapter`);
        continue;
      }
      const info = adapter.info;
      found.push({
        gpu,
        adapter,
        description: {
          backendType,
          featureLevel,
          vendor: info.vendor ?? '',
          architecture: info.architecture ?? '',
          device: info.device ?? '',
          description: info.description ?? '',
          software: isSoftwareAdapter(info),
        },
      });
    } catch (e) {
      problems.push(`${backendType}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { found, problems };
}

/** The adapter whose fact slug is `slug` (what the node's key names), or undefined. */
export async function adapterBySlug(slug: string): Promise<FoundAdapter | undefined> {
  // Only the Dawn backend the slug names: starting the others costs time and prints their drivers' complaints
  // (no Vulkan loader on a machine whose adapter is OpenGL's).
  const { found } = await findAdapters(process.platform, (backendType) => slug.startsWith(`${backendType}.`));
  return found.find((a) => adapterSlug(a.description) === slug);
}

/**
 * A device on the adapter with the limits tfjs's own webgpu start-up asks
 * for (its largest buffers and workgroups), and timestamp queries when offered.
 */
export async function requestTfjsDevice(adapter: GpuAdapterLike): Promise<unknown> {
  const l = adapter.limits;
  return adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize!,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension!,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize!,
      maxBufferSize: l.maxBufferSize!,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX!,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup!,
    },
  });
}
