/** Adapter facts without Dawn: software detection, the fact's adapter part, the choice, the probe fingerprint. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterSlug, chooseAdapter, dawnBackendsFor, isSoftwareAdapter, type AdapterDescription } from '../../src/tensor/backends/webgpu/adapters.js';
import { driverFingerprint, probeCachePath } from '../../src/tensor/backends/webgpu/probe-cache.js';
import { backendFact, DAWN_PACKAGE, installedVersion, NETWORK_CODE_VERSION, planBackend, webgpuAdapterOfFact } from '../../src/tensor/backends/select.js';
import { explainWebgpuFailure } from '../../src/tensor/backends/init.js';

const h200: AdapterDescription = {
  backendType: 'vulkan',
  featureLevel: 'core',
  vendor: 'nvidia',
  architecture: 'hopper',
  device: 'NVIDIA H200',
  description: 'NVIDIA: 550.54.15 550.54.15.0',
  software: false,
};
const llvmpipe: AdapterDescription = {
  backendType: 'opengl',
  featureLevel: 'compatibility',
  vendor: '',
  architecture: '',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6',
  software: true,
};

test('software rasterizers are recognised by what they say of themselves', () => {
  assert.equal(isSoftwareAdapter({ vendor: '', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'Mesa 22.3.6' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)', description: '' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'mesa', architecture: '', device: 'lavapipe', description: '' }), true);
  assert.equal(
    isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 550.54.15', isFallbackAdapter: false }),
    false,
  );
  assert.equal(isSoftwareAdapter({ vendor: 'x', architecture: '', device: 'y', description: '', isFallbackAdapter: true }), true);
});

test("the fact's adapter part names backend, vendor, architecture, device and driver, in characters a key can hold", () => {
  assert.equal(adapterSlug(h200), 'vulkan.nvidia.hopper.nvidia-h200.nvidia-550.54.15-550.54.15.0');
  assert.equal(adapterSlug(llvmpipe), 'opengl.llvmpipe-llvm-15-0-6-256-bits.opengl-version-4.5-core-profile-mesa-22.3.6');
  assert.notEqual(adapterSlug(h200), adapterSlug({ ...h200, description: 'NVIDIA: 560.35.03' }), 'another driver, another key');
  const fact = backendFact('webgpu', '4.22.0', undefined, { dawn: '0.6.2', adapter: adapterSlug(h200) });
  assert.equal(fact, `webgpu@4.22.0+nn${NETWORK_CODE_VERSION}+dawn0.6.2+${adapterSlug(h200)}`);
  assert.equal(webgpuAdapterOfFact(fact), adapterSlug(h200));
  assert.equal(webgpuAdapterOfFact('wasm@4.22.0+nn2+kernels4-fma'), undefined);
});

test('a hardware adapter is chosen over a software one; software only when forced', () => {
  assert.equal(chooseAdapter([llvmpipe, h200], false), h200);
  assert.equal(chooseAdapter([llvmpipe], false), undefined);
  assert.equal(chooseAdapter([llvmpipe], true), llvmpipe);
  assert.equal(chooseAdapter([], true), undefined);
  assert.deepEqual(
    dawnBackendsFor('linux').map((b) => b.backendType),
    ['vulkan', 'opengl'],
  );
  assert.deepEqual(
    dawnBackendsFor('darwin').map((b) => b.backendType),
    ['metal'],
  );
});

test('the probe fingerprint changes with the drivers’ environment and the Dawn build, and nothing else', () => {
  const base = driverFingerprint({}, '0.6.2');
  assert.equal(driverFingerprint({ HOME: '/elsewhere', PATH: '/x' }, '0.6.2'), base, 'unrelated variables do not re-probe');
  assert.notEqual(driverFingerprint({ VK_ICD_FILENAMES: '/etc/vulkan/icd.d/nvidia_icd.json' }, '0.6.2'), base);
  assert.notEqual(driverFingerprint({}, '0.6.3'), base);
  assert.match(probeCachePath({ XDG_CACHE_HOME: '/c' }), /^\/c\/wsol-run\/webgpu-adapters\.json$/);
  assert.equal(probeCachePath({ WSOL_RUN_PROBE_CACHE: '/tmp/p.json' }), '/tmp/p.json');
});

test('WSOL_RUN_WEBGPU=0 keeps webgpu out of the automatic choice without probing', () => {
  const plan = planBackend(undefined, { WSOL_RUN_WEBGPU: '0', WSOL_RUN_PROBE_CACHE: '/nonexistent/dir/probe.json' });
  assert.notEqual(plan.name, 'webgpu');
});

test('a webgpu start-up failure says what to do', () => {
  assert.match(explainWebgpuFailure("Cannot find package 'webgpu' imported from ..."), /npm install webgpu\), or use --backend wasm/);
  assert.match(explainWebgpuFailure('no WebGPU adapter: none'), /^webgpu did not start: no WebGPU adapter/);
});

/** A probe cache that already holds `probe` for this machine's fingerprint (what a real probe would have written). */
function cachedProbe(probe: object): NodeJS.ProcessEnv {
  const file = join(mkdtempSync(join(tmpdir(), 'wsol-probe-')), 'probe.json');
  const env = { ...process.env, WSOL_RUN_PROBE_CACHE: file };
  writeFileSync(file, JSON.stringify({ version: 1, fingerprint: driverFingerprint(env, installedVersion(DAWN_PACKAGE) ?? 'none'), probe }));
  return env;
}

test('where Dawn cannot load, the automatic choice moves on to the next backend and --backend webgpu says why', {
  skip: !installedVersion(DAWN_PACKAGE) && 'webgpu is not installed',
}, () => {
  const env = cachedProbe({ ok: false, adapters: [], problems: ['the webgpu package did not load: libEGL.so: cannot open shared object file'] });
  assert.equal(planBackend(undefined, env).name, 'wasm');
  assert.throws(() => planBackend('webgpu', env), /--backend webgpu: no WebGPU adapter here \(the webgpu package did not load: libEGL\.so/);
});

test('a hardware adapter in the probe makes webgpu the automatic choice, with the adapter in the fact', {
  skip: !installedVersion(DAWN_PACKAGE) && 'webgpu is not installed',
}, () => {
  const env = cachedProbe({ ok: true, adapters: [llvmpipe, h200], problems: [] });
  const plan = planBackend(undefined, env);
  assert.equal(plan.name, 'webgpu');
  assert.equal(webgpuAdapterOfFact(plan.fact), adapterSlug(h200));
  assert.match(plan.reason, /a hardware WebGPU adapter: nvidia hopper NVIDIA H200 over vulkan/);
});
