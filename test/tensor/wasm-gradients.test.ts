/** Gradients on the wasm backend with wsol-run's kernel module (fused multiply-add where the engine has it) vs the cpu backend. */
import { gradientSuite } from '../helpers/gradient-suite.js';

gradientSuite('module');
