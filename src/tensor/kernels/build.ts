/**
 * Compiles the kernel sources (wsol_kernels.c, winograd.c, batch_norm.c) into the two committed WebAssembly modules:
 * plain SIMD128, and a variant whose multiply-adds are fused (relaxed SIMD).
 * Needs clang (14) and wasm-ld; used by `npm run build:kernels` and by the
 * test that checks the committed modules match their source.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../paths.js';

/** The C sources, compiled and linked together (kernels_common.h is included by both). */
export const KERNEL_SOURCES = ['wsol_kernels.c', 'winograd.c', 'batch_norm.c', 'matmul.c'].map((f) => packagePath(`src/tensor/kernels/${f}`));
export const KERNEL_MODULES = {
  plain: packagePath('src/tensor/kernels/wsol_kernels.wasm'),
  fma: packagePath('src/tensor/kernels/wsol_kernels_fma.wasm'),
} as const;

const CLANG_CANDIDATES = ['clang-14', 'clang'];
const FLAGS = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-matomics',
  '-mbulk-memory',
  '-nostdlib',
  '-fno-builtin',
  '-Wall',
  '-Wextra',
  '-Werror',
  // Shared imported memory: every thread instantiates the module on the same memory.
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--shared-memory',
  '-Wl,--max-memory=2147483648',
  '-Wl,--export=__heap_base',
  // No custom sections: the bytes depend on the source and flags only, not on clang's exact version string.
  '-Wl,--strip-all',
];

/** The clang that can target wasm32 here, or undefined. */
export function findClang(): string | undefined {
  for (const cc of CLANG_CANDIDATES) {
    const r = spawnSync(cc, ['--target=wasm32', '-print-targets'], { encoding: 'utf8' });
    // Debian's lld-14 installs wasm-ld-14 on the PATH (and the wasm-ld clang-14 itself runs, in its own bin directory).
    const linker = ['wasm-ld', 'wasm-ld-14'].some((ld) => spawnSync(ld, ['--version']).status === 0);
    if (r.status === 0 && /wasm32/.test(r.stdout) && linker) return cc;
  }
  return undefined;
}

function compile(clang: string, out: string, extra: string[]): Buffer {
  const r = spawnSync(clang, [...FLAGS, ...extra, '-o', out, ...KERNEL_SOURCES], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${clang} failed:\n${r.stderr}`);
  return readFileSync(out);
}

function leb128(bytes: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++]!;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return { value, next: i };
  }
}

/** File offset of the code section's contents (section id 10). */
function codeSectionStart(bytes: Buffer): number {
  let i = 8; // magic + version
  while (i < bytes.length) {
    const id = bytes[i]!;
    const { value: size, next } = leb128(bytes, i + 1);
    if (id === 10) return next;
    i = next + size;
  }
  throw new Error('no code section');
}

/**
 * clang 14 emits the relaxed-SIMD prototype's `f32x4.fma` (0xfd 0xaf 0x01);
 * V8 implements the final `f32x4.relaxed_madd` (0xfd 0x85 0x02, a*b + c),
 * same length. The offsets come from llvm-objdump's disassembly, so only
 * real instructions are rewritten, never bytes that merely look alike.
 */
function patchFma(bytes: Buffer, wasmPath: string, clang: string): Buffer {
  const objdump = clang.replace(/clang(-\d+)?$/, 'llvm-objdump$1');
  const r = spawnSync(objdump, ['-d', wasmPath], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${objdump} failed: ${r.stderr}`);
  const base = codeSectionStart(bytes);
  const out = Buffer.from(bytes);
  let patched = 0;
  for (const m of r.stdout.matchAll(/^\s*([0-9a-f]+):\s+fd af 01\s+f32x4\.fma\s*$/gm)) {
    const at = base + parseInt(m[1]!, 16);
    if (out[at] !== 0xfd || out[at + 1] !== 0xaf || out[at + 2] !== 0x01) throw new Error(`unexpected bytes at ${at}`);
    out[at + 1] = 0x85;
    out[at + 2] = 0x02;
    patched++;
  }
  if (patched === 0) throw new Error('no f32x4.fma found to patch');
  return out;
}

/** Both modules, freshly compiled from the source. */
export function buildKernelModules(clang: string): { plain: Buffer; fma: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'wsol-kernels-'));
  try {
    const plain = compile(clang, join(dir, 'plain.wasm'), []);
    const fmaPath = join(dir, 'fma.wasm');
    const fma = patchFma(compile(clang, fmaPath, ['-mrelaxed-simd', '-DWSOL_FMA']), fmaPath, clang);
    return { plain, fma };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
