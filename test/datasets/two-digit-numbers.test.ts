import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { AJV_OPTIONS } from '../../src/engine/load/schema-validation.js';
import type { NodeContext, NodeResult, NodeType } from '../../src/nodes/contract.js';
import { twoDigitNumbersNode } from '../../src/nodes/dataset/two-digit-numbers.js';
import { clutteredMnistNode } from '../../src/nodes/dataset/cluttered-mnist.js';
import { syntheticShapesNode } from '../../src/nodes/dataset/synthetic-shapes.js';
import { twoDigitNumbers, type TwoDigitParts, type TwoDigitProvenance } from '../../src/datasets/generators/two-digit-numbers.js';
import { mnistPools } from '../../src/datasets/generators/mnist-source.js';
import { maskBox } from '../../src/datasets/boxes.js';
import { openDataset, writeDatasetArtifact, type DatasetManifest } from '../../src/datasets/store.js';
import { buildCub } from '../../src/datasets/loaders/cub.js';
import { buildGlas } from '../../src/datasets/loaders/glas.js';
import { buildWsolMetadata } from '../../src/datasets/loaders/wsol-metadata.js';
import { SPLIT_NAMES, type Box, type SplitName } from '../../src/datasets/types.js';
import { writeCubFixture } from '../helpers/fixtures/cub.js';
import { writeGlasFixture } from '../helpers/fixtures/glas.js';
import { writeWsolFixture } from '../helpers/fixtures/wsol-metadata.js';
import { tempDir } from '../helpers/cli.js';
import { smallReceptiveField } from '../../src/tensor/models/backbones.js';
import { packagePath } from '../../src/paths.js';
import { dirDigests } from './helpers.js';

/** Runs a node's run() as a worker would: params validated against its schema with defaults filled in. */
async function runNode<P>(node: NodeType<P>, params: Record<string, unknown>, outDir = tempDir()): Promise<{ dir: string; result: NodeResult | undefined }> {
  const validate = new Ajv2020(AJV_OPTIONS).compile(node.params as object);
  const p = structuredClone(params);
  assert.ok(validate(p), JSON.stringify(validate.errors));
  const ctx = {
    nodeId: 'data',
    params: p,
    inputs: {},
    outDir,
    signal: new AbortController().signal,
    env: {},
    threads: 1,
    progress() {},
    log() {},
  } as unknown as NodeContext<P>;
  const result = (await node.run(ctx)) ?? undefined;
  return { dir: outDir, result };
}

const SIZE = 64;
const small = { size: SIZE, train: 100, val: 20, test: 20 };

function readJson<T>(dir: string, file: string): T {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
}

function overlaps(a: Box, b: Box): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/** The tight box of the mask pixels in columns x0..x1. */
function maskBoxInColumns(mask: Uint8Array, size: number, x0: number, x1: number): Box | null {
  const m = new Uint8Array(mask.length);
  for (let y = 0; y < size; y++) for (let x = x0; x <= x1; x++) m[y * size + x] = mask[y * size + x]!;
  return maskBox(m, size, size);
}

test('two-digit numbers: the params schema fills the documented defaults', () => {
  const validate = new Ajv2020(AJV_OPTIONS).compile(twoDigitNumbersNode.params as object);
  const p: Record<string, unknown> = {};
  assert.ok(validate(p));
  assert.deepEqual(p, {
    size: 96,
    train: 10000,
    val: 1000,
    test: 2000,
    digitScale: [0.33, 0.5],
    gap: [0.03, 0.15],
    distractors: [2, 4],
    clutterDensity: 10,
    fragmentSize: 0.15,
    labels: 'number',
    seed: 0,
  });
  assert.equal(validate({ labels: 'digits' }), false, 'labels: number or place');
  assert.equal(validate({ size: 32 }), false, 'the canvas is 64..128');
  assert.equal(validate({ size: 129 }), false);
});

