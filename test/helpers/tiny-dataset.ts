/**
 * A tiny two-class dataset for method tests: a filled square (class 0) or a
 * plus sign (class 1) at a random place on a dim noisy background, 16x16x3,
 * with its box and mask. Written with the real dataset store.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDatasetArtifact, openDataset, type SplitSample } from '../../src/datasets/store.js';
import type { DatasetView, SplitName } from '../../src/datasets/types.js';
import { rng } from '../../src/core/random.js';

export async function tinyDataset(
  o: { size?: number; perSplit?: Partial<Record<SplitName, number>>; seed?: number; dir?: string } = {},
): Promise<{ dir: string; view: DatasetView }> {
  const size = o.size ?? 16;
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'wsol-tiny-')));
  const random = rng(o.seed ?? 7, 'tiny-dataset').next;
  const counts: Record<SplitName, number> = { train: 48, val: 16, test: 16, ...o.perSplit };
  const samples: SplitSample[] = [];
  for (const split of ['train', 'val', 'test'] as const) {
    for (let i = 0; i < counts[split]; i++) {
      const label = i % 2;
      const side = 5 + Math.floor(random() * 4);
      const x0 = Math.floor(random() * (size - side));
      const y0 = Math.floor(random() * (size - side));
      const image = new Uint8Array(size * size * 3);
      const mask = new Uint8Array(size * size);
      for (let p = 0; p < size * size; p++) image.fill(Math.floor(random() * 40), p * 3, p * 3 + 3);
      const mid = Math.floor(side / 2);
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const on = label === 0 || x === mid || y === mid;
          if (!on) continue;
          const p = (y0 + y) * size + x0 + x;
          mask[p] = 1;
          image.fill(220, p * 3, p * 3 + 3);
        }
      }
      samples.push({
        split,
        id: `${split}/${i}.png`,
        label,
        originalSize: { width: size, height: size },
        boxes: [[x0, y0, x0 + side - 1, y0 + side - 1]],
        image,
        mask,
      });
    }
  }
  await writeDatasetArtifact(dir, { name: 'tiny', classNames: ['square', 'plus'], imageSize: { width: size, height: size }, channels: 3 }, samples);
  return { dir, view: await openDataset(dir) };
}
