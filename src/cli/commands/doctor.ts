import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  BACKENDS,
  DAWN_PACKAGE,
  backendPackage,
  installedVersion,
  kernelVariantLabel,
  planBackend,
  WASM_KERNELS_VERSION,
  type BackendName,
} from '../../tensor/backends/select.js';
import type { ProbeRequest, ProbeResult } from '../../tensor/backends/probe-worker.js';
import { adapterSlug, chooseAdapter, describeAdapter, type AdapterDescription } from '../../tensor/backends/webgpu/adapters.js';
import { probeCachePath, webgpuAdapters } from '../../tensor/backends/webgpu/probe-cache.js';
import { formatBytes, table } from '../format.js';
import { detectGpus } from '../options.js';
import { fitText } from '../width.js';
import { printJson, requestedBackend } from './common.js';

/** Options of `wsol-run doctor`, as commander parses them: the training-speed probe's length in seconds (0 skips it) and the backend to probe. */
export interface DoctorOptions {
  json?: boolean;
  /** Also print what the native libraries said while they were probed. */
  verbose?: boolean;
  probeSeconds: number;
  backend?: string;
}

/** What native libraries printed to stderr while doctor probed them (Dawn's driver warnings), per backend. */
const nativeOutput: { backend: BackendName; text: string }[] = [];

/**
 * Starts the backend in a child process whose stderr is captured: Dawn and
 * libtensorflow write their warnings ('vkCreateInstance: Found no drivers!')
 * to fd 2 themselves, past anything JavaScript could redirect in-process.
 */
function probe(req: ProbeRequest): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../tensor/backends/probe-worker.js', import.meta.url)), JSON.stringify(req)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', (e) => resolve({ backend: req.backend, ok: false, error: e.message }));
    child.once('close', (code, signal) => {
      if (stderr.trim()) nativeOutput.push({ backend: req.backend, text: stderr.trimEnd() });
      const line = stdout.trim().split('\n').at(-1);
      try {
        if (line) return resolve(JSON.parse(line) as ProbeResult);
      } catch {
        // not an answer: say how the child ended
      }
      const last = stderr.trim().split('\n').at(-1);
      resolve({
        backend: req.backend,
        ok: false,
        error: `the probe process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${last ? `: ${last}` : ''}`,
      });
    });
  });
}

const NOT_INSTALLED: Record<BackendName, string> = {
  'tensorflow-gpu': 'not installed: `npm install @tensorflow/tfjs-node-gpu` (downloads libtensorflow at install; needs CUDA 11.2 + cuDNN 8.1)',
  tensorflow: 'not installed: `npm install @tensorflow/tfjs-node` (downloads libtensorflow at install)',
  webgpu: 'not installed: `npm install @tensorflow/tfjs-backend-webgpu webgpu` (optional dependencies of wsol-run)',
  wasm: 'not installed: it ships with wsol-run; run `npm ci`',
  cpu: 'not installed: it ships with wsol-run; run `npm ci`',
};

/** The WebGPU part of doctor's report: Dawn's installed version, each adapter found with why it is or is not used, and what failed. */
export interface WebgpuReport {
  /** Dawn's binding (npm package webgpu), or null when not installed. */
  dawn: string | null;
  adapters: (AdapterDescription & { slug: string; status: string })[];
  /** Dawn backends that gave no adapter, and why. */
  problems: string[];
  /** Where the CLI keeps the probe between runs. */
  probeCache: string;
}

/** The WebGPU adapters here, probed afresh (doctor is where a new driver should show), with why each is or is not used. */
function webgpuReport(): WebgpuReport {
  const dawn = installedVersion(DAWN_PACKAGE) ?? null;
  if (!dawn) return { dawn, adapters: [], problems: [`not installed: npm install ${DAWN_PACKAGE}`], probeCache: probeCachePath() };
  const probe = webgpuAdapters(dawn, { refresh: true });
  const auto = chooseAdapter(probe.adapters, false);
  const forced = chooseAdapter(probe.adapters, true);
  return {
    dawn,
    adapters: probe.adapters.map((a) => ({
      ...a,
      slug: adapterSlug(a),
      status:
        a === auto
          ? 'used when webgpu is selected (hardware)'
          : a.software
            ? `software rasterizer: never chosen automatically (slower than wasm)${a === forced ? '; --backend webgpu uses it' : ''}`
            : 'another hardware adapter: not used (the first one is)',
    })),
    problems: probe.problems,
    probeCache: probeCachePath(),
  };
}

/** Which backends are installed and usable (and why not), the machine, and a training-speed probe. */
/** One row of doctor's backend table. */
interface BackendRow {
  name: BackendName;
  package: string;
  version: string | null;
  usable: boolean;
  detail: string;
}

