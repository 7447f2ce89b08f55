/**
 * What wsol-run knows about a WebGPU adapter, in plain data: what the probe
 * child prints, the probe cache stores, doctor lists and the backend fact
 * names. Nothing here loads Dawn.
 */

/** The Dawn backend an adapter was found through (Dawn's `backend=` option). */
export type DawnBackendType = 'vulkan' | 'opengl' | 'opengles' | 'metal' | 'd3d12';

/** A WebGPU adapter as Dawn describes it through one backend, in plain data for the probe cache, doctor and the backend fact. */
export interface AdapterDescription {
  backendType: DawnBackendType;
  /** 'core' is full WebGPU; 'compatibility' the subset Dawn offers over OpenGL (ES). */
  featureLevel: 'core' | 'compatibility';
  vendor: string;
  architecture: string;
  device: string;
  /** The driver as the adapter describes itself (e.g. "NVIDIA: 550.54.15", "Mesa 22.3.6"). */
  description: string;
  /** A CPU rasterizer (llvmpipe, lavapipe, SwiftShader, WARP): fine for tests, never chosen automatically. */
  software: boolean;
}

/**
 * Mesa's EGL (Dawn's OpenGL backend) needs EGL_PLATFORM=surfaceless without a
 * display. It reads the process environment, which only the main thread can
 * change (a worker thread's process.env is its own copy): called where
 * webgpu is planned, before any worker starts. A user's own setting wins.
 */
export function prepareHeadlessEgl(env: NodeJS.ProcessEnv = process.env): void {
  env.EGL_PLATFORM ??= 'surfaceless';
}

/** Dawn backends worth trying on a platform, best first, with the feature level each supports. */
export function dawnBackendsFor(platform: NodeJS.Platform): { backendType: DawnBackendType; featureLevel: 'core' | 'compatibility' }[] {
  if (platform === 'darwin') return [{ backendType: 'metal', featureLevel: 'core' }];
  if (platform === 'win32')
    return [
      { backendType: 'd3d12', featureLevel: 'core' },
      { backendType: 'vulkan', featureLevel: 'core' },
    ];
  // Linux: Vulkan is the real path; Dawn's OpenGL backend gives only compatibility mode (Mesa's llvmpipe in CI).
  return [
    { backendType: 'vulkan', featureLevel: 'core' },
    { backendType: 'opengl', featureLevel: 'compatibility' },
  ];
}

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software|microsoft basic render|\bwarp\b/i;

/** Whether an adapter is a CPU rasterizer, from what it says of itself. */
export function isSoftwareAdapter(info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean }): boolean {
  return info.isFallbackAdapter === true || SOFTWARE.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The adapter's part of the backend fact: backend, vendor, architecture,
 * device and driver, e.g. `vulkan.nvidia.hopper.nvidia-h200.nvidia-550.54.15`.
 * Two GPUs, or one GPU under two drivers, round differently: their results
 * are keyed apart.
 */
export function adapterSlug(a: AdapterDescription): string {
  return [a.backendType, a.vendor, a.architecture, a.device, a.description].map(slug).filter(Boolean).join('.');
}

/** One line for doctor and start-up messages. */
export function describeAdapter(a: AdapterDescription): string {
  const name = [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return `${name} over ${a.backendType}${a.featureLevel === 'compatibility' ? ' (compatibility mode)' : ''}, driver: ${a.description || 'unknown'}${a.software ? ' [software]' : ''}`;
}

/** The adapter wsol-run uses: the first hardware one, or (when software is allowed) the first at all. */
export function chooseAdapter(adapters: readonly AdapterDescription[], allowSoftware: boolean): AdapterDescription | undefined {
  return adapters.find((a) => !a.software) ?? (allowSoftware ? adapters[0] : undefined);
}
