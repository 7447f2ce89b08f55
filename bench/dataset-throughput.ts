/**
 * Dataset benchmark: how fast images are decoded and resized into a dataset
 * artifact, and how fast an artifact opens and serves batches, next to the
 * Step 2 training throughput (the reference CNN on wasm, BENCHMARKS.md), so
 * we can say whether decoding could ever be what training waits for.
 *
 *   npm run bench:data [-- --images 300 --runs 3]
 *
 * Input: a CUB-200-2011-format directory of 500x375 JPEGs (quality 90) with
 * photo-like content (smooth colour fields, texture, noise, shapes), written
 * once under .bench/.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCub } from '../src/datasets/loaders/cub.js';
import { openDataset, writeDatasetArtifact } from '../src/datasets/store.js';
import { clutteredMnist } from '../src/datasets/generators/cluttered-mnist.js';
import { encodeJpeg } from '../src/image/decode.js';
import { rng } from '../src/core/random.js';
import { packagePath } from '../src/paths.js';
import { machine, markdownTable, median, numericOption, updateBenchmarks } from './lib/report.js';

const IMAGES = numericOption('images', 300);
const RUNS = numericOption('runs', 3);
const TRAIN_IMAGES_PER_S = 73.8; // Step 2: wasm training of the reference CNN, 64x64, batch 32 (BENCHMARKS.md)
const W = 500;
const H = 375;

/** A photo-like 500x375 RGB image: smooth colour field + mid-frequency texture + an ellipse + sensor noise. */
function photo(seed: number): Uint8Array {
  const r = rng(seed, 'bench-photo');
  const corners = Array.from({ length: 4 }, () => [r.next(), r.next(), r.next()]);
  const fx = r.uniform(0.02, 0.08);
  const fy = r.uniform(0.02, 0.08);
  const [cx, cy, rx, ry] = [r.uniform(150, 350), r.uniform(100, 275), r.uniform(50, 140), r.uniform(40, 110)];
  const bird = [r.next(), r.next(), r.next()];
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = x / W;
      const v = y / H;
      const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
      const texture = 0.08 * Math.sin(x * fx * 6 + Math.sin(y * fy * 4) * 3);
      for (let k = 0; k < 3; k++) {
        const base = inside
          ? bird[k]!
          : corners[0]![k]! * (1 - u) * (1 - v) + corners[1]![k]! * u * (1 - v) + corners[2]![k]! * (1 - u) * v + corners[3]![k]! * u * v;
        const value = base + texture + 0.04 * r.normal();
        out[3 * (y * W + x) + k] = Math.max(0, Math.min(255, Math.round(value * 255)));
      }
    }
  }
  return out;
}

/** Writes (once) a CUB-format directory of IMAGES JPEGs, 10 classes. */
async function benchDirectory(): Promise<{ root: string; meanBytes: number }> {
  const root = packagePath(`.bench/cub-500x375-${IMAGES}`);
  const lines: Record<string, string[]> = { images: [], labels: [], split: [], boxes: [] };
  const classes = Array.from({ length: 10 }, (_, c) => `${String(c + 1).padStart(3, '0')}.Bird_${c}`);
  let bytes = 0;
  const complete = existsSync(join(root, 'bounding_boxes.txt'));
  for (let i = 1; i <= IMAGES; i++) {
    const c = (i - 1) % 10;
    const rel = `${classes[c]}/Bird_${c}_${String(i).padStart(4, '0')}.jpg`;
    const path = join(root, 'images', rel);
    if (!complete) {
      await mkdir(join(root, 'images', classes[c]!), { recursive: true });
      await writeFile(path, await encodeJpeg(W, H, photo(i), 90));
    }
    bytes += (await stat(path)).size;
    lines.images!.push(`${i} ${rel}`);
    lines.labels!.push(`${i} ${c + 1}`);
    lines.split!.push(`${i} ${i % 5 === 0 ? 0 : 1}`);
    lines.boxes!.push(`${i} 100.0 80.0 250.0 200.0`);
  }
  await writeFile(join(root, 'classes.txt'), `${classes.map((n, c) => `${c + 1} ${n}`).join('\n')}\n`);
  await writeFile(join(root, 'images.txt'), `${lines.images!.join('\n')}\n`);
  await writeFile(join(root, 'image_class_labels.txt'), `${lines.labels!.join('\n')}\n`);
  await writeFile(join(root, 'train_test_split.txt'), `${lines.split!.join('\n')}\n`);
  await writeFile(join(root, 'bounding_boxes.txt'), `${lines.boxes!.join('\n')}\n`);
  return { root, meanBytes: bytes / IMAGES };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const { root, meanBytes } = await benchDirectory();
const out = packagePath('.bench/dataset-out');
const decode: Record<number, number[]> = { 64: [], 224: [] };
for (const size of [64, 224]) {
  for (let run = 0; run < RUNS; run++) {
    await rm(out, { recursive: true, force: true });
    const t = process.hrtime.bigint();
    await buildCub(out, { root, imageSize: size, segmentations: 'none', val: { perClass: 2 }, seed: 0 });
    decode[size]!.push(IMAGES / seconds(t));
    process.stderr.write(`decode+resize to ${size}: ${decode[size]!.at(-1)!.toFixed(1)} images/s\n`);
  }
}

// The 224 artifact of the last run: open time, then batches of 32 from the training split.
const open224: number[] = [];
const batch224: number[] = [];
for (let run = 0; run < RUNS; run++) {
  let t = process.hrtime.bigint();
  const view = await openDataset(out);
  open224.push(seconds(t) * 1000);
  const train = view.split('train');
  const order = rng(run, 'batches').shuffle(Array.from({ length: train.count }, (_, i) => i));
  t = process.hrtime.bigint();
  let served = 0;
  for (let k = 0; k + 32 <= order.length; k += 32, served += 32) train.batch(order.slice(k, k + 32));
  batch224.push(served / seconds(t));
}

// The quickstart's default cluttered-MNIST artifact (2000 / 500 / 1000 at 64x64): build once, open several times.
const mnistDir = packagePath('.bench/mnist-default');
await rm(mnistDir, { recursive: true, force: true });
let t0 = process.hrtime.bigint();
await writeDatasetArtifact(
  mnistDir,
  { name: 'cluttered-mnist', classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], imageSize: { width: 64, height: 64 }, channels: 3 },
  clutteredMnist({ size: 64, counts: { train: 2000, val: 500, test: 1000 }, digitScale: [0.35, 0.65], clutterDensity: 4, fragmentSize: 0.15, seed: 0 }),
);
const mnistBuild = seconds(t0);
const openMnist: number[] = [];
const batchMnist: number[] = [];
for (let run = 0; run < RUNS; run++) {
  t0 = process.hrtime.bigint();
  const view = await openDataset(mnistDir);
  openMnist.push(seconds(t0) * 1000);
  const train = view.split('train');
  const order = rng(run, 'batches').shuffle(Array.from({ length: train.count }, (_, i) => i));
  t0 = process.hrtime.bigint();
  for (let k = 0; k + 32 <= order.length; k += 32) train.batch(order.slice(k, k + 32));
  batchMnist.push((Math.floor(order.length / 32) * 32) / seconds(t0));
}
await rm(out, { recursive: true, force: true });

