/**
 * Entry for `wsol-run doctor`'s probes: starts one backend (so a native
 * library that fails to load cannot take the CLI down) and, if asked, times
 * training steps of the reference model. Run as a worker thread (the request
 * in workerData, the answer posted) or as a child process (the request as
 * JSON in argv[2], the answer as the last line of stdout): a child's stderr
 * can be captured, and Dawn writes its native warnings straight to fd 2.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendName } from './select.js';

/**
 * What doctor asks a probe to do: start one backend and, for probeSeconds > 0,
 * time training steps of the reference model at this batch and image side.
 */
export interface ProbeRequest {
  backend: BackendName;
  probeSeconds: number;
  batch: number;
  size: number;
}

/** A probe's answer: whether the backend started (else the error), what tfjs activated, the kernel module, and the timed steps. */
export interface ProbeResult {
  backend: BackendName;
  ok: boolean;
  error?: string;
  /** tfjs's name of the active backend once started. */
  active?: string;
  /** wasm only: wsol-run's kernel module as started (null: off or failed to start, the previous kernels run). */
  kernelModule?: { variant: 'fma' | 'plain'; threads: number } | null;
  probe?: { steps: number; medianStepMs: number; imagesPerSecond: number; firstLoss: number; lastLoss: number };
}

async function main(req: ProbeRequest): Promise<ProbeResult> {
  try {
    const { activeKernelModule, initTensorBackend } = await import('./init.js');
    const tf = await initTensorBackend(req.backend);
    const result: ProbeResult = { backend: req.backend, ok: true, active: tf.getBackend() };
    if (req.backend === 'wasm') {
      const m = activeKernelModule();
      result.kernelModule = m ? { variant: m.variant, threads: m.threads } : null;
    }
    if (req.probeSeconds > 0) {
      const { timeTrainingSteps, medianStepMs } = await import('../train-step-probe.js');
      const t = await timeTrainingSteps(tf, { batch: req.batch, size: req.size, steps: 1000, warmup: 1, budgetMs: req.probeSeconds * 1000 });
      const median = medianStepMs(t);
      result.probe = {
        steps: t.stepMs.length,
        medianStepMs: median,
        imagesPerSecond: (req.batch * 1000) / median,
        firstLoss: t.losses[0]!,
        lastLoss: t.losses.at(-1)!,
      };
    }
    return result;
  } catch (e) {
    return { backend: req.backend, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

if (parentPort) {
  parentPort.postMessage(await main(workerData as ProbeRequest));
} else {
  process.stdout.write(`\n${JSON.stringify(await main(JSON.parse(process.argv[2] ?? '{}') as ProbeRequest))}\n`);
  // A Dawn device holds native threads: leave without waiting for them.
  process.exit(0);
}