test('two-digit numbers: same params give identical artifact bytes; another seed does not', async () => {
  const a = await runNode(twoDigitNumbersNode, small);
  const b = await runNode(twoDigitNumbersNode, small);
  const c = await runNode(twoDigitNumbersNode, { ...small, seed: 1 });
  const da = dirDigests(a.dir);
  for (const file of ['dataset.json', 'provenance.json', 'parts.json', 'train.images.u8', 'test.masks.u8', 'val.boxes.f64'])
    assert.ok(da[file], `${file} written`);
  assert.deepEqual(dirDigests(b.dir), da);
  const dc = dirDigests(c.dir);
  assert.notEqual(dc['train.images.u8'], da['train.images.u8']);
  assert.deepEqual(a.result?.metrics, { train: 100, val: 20, test: 20, classes: 100, imageSize: SIZE, masks: true });
});

test('two-digit numbers: labels 00..99, tens digit left of units digit, one box = union of the parts = tight box of the mask', async () => {
  const { dir } = await runNode(twoDigitNumbersNode, small);
  const view = await openDataset(dir);
  assert.deepEqual(view.info.classNames.slice(0, 3), ['00', '01', '02']);
  assert.equal(view.info.classNames.length, 100);
  assert.equal(view.info.classNames[99], '99');
  const parts = readJson<Record<SplitName, Record<string, TwoDigitParts>>>(dir, 'parts.json');
  const provenance = readJson<Record<SplitName, TwoDigitProvenance[]>>(dir, 'provenance.json');
  const labelOf = new Map([...mnistPools().train, ...mnistPools().test].map((d) => [d.sourceIndex, d.label]));
  for (const split of SPLIT_NAMES) {
    const sv = view.split(split);
    assert.equal(Object.keys(parts[split]).length, sv.count);
    assert.equal(provenance[split].length, sv.count);
    for (let i = 0; i < sv.count; i++) {
      const label = sv.labels[i]!;
      assert.ok(label >= 0 && label <= 99);
      const pv = provenance[split][i]!;
      assert.deepEqual(
        pv.digits.map((d) => labelOf.get(d)),
        [Math.floor(label / 10), label % 10],
        `${sv.ids[i]}: the digits spell ${view.info.classNames[label]}`,
      );
      const {
        parts: [tens, units],
        distractors,
      } = parts[split][sv.ids[i]!]!;
      assert.ok(tens[2] < units[0], `${sv.ids[i]}: tens box ${tens} ends left of units box ${units}`);
      const boxes = sv.boxes(i);
      assert.equal(boxes.length, 1, 'one box per image, never one per digit');
      const union: Box = [Math.min(tens[0], units[0]), Math.min(tens[1], units[1]), Math.max(tens[2], units[2]), Math.max(tens[3], units[3])];
      assert.deepEqual(boxes[0], union);
      const mask = sv.mask(i)!;
      assert.deepEqual(maskBox(mask, SIZE, SIZE), union);
      // Each part is the tight box of the mask on its side of the gap: the mask is the two digits' pixels.
      assert.deepEqual(maskBoxInColumns(mask, SIZE, 0, tens[2]), tens);
      assert.deepEqual(maskBoxInColumns(mask, SIZE, units[0], SIZE - 1), units);
      const image = sv.image(i);
      for (let k = 0; k < SIZE * SIZE; k++) if (mask[k]) assert.ok(image[3 * k]! > 127, 'mask pixels are bright ink');
      // Distractors: whole digits inside the canvas, away from the number and from each other.
      assert.equal(distractors.length, pv.distractors.length);
      assert.ok(distractors.length <= 4);
      for (const [k, d] of distractors.entries()) {
        assert.ok(d[0] >= 0 && d[1] >= 0 && d[2] < SIZE && d[3] < SIZE, `${sv.ids[i]}: distractor ${d} inside the canvas`);
        assert.ok(!overlaps(d, boxes[0]), `${sv.ids[i]}: distractor ${d} overlaps the number's box ${boxes[0]}`);
        for (const e of distractors.slice(k + 1)) assert.ok(!overlaps(d, e), `${sv.ids[i]}: distractors ${d} and ${e} overlap`);
      }
    }
  }
  // Balanced: the first 100 training images hold every class once.
  assert.equal(new Set(view.split('train').labels).size, 100);
  const counted = Object.values(parts.train).map((p) => p.distractors.length);
  assert.ok(counted.reduce((a, b) => a + b, 0) / counted.length >= 1.5, 'most of the [2, 4] distractors fit at 64 px');
});

