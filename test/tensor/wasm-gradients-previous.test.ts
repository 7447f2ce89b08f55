/** The same gradient checks with the kernel module off: the kernels used where it cannot start. */
import { gradientSuite } from '../helpers/gradient-suite.js';

// Read when the backend starts (in the suite's before hook); this file is its own process.
process.env.WSOL_RUN_KERNELS = '0';
gradientSuite('previous');
