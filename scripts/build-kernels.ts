/**
 * `npm run build:kernels`: recompiles src/tensor/kernels/wsol_kernels.c into
 * the committed .wasm modules (needs clang 14 + wasm-ld: Debian's clang-14 and lld).
 */
import { writeFileSync } from 'node:fs';
import { buildKernelModules, findClang, KERNEL_MODULES } from '../src/tensor/kernels/build.js';

const clang = findClang();
if (!clang) {
  process.stderr.write('build:kernels needs clang with the wasm32 target and wasm-ld (Debian: apt-get install clang-14 lld)\n');
  process.exit(1);
}
const { plain, fma } = buildKernelModules(clang);
writeFileSync(KERNEL_MODULES.plain, plain);
writeFileSync(KERNEL_MODULES.fma, fma);
process.stdout.write(`wrote ${KERNEL_MODULES.plain} (${plain.length} bytes) and ${KERNEL_MODULES.fma} (${fma.length} bytes) with ${clang}\n`);
