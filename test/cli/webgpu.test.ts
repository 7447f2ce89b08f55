/**
 * The webgpu backend through the CLI, on whatever adapter Dawn finds (Mesa's
 * software rasterizer in CI): forced with --backend webgpu it trains, maps
 * and evaluates, two fresh caches give byte-identical artifacts, the shipped
 * quickstart runs through with no GPU error (a shader that fails to compile
 * fails its node), the lock
 * names Dawn and the adapter, and wasm results are keyed apart; left to
 * choose, a software-only machine stays on wasm; the adapter probe is
 * cached and redone when it is unreadable or the drivers' fingerprint
 * changes; no adapter at all is a clear error; doctor lists the adapters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodesWith, runCli, startCli, tempDir, writePipeline } from '../helpers/cli.js';
import { webgpuOrSkip } from '../helpers/webgpu.js';
import { packagePath } from '../../src/paths.js';

const pipeline = {
  name: 'webgpu',
  nodes: {
    data: { type: 'dataset/cluttered-mnist', with: { train: 64, val: 16, test: 16, size: 32 } },
    cls: {
      type: 'train/classifier',
      inputs: { dataset: 'data' },
      with: { channels: [8, 8], poolAfter: [0], epochs: 2, batchSize: 16, optimizer: 'adam', lr: 0.003 },
    },
    maps: { type: 'maps/cam', inputs: { model: 'cls', dataset: 'data' }, with: { splits: ['val', 'test'] } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'maps' } },
  },
};

function digests(events: Record<string, unknown>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) if (e.event === 'node-done' || e.event === 'node-cached') out[String(e.node)] = String(e.digest);
  return out;
}

if (await webgpuOrSkip()) {
  const dir = tempDir('wsol-webgpu-');
  const file = writePipeline(dir, pipeline);
  // Each test's probe goes to its own file: the user's cache is left alone.
  const probeEnv = { WSOL_RUN_PROBE_CACHE: join(dir, 'probe.json') };

  test('--backend webgpu trains, maps and evaluates; two fresh caches give the same bytes; the lock names Dawn and the adapter', async () => {
    const a = await runCli([file, '--json', '--backend', 'webgpu', '--cache', join(dir, 'cache-a')], dir, probeEnv);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(nodesWith(a, 'node-done'), ['cls', 'data', 'eval', 'maps']);
    const lock = readFileSync(join(dir, 'pipeline.lock.json'), 'utf8');
    assert.match(lock, /webgpu@4\.22\.0\+nn\d+\+dawn\d+\.\d+\.\d+\+[a-z0-9.-]+/, 'the fact names tfjs, our network code, Dawn and the adapter');
    // Dawn's driver warnings stay out of the output: in the cache's native log instead.
    assert.doesNotMatch(a.stderr, /^(Warning: |vkCreateInstance)/m, a.stderr);
    const nativeLog = join(dir, 'cache-a', 'runs', 'native-stderr.log');
    if (existsSync(nativeLog)) assert.match(readFileSync(nativeLog, 'utf8'), /^--- .*--backend webgpu/m);
    const b = await runCli([file, '--json', '--backend', 'webgpu', '--cache', join(dir, 'cache-b')], dir, probeEnv);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(nodesWith(b, 'node-done'), ['cls', 'data', 'eval', 'maps'], 'a fresh cache computes everything again');
    assert.deepEqual(digests(b.events), digests(a.events), 'byte-identical model, maps and metrics on the same adapter');
  });

  test('the shipped quickstart (SLT-Net: localizer, ACAM maps, pseudo boxes, regressor, boxes, report) runs on webgpu with no GPU error', async () => {
    const qdir = tempDir('wsol-webgpu-quickstart-');
    copyFileSync(packagePath('pipelines/quickstart.json'), join(qdir, 'quickstart.json'));
    const small = ['params.epochs=1', 'params.channels=[8,8,8,8]', 'data.train=64', 'data.val=16', 'data.test=16'].flatMap((s) => ['--set', s]);
    const r = await runCli([join(qdir, 'quickstart.json'), '--json', '--backend', 'webgpu', ...small], qdir, probeEnv);
    const said = (
      r.stdout
        .split('\n')
        .filter((l) => !l.startsWith('{') || l.includes('node-failed'))
        .join('\n') + r.stderr.replace(/^(Warning| {4}at|\s*$).*\n?/gm, '')
    ).slice(-3000);
    assert.equal(r.code, 0, `exit ${r.code}, signal ${r.signal}: ${said}`);
    assert.equal(nodesWith(r, 'node-failed').length, 0);
    assert.ok(nodesWith(r, 'node-done').includes('boxes') && nodesWith(r, 'node-done').includes('report'));
  });

  test('Ctrl-C during a webgpu training cancels it and the process exits cleanly (threads with a Dawn device are never terminated)', async () => {
    const cdir = tempDir('wsol-webgpu-cancel-');
    const slow = { ...pipeline, nodes: { ...pipeline.nodes, cls: { ...pipeline.nodes.cls, with: { ...pipeline.nodes.cls.with, epochs: 50 } } } };
    const cfile = writePipeline(cdir, slow);
    const run = startCli([cfile, '--json', '--backend', 'webgpu'], cdir, probeEnv);
    await new Promise<void>((resolve) => run.onStdoutLine((l) => l.includes('"node-progress"') && l.includes('"cls"') && resolve()));
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.signal, null, `the CLI died of ${r.signal}`);
    assert.equal(r.code, 130, r.stderr.slice(-1000));
    assert.deepEqual(nodesWith(r, 'node-cancelled'), ['cls']);
  });

  test('left to choose, a machine with only a software adapter computes on wasm, keyed apart from webgpu', async () => {
    const r = await runCli([file, '--json', '--cache', join(dir, 'cache-a')], dir, probeEnv);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(nodesWith(r, 'node-start').includes('cls'), 'the webgpu model is not reused for a wasm run');
    // Another backend than the lock's makes the run an experiment: recorded in the run store, the lock left as committed (webgpu).
    assert.match(readFileSync(join(dir, 'pipeline.lock.json'), 'utf8'), /webgpu@/);
    const experiment = r.events.find((e) => e.event === 'lock-experiment') as { experiment: string[] } | undefined;
    assert.match(experiment?.experiment.join('; ') ?? '', /backend wasm@4\.22\.0\S* \(the lock's: webgpu@/);
  });

  test('the adapter probe is cached, and redone when its file is corrupt or the drivers change', async () => {
    const probe = join(dir, 'probe-cache.json');
    const env = { WSOL_RUN_PROBE_CACHE: probe };
    const plan = (extra: NodeJS.ProcessEnv = {}) => runCli(['plan', file, '--backend', 'webgpu', '--cache', join(dir, 'cache-a')], dir, { ...env, ...extra });
    assert.equal((await plan()).code, 0);
    assert.ok(existsSync(probe), 'the probe is kept');
    const first = JSON.parse(readFileSync(probe, 'utf8')) as { fingerprint: string; probe: { adapters: unknown[] } };
    assert.ok(first.probe.adapters.length >= 1);
    const written = statSync(probe).mtimeMs;
    assert.equal((await plan()).code, 0);
    assert.equal(statSync(probe).mtimeMs, written, 'a second invocation reads the probe, it does not probe again');
    writeFileSync(probe, '{ not json');
    const again = await plan();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      (JSON.parse(readFileSync(probe, 'utf8')) as { fingerprint: string }).fingerprint,
      first.fingerprint,
      'a corrupt probe file is probed again and rewritten',
    );
    assert.equal((await plan({ VK_ICD_FILENAMES: '/nonexistent/icd.json' })).code, 0);
    assert.notEqual(
      (JSON.parse(readFileSync(probe, 'utf8')) as { fingerprint: string }).fingerprint,
      first.fingerprint,
      'another driver setting is another fingerprint',
    );
  });

  test('Ctrl-C during a webgpu run reaches the computing process once: cancelled (exit 130), not quit', async () => {
    const long = writePipeline(
      dir,
      { ...pipeline, nodes: { data: pipeline.nodes.data, cls: { ...pipeline.nodes.cls, with: { ...pipeline.nodes.cls.with, epochs: 60 } } } },
      'long.json',
    );
    const run = startCli([long, '--json', '--backend', 'webgpu', '--cache', join(dir, 'cache-long')], dir, probeEnv);
    let sent = false;
    run.onStdoutLine((line) => {
      if (sent || !line.includes('"node-progress"') || !line.includes('"cls"')) return;
      sent = true;
      run.child.kill('SIGINT');
    });
    const r = await run.done;
    assert.equal(r.code, 130, r.stdout.slice(-2000) + r.stderr);
    assert.match(r.stderr, /cancelling: stopping running nodes/);
    assert.doesNotMatch(r.stderr, /quit at once\)\n[\s\S]*quit/);
    assert.ok(!existsSync(join(dir, 'long.lock.json')), 'a cancelled run writes no lock');
  });

  test('--backend webgpu with no adapter is a clear error naming the backends Dawn tried', async () => {
    // A display platform that does not exist here: Mesa's EGL cannot start, so Dawn finds no adapter.
    const r = await runCli([file, '--backend', 'webgpu', '--cache', join(dir, 'cache-c')], dir, {
      WSOL_RUN_PROBE_CACHE: join(dir, 'probe-none.json'),
      EGL_PLATFORM: 'x11',
      DISPLAY: ':99',
      VK_ICD_FILENAMES: '/nonexistent/icd.json',
    });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--backend webgpu: no WebGPU adapter here \(.*opengl/);
    assert.match(r.stderr, /hint: run `wsol-run doctor`/);
  });

  test('doctor lists the WebGPU adapters and why each is or is not used', async () => {
    const r = await runCli(['doctor', '--json', '--probe-seconds', '0'], dir, probeEnv);
    assert.equal(r.code, 0, r.stderr);
    const report = r.events[0] as {
      webgpu: { dawn: string; adapters: { slug: string; software: boolean; status: string }[] };
      backends: { name: string; usable: boolean; detail: string }[];
    };
    assert.match(report.webgpu.dawn, /^\d+\.\d+\.\d+$/);
    assert.ok(report.webgpu.adapters.length >= 1);
    for (const a of report.webgpu.adapters) assert.match(a.status, a.software ? /software rasterizer: never chosen automatically/ : /hardware/);
    assert.equal(report.backends.find((b) => b.name === 'webgpu')?.usable, true);
    const human = await runCli(['doctor', '--probe-seconds', '0'], dir, probeEnv);
    assert.match(human.stdout, /WebGPU adapter \(Dawn \d+\.\d+\.\d+\)/);
  });
}
