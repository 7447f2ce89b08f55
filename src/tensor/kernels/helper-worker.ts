/**
 * A helper thread of the kernel module: instantiates the module on the shared
 * memory, then runs its share (thread index `tid`) of every job the calling
 * thread posts, until told to stop. Synchronisation is Atomics.wait/notify on
 * the control block (layout.ts CTL), so a job costs no message passing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CLOSED, CTL, type KernelExports } from './layout.js';

/**
 * What a helper thread of the kernel module receives as workerData: the
 * compiled module, the shared memory, the control block's offset, its index
 * and the count.
 */
export interface HelperData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  ctl: number;
  tid: number;
  threads: number;
}

const { module, memory, ctl: ctlAt, tid } = workerData as HelperData;
const instance = await WebAssembly.instantiate(module, { env: { memory } });
const k = instance.exports as unknown as KernelExports;
const ctl = new Int32Array(memory.buffer, ctlAt, 16);
let seen = Atomics.load(ctl, CTL.SEQ);
parentPort!.postMessage('ready');
for (;;) {
  Atomics.wait(ctl, CTL.SEQ, seen);
  seen = Atomics.load(ctl, CTL.SEQ);
  if (Atomics.load(ctl, CTL.STOP)) break;
  // Join the current job unless the caller has already closed it (then there is nothing left to take).
  let state = Atomics.load(ctl, CTL.STATE);
  while (!(state & CLOSED)) {
    const before = Atomics.compareExchange(ctl, CTL.STATE, state, state + 1);
    if (before === state) break;
    state = before;
  }
  if (state & CLOSED) continue;
  try {
    k.run(Atomics.load(ctl, CTL.JOB), tid);
  } catch (e) {
    // A trap must not leave the caller waiting forever: report it and still leave the job.
    Atomics.store(ctl, CTL.FAILED, 1);
    parentPort!.postMessage(`helper ${tid} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  Atomics.sub(ctl, CTL.STATE, 1);
  Atomics.notify(ctl, CTL.STATE);
}