test('two-digit numbers, place labels: the same images, each labelled with its tens or its units digit, both places drawn', async () => {
  const numbers = await openDataset((await runNode(twoDigitNumbersNode, small)).dir);
  const placed = await runNode(twoDigitNumbersNode, { ...small, labels: 'place' });
  const view = await openDataset(placed.dir);
  assert.equal(view.info.classNames.length, 20);
  assert.deepEqual([view.info.classNames[3], view.info.classNames[17]], ['3_', '_7']);
  assert.deepEqual(placed.result?.metrics, { train: 100, val: 20, test: 20, classes: 20, imageSize: SIZE, masks: true });
  for (const split of SPLIT_NAMES) {
    const [a, b] = [numbers.split(split), view.split(split)];
    const places = [0, 0];
    for (let i = 0; i < a.count; i++) {
      assert.deepEqual(b.image(i), a.image(i), `${b.ids[i]}: the same image as with number labels`);
      assert.deepEqual(b.boxes(i), a.boxes(i));
      const n = a.labels[i]!;
      const l = b.labels[i]!;
      assert.ok(l === Math.floor(n / 10) || l === 10 + (n % 10), `${b.ids[i]}: ${view.info.classNames[l]} is a place of ${numbers.info.classNames[n]}`);
      places[l < 10 ? 0 : 1]!++;
    }
    assert.ok(places[0]! > a.count / 5 && places[1]! > a.count / 5, `${split}: both places drawn (${places})`);
  }
});

test('two-digit numbers: the gap param moves the digits apart (and nothing else about the defaults)', async () => {
  const meanGap = (dir: string): number => {
    const parts = readJson<Record<SplitName, Record<string, TwoDigitParts>>>(dir, 'parts.json');
    const gaps = Object.values(parts.train).map(({ parts: [tens, units] }) => units[0] - tens[2] - 1);
    return gaps.reduce((a, b) => a + b, 0) / gaps.length;
  };
  const base = await runNode(twoDigitNumbersNode, small);
  const wide = await runNode(twoDigitNumbersNode, { ...small, gap: [0.4, 0.5] });
  assert.ok(meanGap(wide.dir) > meanGap(base.dir) + 4, `${meanGap(wide.dir)} vs ${meanGap(base.dir)} px`);
  const explicit = await runNode(twoDigitNumbersNode, { ...small, gap: [0.03, 0.15] });
  assert.equal(dirDigests(explicit.dir)['train.images.u8'], dirDigests(base.dir)['train.images.u8']);
});

test("the regimes' backbone's receptive field covers the widest number at 64 px (the quickstart's four-conv one does not)", async () => {
  const num40 = JSON.parse(readFileSync(packagePath('pipelines/num40.json'), 'utf8')) as { params: { channels: number[]; poolAfter: number[] } };
  const { channels, poolAfter } = num40.params;
  assert.equal(smallReceptiveField({ channels: [16, 32, 64, 128], poolAfter: [0, 1, 2] }), 38);
  // Seven convs, four of them at the last 8x8 grid (each adds 16 px there).
  assert.equal(smallReceptiveField({ channels, poolAfter }), 86);
  const { dir } = await runNode(twoDigitNumbersNode, { size: SIZE, train: 500, val: 0, test: 0 });
  const view = await openDataset(dir);
  const widths = Array.from({ length: view.split('train').count }, (_, i) => {
    const [x0, , x1] = view.split('train').boxes(i)[0]!;
    return x1 - x0 + 1;
  });
  const widest = Math.max(...widths);
  assert.ok(widest <= 86 && widest > 38, `the widest of 500 numbers is ${widest} px`);
});

