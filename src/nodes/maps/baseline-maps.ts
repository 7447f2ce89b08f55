/** What maps/intensity and maps/oracle share: the split loop that turns one map per image into a maps artifact. */
import type { MapsSplit } from '../../artifacts/maps.js';
import type { DatasetInfo, SplitName, SplitView } from '../../datasets/types.js';
import type { NodeContext } from '../contract.js';
import { inputDataset } from '../method-io.js';

export const baselineSplitsParam = {
  type: 'array',
  items: { enum: ['train', 'val', 'test'] },
  minItems: 1,
  uniqueItems: true,
  default: ['val', 'test'],
  description: 'Splits to map (val lets evaluate/localization choose τ on it).',
} as const;

export const cellParam = {
  type: 'integer',
  minimum: 1,
  default: 1,
  description:
    "Side of the square cells the map is average-pooled to, in pixels of the stored image (1 = full resolution; the compared map's stride, e.g. 8, for a fair floor or ceiling).",
} as const;

/** Runs `mapOf` over every image of the chosen splits (at the dataset's stored size) and writes a class-agnostic maps artifact. */
export async function writeBaselineMaps(
  ctx: NodeContext<{ splits: SplitName[] }>,
  method: string,
  mapOf: (split: SplitView, i: number, info: DatasetInfo) => { map: Float32Array; width: number; height: number },
): Promise<{ metrics: Record<string, number | string> }> {
  const { writeMapsArtifact } = await import('../../artifacts/maps.js');
  const data = await inputDataset(ctx as NodeContext<unknown>);
  const splits: Partial<Record<SplitName, MapsSplit>> = {};
  let shape = '';
  for (const name of ctx.params.splits) {
    const view = data.split(name);
    let width = 0;
    let height = 0;
    let maps = new Float32Array(0);
    for (let i = 0; i < view.count; i++) {
      ctx.signal.throwIfAborted();
      const m = mapOf(view, i, data.info);
      if (i === 0) {
        ({ width, height } = m);
        maps = new Float32Array(view.count * width * height);
      }
      maps.set(m.map, i * width * height);
    }
    shape = `${width}x${height}`;
    splits[name] = { entry: { count: view.count, width, height, ids: [...view.ids], classes: 0 }, maps, scores: null };
  }
  await writeMapsArtifact(ctx.outDir, { target: 'agnostic', method }, splits);
  return { metrics: { maps: Object.values(splits).reduce((s, v) => s + v.entry.count, 0), mapSize: shape } };
}