/** Every backend: installed or not, and whether a tiny training probe starts on it (in a child process each). */
async function probeBackends(webgpu: ReturnType<typeof webgpuReport>): Promise<BackendRow[]> {
  const backends: BackendRow[] = [];
  for (const name of BACKENDS) {
    const v = installedVersion(backendPackage(name));
    if (!v) {
      backends.push({ name, package: backendPackage(name), version: null, usable: false, detail: NOT_INSTALLED[name] });
      continue;
    }
    if (name === 'webgpu' && webgpu.adapters.length === 0) {
      backends.push({ name, package: backendPackage(name), version: v, usable: false, detail: `no WebGPU adapter: ${webgpu.problems.join('; ')}` });
      continue;
    }
    const r = await probe({ backend: name, probeSeconds: 0, batch: 1, size: 8 });
    const detail = r.ok
      ? name === 'wasm'
        ? r.kernelModule
          ? `usable: wsol-run kernel module v${WASM_KERNELS_VERSION} (${kernelVariantLabel(r.kernelModule.variant)}, ${r.kernelModule.threads} threads)`
          : `usable: wsol-run's previous training kernels v${WASM_KERNELS_VERSION}, 1 thread (the kernel module is off or did not start)`
        : name === 'cpu'
          ? 'usable: pure JavaScript, far too slow to train (kept as the last resort)'
          : name === 'webgpu'
            ? `usable on ${describeAdapter(chooseAdapter(webgpu.adapters, true)!)}${chooseAdapter(webgpu.adapters, false) ? '' : '; software only, so chosen only with --backend webgpu'}`
            : `usable (${r.active})`
      : r.error!;
    backends.push({ name, package: backendPackage(name), version: v, usable: r.ok, detail });
  }
  return backends;
}

export async function doctorCommand(o: DoctorOptions): Promise<number> {
  // A misspelt --backend is bad input, as it is for `run`, before any probing.
  const requested = requestedBackend(o.backend);
  const gpus = detectGpus();
  const machine = {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryTotal: totalmem(),
    memoryFree: freemem(),
    node: process.version,
    gpus,
  };
  const webgpu = webgpuReport();
  const backends = await probeBackends(webgpu);
  let selected: { name: string; reason: string } | null = null;
  let selectionError: string | null = null;
  try {
    const plan = planBackend(requested);
    const usable = backends.find((b) => b.name === plan.name)?.usable;
    selected = { name: plan.name, reason: plan.reason };
    if (!usable) selectionError = `the selected backend ${plan.name} does not start here; choose another with --backend`;
  } catch (e) {
    selectionError = e instanceof Error ? e.message : String(e);
  }
  let speed: ProbeResult['probe'] | null = null;
  if (selected && !selectionError && o.probeSeconds > 0) {
    if (!o.json) process.stderr.write(`probing training speed on ${selected.name} for ${o.probeSeconds} s...\n`);
    const r = await probe({ backend: selected.name as BackendName, probeSeconds: o.probeSeconds, batch: 32, size: 64 });
    speed = r.probe ?? null;
    if (!r.ok) selectionError = r.error ?? 'probe failed';
  }
  const report = {
    machine,
    backends,
    webgpu,
    selected,
    selectionError,
    probe: speed ? { model: 'conv32-pool-conv64-pool-conv128-GAP-dense10, 64x64x3, batch 32, Adam', ...speed } : null,
  };
  if (o.json) {
    printJson(report);
    return selectionError ? 1 : 0;
  }
  const lines = [
    `machine   ${machine.cores} cores (${machine.cpu}), memory ${formatBytes(machine.memoryTotal)} total, ${formatBytes(machine.memoryFree)} free, Node ${machine.node}`,
    `GPUs      ${gpus ? `${gpus} (nvidia-smi)` : 'none detected (no nvidia-smi, or it lists no GPU)'}`,
    '',
    table(
      ['backend', 'package', 'version', 'status'],
      backends.map((b) => [b.name + (selected?.name === b.name ? ' *' : ''), b.package, b.version ?? '-', b.detail]),
    ),
    '',
    selected ? `selected  ${selected.name} (${selected.reason})` : 'selected  none',
  ];
  if (webgpu.dawn) {
    lines.splice(
      lines.length - 1,
      0,
      webgpu.adapters.length
        ? table(
            [`WebGPU adapter (Dawn ${webgpu.dawn})`, 'status'],
            webgpu.adapters.map((a) => [describeAdapter(a), a.status]),
          )
        : `WebGPU    no adapter (${webgpu.problems.join('; ')})`,
      '',
    );
  }
  if (speed) {
    lines.push(
      `probe     ${speed.imagesPerSecond.toFixed(1)} images/s training the reference CNN (64x64x3, batch 32, Adam): median of ${speed.steps} steps, ${speed.medianStepMs.toFixed(0)} ms/step; loss ${speed.firstLoss.toFixed(3)} -> ${speed.lastLoss.toFixed(3)}`,
    );
  }
  if (selectionError) lines.push(`problem   ${selectionError}`);
  if (nativeOutput.length) {
    if (o.verbose) for (const n of nativeOutput) lines.push('', `native output while probing ${n.backend}:`, ...n.text.split('\n').map((l) => `  ${l}`));
    else
      lines.push(
        `(native libraries printed ${nativeOutput.reduce((a, n) => a + n.text.split('\n').length, 0)} lines while probing: doctor --verbose shows them)`,
      );
  }
  process.stdout.write(`${fitText(lines.join('\n'))}\n`);
  return selectionError ? 1 : 0;
}