test('two-digit numbers, a number subset: labels in list order, class names the numbers, balanced, the digits spell the number', async () => {
  const numbers = [37, 0, 38, 99];
  const { dir } = await runNode(twoDigitNumbersNode, { ...small, numbers });
  const view = await openDataset(dir);
  assert.deepEqual(view.info.classNames, ['37', '00', '38', '99']);
  const provenance = readJson<Record<SplitName, TwoDigitProvenance[]>>(dir, 'provenance.json');
  const labelOf = new Map([...mnistPools().train, ...mnistPools().test].map((d) => [d.sourceIndex, d.label]));
  for (const split of SPLIT_NAMES) {
    const sv = view.split(split);
    for (let i = 0; i < sv.count; i++) {
      const n = numbers[sv.labels[i]!]!;
      assert.deepEqual(
        provenance[split][i]!.digits.map((d) => labelOf.get(d)),
        [Math.floor(n / 10), n % 10],
        `${sv.ids[i]}`,
      );
    }
    // Each run of 4 images holds every class once.
    for (let r = 0; r + 4 <= sv.count; r += 4) assert.equal(new Set(sv.labels.slice(r, r + 4)).size, 4);
  }
  // Place labels on a subset still name the places (20 classes).
  const placed = await openDataset((await runNode(twoDigitNumbersNode, { ...small, numbers, labels: 'place' })).dir);
  assert.equal(placed.info.classNames.length, 20);
  // A repeated number is refused by the schema; the generator refuses what the schema would let through elsewhere.
  const { numberSet } = await import('../../src/datasets/generators/two-digit-numbers.js');
  assert.throws(() => numberSet([3, 3]), /numbers: 3 is listed twice/);
  assert.throws(() => numberSet([100, 1]), /not a two-digit number/);
  assert.throws(() => numberSet([5]), /fewer than two classes/);
  assert.equal(numberSet(undefined).length, 100);
});

test('two-digit numbers: no source digit (number, distractor or clutter) in two splits; test uses the test pool', async () => {
  const { dir } = await runNode(twoDigitNumbersNode, { ...small, train: 60 });
  const provenance = readJson<Record<SplitName, TwoDigitProvenance[]>>(dir, 'provenance.json');
  const used = (split: SplitName): Set<number> => new Set(provenance[split].flatMap((p) => [...p.digits, ...p.distractors, ...p.clutter]));
  const [train, val, held] = [used('train'), used('val'), used('test')];
  assert.ok(
    provenance.train.every((p) => p.clutter.length === 10),
    'density 10 per 64x64 gives 10 fragments',
  );
  for (const [a, b] of [
    [train, val],
    [train, held],
    [val, held],
  ] as const)
    assert.equal([...a].filter((x) => b.has(x)).length, 0);
  const testPool = new Set(mnistPools().test.map((d) => d.sourceIndex));
  assert.ok([...held].every((i) => testPool.has(i)));
  assert.ok([...train, ...val].every((i) => !testPool.has(i)));
});

test('two-digit numbers: per-image streams, so changing the test count leaves train and val as they were', () => {
  const o = {
    size: SIZE,
    counts: { train: 30, val: 10, test: 10 },
    digitScale: [0.33, 0.5] as const,
    gap: [0.03, 0.15] as const,
    distractors: [2, 4] as const,
    clutterDensity: 10,
    fragmentSize: 0.15,
    labels: 'number' as const,
    seed: 0,
  };
  const key = (s: { id: string; label: number; image: Uint8Array }): string => `${s.id}:${s.label}:${Buffer.from(s.image).toString('base64')}`;
  const all = [...twoDigitNumbers(o)].filter((s) => s.split !== 'test').map(key);
  const fewer = [...twoDigitNumbers({ ...o, counts: { ...o.counts, test: 3 } })].filter((s) => s.split !== 'test').map(key);
  assert.deepEqual(fewer, all);
});