const f1 = (x: number): string => x.toFixed(1);
const ratio = (x: number): string => `${(x / TRAIN_IMAGES_PER_S).toFixed(1)}x`;
const table = markdownTable(
  ['what', `median of ${RUNS}`, 'vs training (73.8 img/s)', 'runs'],
  [
    [
      `decode + resize ${W}x${H} JPEG -> 64x64, into an artifact (images/s)`,
      f1(median(decode[64]!)),
      ratio(median(decode[64]!)),
      decode[64]!.map(f1).join(', '),
    ],
    [
      `decode + resize ${W}x${H} JPEG -> 224x224, into an artifact (images/s)`,
      f1(median(decode[224]!)),
      ratio(median(decode[224]!)),
      decode[224]!.map(f1).join(', '),
    ],
    [
      `open the 224x224 artifact (${IMAGES} images, ${((IMAGES * 224 * 224 * 3) / 2 ** 20).toFixed(0)} MiB), ms`,
      f1(median(open224)),
      '-',
      open224.map(f1).join(', '),
    ],
    ['batches of 32 from the 224x224 artifact, shuffled (images/s)', f1(median(batch224)), ratio(median(batch224)), batch224.map(f1).join(', ')],
    ['open the default cluttered-MNIST artifact (3,500 images at 64x64, 41 MiB), ms', f1(median(openMnist)), '-', openMnist.map(f1).join(', ')],
    ['batches of 32 from it, shuffled (images/s)', f1(median(batchMnist)), ratio(median(batchMnist)), batchMnist.map(f1).join(', ')],
  ],
);
const slowest = Math.min(median(decode[64]!), median(decode[224]!));
const verdict = `Decoding runs once per dataset, before training, and training then reads the artifact: batches come ${Math.round(median(batchMnist) / TRAIN_IMAGES_PER_S)}x faster than wasm trains at 64x64. Even decoding itself (${f1(slowest)} images/s at worst) is ${(slowest / TRAIN_IMAGES_PER_S).toFixed(1)}x the training throughput (target: decoding is never the training bottleneck: ${slowest > TRAIN_IMAGES_PER_S ? 'met' : 'NOT met'}).`;
process.stdout.write(`${table}\n\n${verdict}\n`);
updateBenchmarks(
  'dataset-throughput',
  `## Datasets: decode + resize throughput and artifact loading

Machine: ${machine()}. Command: \`npm run bench:data -- --images ${IMAGES} --runs ${RUNS}\` (measured ${new Date().toISOString().slice(0, 10)}). Input: a generated CUB-200-2011-format directory of ${IMAGES} JPEGs of ${W}x${H} (quality 90, photo-like content, mean ${(meanBytes / 1024).toFixed(0)} KiB a file), loaded by the \`dataset/cub\` loader end to end (parse, decode and resize with sharp, 4 images in flight, box checks, writing the artifact). Training figure: Step 2's wasm training throughput of the reference CNN at 64x64, batch 32 (73.8 images/s, section above). Building the default cluttered-MNIST artifact took ${mnistBuild.toFixed(1)} s.

${table}

${verdict}`,
);
