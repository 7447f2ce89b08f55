/**
 * Whether tests can run on webgpu here: Dawn loads and finds an adapter (a
 * software one counts). Where it cannot, the test files that need it skip
 * with the reason, except under WSOL_RUN_REQUIRE_WEBGPU=1, where that fails.
 */
import { test } from 'node:test';
import { installedVersion, DAWN_PACKAGE } from '../../src/tensor/backends/select.js';
import { runProbe } from '../../src/tensor/backends/webgpu/probe-cache.js';
import { describeAdapter, type AdapterDescription } from '../../src/tensor/backends/webgpu/adapters.js';

let probed: { adapter?: AdapterDescription; why?: string } | undefined;

export function webgpuAdapterHere(): { adapter?: AdapterDescription; why?: string } {
  if (!probed) {
    if (!installedVersion(DAWN_PACKAGE) || !installedVersion('@tensorflow/tfjs-backend-webgpu'))
      probed = { why: 'the optional webgpu packages are not installed' };
    else {
      const p = runProbe();
      const adapter = p.adapters[0];
      probed = adapter ? { adapter } : { why: `Dawn found no adapter (${p.problems.join('; ')})` };
    }
  }
  return probed;
}

/** True when webgpu can run; otherwise registers one skipped (or, when required, failing) test saying why. */
export async function webgpuOrSkip(): Promise<boolean> {
  const { adapter, why } = webgpuAdapterHere();
  if (adapter) {
    process.stdout.write(`# webgpu on ${describeAdapter(adapter)}\n`);
    return true;
  }
  if (process.env.WSOL_RUN_REQUIRE_WEBGPU === '1')
    test('webgpu is available (WSOL_RUN_REQUIRE_WEBGPU=1)', () => {
      throw new Error(`${why}: install Mesa (Debian: libegl-dev libegl-mesa0 libgl1-mesa-dri; Dawn opens libEGL.so) or a GPU driver`);
    });
  else test(`webgpu tests: ${why}`, { skip: why }, () => {});
  return false;
}
