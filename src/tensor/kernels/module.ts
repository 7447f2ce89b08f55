/**
 * Loads wsol-run's kernel module (the C sources here, compiled to
 * WebAssembly) and runs its jobs on all cores: the calling thread plus helper
 * worker threads, all on one shared WebAssembly memory.
 *
 * Memory: a few resident slots that keep large inputs between calls (see
 * startCall()), then a bump arena reset at the start of every kernel call. Both
 * grow to the largest need and are then reused as they are, so a long
 * training run allocates nothing new per step (no heap growth, no
 * fragmentation).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CLOSED, CTL, CTL_BYTES, J, JOB_FIELDS, type KernelExports } from './layout.js';
import type { HelperData } from './helper-worker.js';
import { KERNEL_MODULES } from './build.js';
import { chooseVariant, type Variant } from './variant.js';

const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB, the module's declared maximum
/**
 * Polls for running helpers to leave a job before sleeping in Atomics.wait.
 * Short: a helper still inside is finishing one work unit (up to about a
 * millisecond), and on a busy machine spinning takes the core it needs.
 */
const SPIN = 500;
/** See KernelModule.watchWaiting(): jobs per observation window, share of waiting that triggers running alone, and for how many jobs (about 25 training steps of the reference model). */
const SOLO_WINDOW = 40;
const SOLO_WAIT_SHARE = 0.2;
const SOLO_JOBS = 400;

export type { Variant } from './variant.js';

/** A kernel call too large for the module's memory: that call should use another kernel; the module stays usable. */
export class ArenaFull extends Error {
  override name = 'ArenaFull';
}

/** How KernelModule.start starts the kernel module: how many threads, and whether to use the fused multiply-add build. */
export interface KernelModuleOptions {
  /** Threads in all, the calling one included (default: WSOL_RUN_KERNEL_THREADS, else the machine's cores, at most 8). */
  threads?: number;
  /** Use fused multiply-add if the engine has relaxed SIMD (default: yes unless WSOL_RUN_KERNEL_FMA=0). */
  fma?: boolean;
}

export class KernelModule {
  private top = 0;
  private readonly ctl: Int32Array;
  /** Where the resident slots start, and where the per-call arena starts (after them). */
  private readonly slotsStart: number;
  private arenaStart: number;
  private readonly slots: Slot[] = [];
  private clock = 0;
  /**
   * WSOL_RUN_KERNEL_CHECKS=1 (the tests): every arena allocation, and every
   * region given to guard(), is followed by GUARD_BYTES of a known pattern,
   * checked after each job, so a kernel that writes past its buffers fails
   * loudly instead of corrupting a neighbour.
   */
  readonly checks = process.env.WSOL_RUN_KERNEL_CHECKS === '1';
  /** Set when a kernel using the module failed: the tfjs kernels then use the previous implementations for good. */
  failed = false;
  private guards: number[] = [];
  /** The busy-machine fallback of watchWaiting(); `periods` counts how often it ran alone. */
  readonly solo = { jobs: 0, jobMs: 0, waitedMs: 0, jobsLeft: 0, periods: 0 };
  /** Wall time (ms) spent copying inputs in, running jobs and copying results out, since start: for bench/profile-kernels.ts. */
  readonly time = { copyIn: 0, jobs: 0, copyOut: 0 };

  private constructor(
    readonly variant: Variant,
    readonly threads: number,
    private readonly memory: WebAssembly.Memory,
    readonly exports: KernelExports,
    private readonly helpers: Worker[],
    ctlAt: number,
  ) {
    this.ctl = new Int32Array(memory.buffer, ctlAt, 16);
    this.slotsStart = ctlAt + CTL_BYTES;
    this.arenaStart = this.slotsStart;
    this.top = this.arenaStart;
  }

