/** A worker of parallel-sweep.ts: its range of maps, multi-box sweep and pixel histograms. */
import { parentPort, workerData } from 'node:worker_threads';
import { BoxSweeper } from './box-sweep.js';
import { PixelAccumulator } from './pixel-metrics.js';
import type { SweepWorkerReply, SweepWorkerTask } from './parallel-sweep.js';

const task = workerData as SweepWorkerTask;
let reply: SweepWorkerReply;
try {
  const { width, height, from, to, thresholds } = task;
  const size = width * height;
  const maps = new Float32Array(task.maps);
  const masks = task.masks ? new Uint8Array(task.masks) : null;
  const best = new Float64Array(task.bestIou);
  const sweeper = new BoxSweeper(width, height);
  const pixels = masks ? new PixelAccumulator(thresholds) : null;
  for (let i = from; i < to; i++) {
    const map = maps.subarray(i * size, (i + 1) * size);
    best.set(sweeper.multiBestIouOfMap(map, thresholds, task.boxes[i - from]!), i * thresholds.length);
    if (pixels && masks) pixels.add(map, masks.subarray(i * size, (i + 1) * size), null);
  }
  const h = pixels?.histograms();
  reply = { positives: h?.positives ?? null, negatives: h?.negatives ?? null };
} catch (e) {
  reply = { positives: null, negatives: null, error: e instanceof Error ? e.message : String(e) };
}
parentPort!.postMessage(reply);
