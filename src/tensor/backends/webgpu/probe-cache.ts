/**
 * Which WebGPU adapters this machine has, as the CLI sees it without loading
 * Dawn: a probe in a child process (probe-child.ts), cached per user and
 * redone only when what decides the answer changes: the driver files, the
 * GPU device nodes, the Dawn build and the environment variables drivers
 * read. A no-op run reads one small file and stats a few others.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareHeadlessEgl, type AdapterDescription } from './adapters.js';

/** What the probe child found (and the probe cache keeps): whether Dawn loaded, its adapters, and the backends that gave none. */
export interface WebgpuProbe {
  /** The webgpu package loaded (else `problems` says why). */
  ok: boolean;
  adapters: AdapterDescription[];
  /** Backends that gave no adapter, and why. */
  problems: string[];
}

interface CachedProbe {
  version: 1;
  fingerprint: string;
  probe: WebgpuProbe;
}

/** Environment variables that change which adapters and drivers Dawn sees. */
const DRIVER_ENV = [
  'VK_ICD_FILENAMES',
  'VK_DRIVER_FILES',
  'VK_ADD_DRIVER_FILES',
  'VK_LOADER_DRIVERS_SELECT',
  'EGL_PLATFORM',
  'LIBGL_ALWAYS_SOFTWARE',
  'GALLIUM_DRIVER',
  'MESA_LOADER_DRIVER_OVERRIDE',
  'NVIDIA_VISIBLE_DEVICES',
  'CUDA_VISIBLE_DEVICES',
  'DRI_PRIME',
  'LD_LIBRARY_PATH',
];

const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const DEVICE_DIRS = ['/dev/dri', '/dev'];
/** Libraries whose update means another driver: the Vulkan loader, Mesa's EGL and its rasterizers, NVIDIA's user-space driver. */
const DRIVER_LIBS = ['libvulkan.so.1', 'libEGL_mesa.so.0', 'libEGL.so.1', 'dri/swrast_dri.so', 'libGLX_nvidia.so.0', 'libnvidia-glcore.so'];
const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];

function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${path}:${s.size}:${s.mtimeMs}`;
  } catch {
    return `${path}:-`;
  }
}

function listing(dir: string, filter: (name: string) => boolean = () => true): string[] {
  try {
    return readdirSync(dir).filter(filter).sort();
  } catch {
    return [];
  }
}

/** The Vulkan drivers named by the ICD manifests (their library paths), so a driver update is seen. */
function icdStamps(): string[] {
  const out: string[] = [];
  for (const dir of ICD_DIRS)
    for (const name of listing(dir, (n) => n.endsWith('.json'))) {
      const file = join(dir, name);
      out.push(stamp(file));
      try {
        const lib = (JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path;
        if (lib?.startsWith('/')) out.push(stamp(lib));
        else if (lib) for (const d of LIB_DIRS) if (existsSync(join(d, lib))) out.push(stamp(join(d, lib)));
      } catch {
        out.push(`${file}:unreadable`);
      }
    }
  return out;
}

/** What decides the probe's answer, hashed. */
export function driverFingerprint(env: NodeJS.ProcessEnv = process.env, dawnVersion = 'none'): string {
  const parts = [`dawn:${dawnVersion}`, `platform:${process.platform}-${process.arch}`];
  for (const k of DRIVER_ENV) parts.push(`${k}=${env[k] ?? ''}`);
  try {
    parts.push(readFileSync('/proc/driver/nvidia/version', 'utf8'));
  } catch {
    parts.push('no-nvidia-driver');
  }
  parts.push(`dri:${listing(DEVICE_DIRS[0]!).join(',')}`);
  parts.push(`nvidia-devices:${listing(DEVICE_DIRS[1]!, (n) => n.startsWith('nvidia')).join(',')}`);
  parts.push(...icdStamps());
  for (const d of LIB_DIRS) for (const lib of DRIVER_LIBS) if (existsSync(join(d, lib))) parts.push(stamp(join(d, lib)));
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** Where the probe is kept: per user, per machine ($XDG_CACHE_HOME or ~/.cache; WSOL_RUN_PROBE_CACHE names the file itself). */
export function probeCachePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WSOL_RUN_PROBE_CACHE) return env.WSOL_RUN_PROBE_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'wsol-run', 'webgpu-adapters.json');
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'probe-child.js');

/** Runs the probe child now (about a second: Dawn starts each backend). */
export function runProbe(): WebgpuProbe {
  const r = spawnSync(process.execPath, [CHILD], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = r.stdout?.trim().split('\n').at(-1);
  if (r.status === 0 && line) {
    try {
      return JSON.parse(line) as WebgpuProbe;
    } catch {
      // fall through: report what the child said
    }
  }
  const why = r.error?.message ?? (r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`);
  return { ok: false, adapters: [], problems: [`the adapter probe failed (${why}): ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ')}`] };
}

/**
 * The adapters of this machine: from the cache when its fingerprint still
 * matches, else probed and cached (written atomically: parallel runs may
 * probe at once).
 */
export function webgpuAdapters(dawnVersion: string, o: { env?: NodeJS.ProcessEnv; refresh?: boolean } = {}): WebgpuProbe & { cached: boolean } {
  // Whoever asks which adapters exist is about to use one, possibly from worker threads started later.
  prepareHeadlessEgl();
  const env = o.env ?? process.env;
  const fingerprint = driverFingerprint(env, dawnVersion);
  const path = probeCachePath(env);
  if (!o.refresh) {
    try {
      const cached = JSON.parse(readFileSync(path, 'utf8')) as CachedProbe;
      if (cached.version === 1 && cached.fingerprint === fingerprint) return { ...cached.probe, cached: true };
    } catch {
      // missing or unreadable: probe again
    }
  }
  const probe = runProbe();
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ version: 1, fingerprint, probe } satisfies CachedProbe)}\n`);
    renameSync(tmp, path);
  } catch {
    // a read-only home: probe every time rather than fail
  }
  return { ...probe, cached: false };
}