  /** Starts a module and its helper threads; resolves once every helper is ready. */
  static async start(o: KernelModuleOptions = {}): Promise<KernelModule> {
    const { module, variant } = await compileBest(o.fma ?? process.env.WSOL_RUN_KERNEL_FMA !== '0');
    const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const exports = instance.exports as unknown as KernelExports;
    const ctlAt = align(Number(exports.__heap_base.value), 64);
    const threads = Math.max(1, Math.min(8, o.threads ?? (Number(process.env.WSOL_RUN_KERNEL_THREADS) || availableParallelism())));
    const helpers: Worker[] = [];
    try {
      for (let tid = 1; tid < threads; tid++) {
        const data: HelperData = { module, memory, ctl: ctlAt, tid, threads };
        const w = new Worker(new URL('./helper-worker.js', import.meta.url), { workerData: data });
        helpers.push(w);
        await new Promise<void>((resolve, reject) => {
          w.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(String(m)))));
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`helper thread exited (${code}) while starting`)));
        });
        w.removeAllListeners();
        // A later trap is reported through the control block; keep its message for the warning.
        w.on('message', (m) => process.emitWarning(String(m), 'WsolKernels'));
        w.on('error', (e) => process.emitWarning(`kernel helper thread: ${e.message}`, 'WsolKernels'));
        // Idle helpers sleep in Atomics.wait; they must not keep the process alive.
        w.unref();
      }
    } catch (e) {
      for (const w of helpers) void w.terminate();
      throw e;
    }
    return new KernelModule(variant, threads, memory, exports, helpers, ctlAt);
  }

  /**
   * Starts a kernel call: forgets the previous call's arena and places this
   * call's inputs, returning their offsets (in order). Each input is copied by
   * its `fill` unless a resident slot still holds it (keys are tfjs dataIds:
   * tensor data never changes). Inputs of RESIDENT_MIN_BYTES or more go to the
   * least recently used of RESIDENT_SLOTS slots that survive between calls: a
   * layer's output gradient is read by three kernels in a row (bias Sum, input
   * gradient, filter gradient) and is then copied once instead of three times.
   * Smaller inputs go to the per-call arena.
   */
  startCall(inputs: InputSpec[]): number[] {
    const bytes = (e: InputSpec): number => e.floats * 4 + SLACK;
    const big = inputs.filter((e) => bytes(e) >= RESIDENT_MIN_BYTES).slice(0, RESIDENT_SLOTS);
    const slotOf = new Map<InputSpec, Slot>();
    for (const e of big) {
      const hit = this.slots.find((s) => s.key === e.key && s.floats === e.floats && ![...slotOf.values()].includes(s));
      if (hit) slotOf.set(e, hit);
    }
    const free = this.slots.filter((s) => ![...slotOf.values()].includes(s)).sort((a, b) => a.used - b.used);
    let relayout = false;
    for (const e of big) {
      if (slotOf.has(e)) continue;
      let s = free.shift();
      if (!s) {
        s = { key: undefined, floats: 0, capacity: 0, at: -1, used: 0 };
        this.slots.push(s);
      }
      if (s.capacity < bytes(e)) {
        // Capacities only grow, and settle after the first training step.
        s.capacity = bytes(e);
        s.key = undefined;
        relayout = true;
      }
      slotOf.set(e, s);
    }
    if (relayout) this.layoutSlots();
    this.top = this.arenaStart;
    this.guards = [];
    const t = performance.now();
    const offsets = inputs.map((e) => {
      const s = slotOf.get(e);
      if (!s) {
        const at = this.alloc(bytes(e));
        e.fill(this.f32(at, e.floats));
        return at;
      }
      if (s.key !== e.key || s.floats !== e.floats) {
        e.fill(this.f32(s.at, e.floats));
        s.key = e.key;
        s.floats = e.floats;
      }
      s.used = ++this.clock;
      return s.at;
    });
    this.time.copyIn += performance.now() - t;
    return offsets;
  }

  /** Places the slots one after the other and the arena after them; a slot that moves forgets what it held. */
  private layoutSlots(): void {
    let at = this.slotsStart;
    for (const s of this.slots) {
      const to = align(at, 64);
      if (to !== s.at) {
        s.key = undefined;
        s.floats = 0;
        s.at = to;
      }
      at = s.at + s.capacity;
    }
    this.arenaStart = align(at, 64);
    this.top = this.arenaStart;
    this.alloc(0);
  }

  /** `bytes` of arena, 64-byte aligned (growing the memory if needed); its byte offset. */
  alloc(bytes: number): number {
    const at = align(this.top, 64);
    const end = at + bytes + (this.checks ? GUARD_BYTES : 0);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new ArenaFull(`the kernel module's memory would exceed ${MAX_PAGES * PAGE} bytes (${end} needed)`);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new ArenaFull(`the kernel module's memory could not grow to ${end} bytes: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.top = end;
    if (this.checks) this.guard(at + bytes);
    return at;
  }

  /** With checks on: GUARD_BYTES at `at` must keep their pattern through every job of this call. */
  guard(at: number): void {
    if (!this.checks) return;
    new Uint8Array(this.memory.buffer, at, GUARD_BYTES).fill(GUARD_VALUE);
    this.guards.push(at);
  }

  private checkGuards(): void {
    const bytes = new Uint8Array(this.memory.buffer);
    for (const at of this.guards) {
      for (let i = at; i < at + GUARD_BYTES; i++) if (bytes[i] !== GUARD_VALUE) throw new Error(`a kernel wrote past the end of its buffer (guard at ${at})`);
    }
  }

  /** A float view of the arena (views go stale when the memory grows: take them after the last alloc). */
  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, length);
  }

  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, at, length);
  }

  /** A zeroed job descriptor in the arena. */
  job(): { at: number; fields: Int32Array } {
    const at = this.alloc(JOB_FIELDS * 4);
    const fields = this.i32(at, JOB_FIELDS);
    fields.fill(0);
    return { at, fields };
  }

  /**
   * Runs the job at `job`: this thread works through its units while helpers
   * join as they wake; returns once the units are done and no helper is
   * inside the job any more.
   */
  runParallel(job: number): void {
    const t = performance.now();
    try {
      this.runJob(job);
    } finally {
      this.time.jobs += performance.now() - t;
    }
    if (this.checks) this.checkGuards();
  }

  private runJob(job: number): void {
    Atomics.store(this.i32(job, JOB_FIELDS), J.NEXT, 0);
    if (this.threads === 1 || this.solo.jobsLeft > 0) {
      this.solo.jobsLeft = Math.max(0, this.solo.jobsLeft - 1);
      this.exports.run(job, 0);
      return;
    }
    const ctl = this.ctl;
    const start = performance.now();
    Atomics.store(ctl, CTL.JOB, job);
    Atomics.store(ctl, CTL.STATE, 0);
    Atomics.add(ctl, CTL.SEQ, 1);
    Atomics.notify(ctl, CTL.SEQ);
    this.exports.run(job, 0);
    const ownDone = performance.now();
    let state = Atomics.or(ctl, CTL.STATE, CLOSED) | CLOSED;
    for (let i = 0; i < SPIN && state !== CLOSED; i++) state = Atomics.load(ctl, CTL.STATE);
    while (state !== CLOSED) {
      Atomics.wait(ctl, CTL.STATE, state, 100);
      state = Atomics.load(ctl, CTL.STATE);
    }
    this.watchWaiting(performance.now() - start, performance.now() - ownDone);
    if (Atomics.load(ctl, CTL.FAILED)) throw new Error('a kernel helper thread failed');
  }

  /**
   * On a busy machine a helper that took a unit can be descheduled in the
   * middle of it, and this thread then waits for it (a scheduler time slice,
   * milliseconds). When such waits add up to more than SOLO_WAIT_SHARE of the
   * job time over a window of jobs, run alone for SOLO_JOBS jobs, then try
   * helpers again. Results do not change: reductions never depend on the
   * thread count.
   */
  private watchWaiting(jobMs: number, waitedMs: number): void {
    const w = this.solo;
    w.jobMs += jobMs;
    w.waitedMs += waitedMs;
    if (++w.jobs < SOLO_WINDOW) return;
    if (w.waitedMs > SOLO_WAIT_SHARE * w.jobMs) {
      w.jobsLeft = SOLO_JOBS;
      w.periods++;
    }
    w.jobs = 0;
    w.jobMs = 0;
    w.waitedMs = 0;
  }

  /** Stops the helper threads (tests; a process exit does it anyway). */
  async stop(): Promise<void> {
    Atomics.store(this.ctl, CTL.STOP, 1);
    // The same counter runJob advances: every helper sees a new value and wakes.
    Atomics.add(this.ctl, CTL.SEQ, 1);
    Atomics.notify(this.ctl, CTL.SEQ);
    await Promise.all(this.helpers.map((w) => new Promise((r) => (w.threadId >= 0 ? w.once('exit', r) : r(undefined)))));
  }
}

/** Inputs at least this large are kept resident between calls, in at most RESIDENT_SLOTS slots. */
const RESIDENT_MIN_BYTES = 1 << 20;
const RESIDENT_SLOTS = 2;
/** Bytes after every input: the kernels read whole vectors, up to 7 floats past the last row. */
const SLACK = 32;
export const GUARD_BYTES = 64;
const GUARD_VALUE = 0xa5;

/** One input of a kernel call: its identity, size, and how to copy it into the module's memory. */
export interface InputSpec {
  key: object;
  floats: number;
  fill: (dst: Float32Array) => void;
}

interface Slot {
  key: object | undefined;
  floats: number;
  capacity: number;
  at: number;
  used: number;
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** The build chooseVariant() picks (variant.ts), compiled. */
async function compileBest(wantFma: boolean): Promise<{ module: WebAssembly.Module; variant: Variant }> {
  const variant = chooseVariant(wantFma);
  return { module: await WebAssembly.compile(readFileSync(KERNEL_MODULES[variant])), variant };
}
