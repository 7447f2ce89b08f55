/**
 * The multi-box sweep and the PxAP histograms of many maps split over
 * worker threads. Maps and masks travel in SharedArrayBuffers (no copies);
 * each worker fills its rows of a shared best-IoU table and returns its
 * histograms, which add up exactly (they are counts). Results are identical
 * to the single-threaded path whatever the number of threads.
 */
import { Worker } from 'node:worker_threads';
import type { Box } from './iou.js';
import { PixelAccumulator } from './pixel-metrics.js';

/** The multi-box sweep and PxAP work of a split, handed to sweepInParallel: the score maps, boxes and masks in shared memory, and the thresholds. */
export interface SweepJob {
  width: number;
  height: number;
  count: number;
  /** count x height x width score maps in [0, 1], in a SharedArrayBuffer. */
  maps: Float32Array;
  /** Ground-truth boxes per image (every image needs at least one). */
  boxes: readonly (readonly Box[])[];
  /** count x height x width foreground masks in a SharedArrayBuffer, or null (no PxAP). */
  masks: Uint8Array | null;
  thresholds: number[];
}

/** What sweepInParallel returns: each image's best IoU at each threshold, and the split's pixel histograms (null without masks). */
export interface SweepResult {
  /** Row i: best IoU of image i at each threshold (multi-box). */
  bestIou: Float64Array;
  pixels: PixelAccumulator | null;
}

/** Message a worker receives. */
export interface SweepWorkerTask {
  width: number;
  height: number;
  from: number;
  to: number;
  maps: SharedArrayBuffer;
  masks: SharedArrayBuffer | null;
  boxes: Box[][];
  thresholds: number[];
  bestIou: SharedArrayBuffer;
}

/** What a worker answers. */
export interface SweepWorkerReply {
  positives: Float64Array | null;
  negatives: Float64Array | null;
  error?: string;
}

/** Copies a typed array into shared memory (once, before the timed work). */
export function shared<T extends Float32Array | Uint8Array>(values: T): T {
  const buffer = new SharedArrayBuffer(values.byteLength);
  const out = (values instanceof Float32Array ? new Float32Array(buffer) : new Uint8Array(buffer)) as T;
  out.set(values);
  return out;
}

function bufferOf(a: Float32Array | Uint8Array): SharedArrayBuffer {
  if (!(a.buffer instanceof SharedArrayBuffer) || a.byteOffset !== 0)
    throw new TypeError('parallel sweep needs arrays that start a SharedArrayBuffer (use shared())');
  return a.buffer;
}

export async function sweepInParallel(job: SweepJob, threads: number): Promise<SweepResult> {
  const { count, thresholds } = job;
  const bestBuffer = new SharedArrayBuffer(count * thresholds.length * 8);
  const pixels = job.masks ? new PixelAccumulator(thresholds) : null;
  const n = Math.max(1, Math.min(threads, count));
  const url = new URL('./sweep-worker.js', import.meta.url);
  const replies = await Promise.all(
    Array.from({ length: n }, (_, k) => {
      const from = Math.floor((k * count) / n);
      const to = Math.floor(((k + 1) * count) / n);
      const task: SweepWorkerTask = {
        width: job.width,
        height: job.height,
        from,
        to,
        maps: bufferOf(job.maps),
        masks: job.masks ? bufferOf(job.masks) : null,
        boxes: job.boxes.slice(from, to) as Box[][],
        thresholds,
        bestIou: bestBuffer,
      };
      return new Promise<SweepWorkerReply>((resolve, reject) => {
        const worker = new Worker(url, { workerData: task });
        worker.once('message', (reply: SweepWorkerReply) => {
          void worker.terminate();
          if (reply.error) reject(new Error(reply.error));
          else resolve(reply);
        });
        worker.once('error', reject);
      });
    }),
  );
  for (const r of replies) if (pixels && r.positives && r.negatives) pixels.merge({ positives: r.positives, negatives: r.negatives });
  return { bestIou: new Float64Array(bestBuffer), pixels };
}
