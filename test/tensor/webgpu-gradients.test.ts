/**
 * The gradient suite on tfjs's webgpu backend (Dawn), on whatever adapter is
 * here: Mesa's software rasterizer in CI. Skipped where Dawn finds no
 * adapter, unless WSOL_RUN_REQUIRE_WEBGPU=1 (CI sets it: there a missing
 * adapter is a broken install, not a machine without a GPU).
 */
import { webgpuOrSkip } from '../helpers/webgpu.js';
import { gradientSuite } from '../helpers/gradient-suite.js';

if (await webgpuOrSkip()) gradientSuite('webgpu');
