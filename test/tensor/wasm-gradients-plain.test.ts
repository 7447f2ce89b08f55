/** The same gradient checks with the kernel module's plain SIMD128 build (engines without relaxed SIMD). */
import { gradientSuite } from '../helpers/gradient-suite.js';

// Read when the backend starts (in the suite's before hook); this file is its own process.
process.env.WSOL_RUN_KERNEL_FMA = '0';
gradientSuite('module-plain');