test('dataset facts: grey and flippable read back from every generator and loader', async () => {
  const facts = async (dir: string): Promise<[boolean | undefined, boolean | undefined]> => {
    const { info } = await openDataset(dir);
    return [info.grey, info.flippable];
  };
  const two = await runNode(twoDigitNumbersNode, { ...small, train: 4, val: 2, test: 2 });
  assert.deepEqual(await facts(two.dir), [true, false]);
  const digits = await runNode(clutteredMnistNode, { size: 32, train: 4, val: 2, test: 2 });
  assert.deepEqual(await facts(digits.dir), [true, false]);
  const shapes = await runNode(syntheticShapesNode, { size: 32, train: 4, val: 2, test: 2 });
  assert.deepEqual(await facts(shapes.dir), [false, true]);

  const cub = await writeCubFixture(join(tempDir(), 'CUB_200_2011'), { classes: 2, trainPerClass: 2, testPerClass: 1, segmentations: false });
  const cubOut = tempDir();
  await buildCub(cubOut, { root: cub.root, imageSize: 16, segmentations: 'auto', val: { perClass: 1 }, seed: 0 });
  assert.deepEqual(await facts(cubOut), [false, true]);
  const glasRoot = tempDir();
  await writeGlasFixture(glasRoot, { train: 4, testA: 1, testB: 1 });
  const glasOut = tempDir();
  await buildGlas(glasOut, { root: glasRoot, imageSize: 16, val: { fraction: 0.25 }, seed: 0 });
  assert.deepEqual(await facts(glasOut), [false, true]);
  const wsol = await writeWsolFixture(tempDir(), { mode: 'boxes', perSplit: 2, classes: 2, trainLocalization: false });
  const wsolOut = tempDir();
  await buildWsolMetadata(wsolOut, {
    metadata: wsol.metadata,
    imageRoot: wsol.imageRoot,
    splitDirs: { train: 'train', val: 'val', test: 'test' },
    imageSize: 16,
    name: 'fixture',
  });
  assert.deepEqual(await facts(wsolOut), [false, true]);
});

test('dataset facts: artifacts without them still open; the writer refuses grey: true for a colour image', async () => {
  // An artifact as written before the facts existed: the same dataset with the two fields taken out of dataset.json.
  const { dir } = await runNode(twoDigitNumbersNode, { ...small, train: 3, val: 1, test: 1 });
  const manifestPath = join(dir, 'dataset.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as DatasetManifest;
  const before = await openDataset(dir);
  const image = Uint8Array.from(before.split('train').image(0));
  const { grey, flippable, ...older } = manifest.info;
  assert.deepEqual([grey, flippable], [true, false]);
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, info: older }, null, 1));
  const old = await openDataset(dir);
  assert.equal(old.info.grey, undefined);
  assert.equal(old.info.flippable, undefined);
  assert.equal('grey' in old.info, false);
  assert.deepEqual(old.info.counts, { train: 3, val: 1, test: 1 });
  assert.deepEqual(old.split('train').image(0), image);

  // A header without the facts writes no such keys (older writers' bytes).
  const sample = (rgb: number[]) => ({
    split: 'train' as const,
    id: `a${rgb.join('')}`,
    label: 0,
    originalSize: { width: 1, height: 1 },
    boxes: [],
    image: Uint8Array.from(rgb),
  });
  const plain = tempDir();
  const info = await writeDatasetArtifact(plain, { name: 'x', classNames: ['a'], imageSize: { width: 1, height: 1 }, channels: 3 }, [sample([1, 2, 3])]);
  assert.equal('grey' in info || 'flippable' in info, false);
  assert.doesNotMatch(readFileSync(join(plain, 'dataset.json'), 'utf8'), /grey|flippable/);
  await assert.rejects(
    writeDatasetArtifact(tempDir(), { name: 'x', classNames: ['a'], imageSize: { width: 1, height: 1 }, channels: 3, grey: true }, [sample([1, 2, 3])]),
    /header says the images are grey, but pixel 0 has channels 1, 2, 3/,
  );
});
