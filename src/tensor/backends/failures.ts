/**
 * What a raw failure of the tensor runtime means for a user. The wasm backend
 * has a 32-bit heap (4 GiB at most); when a node's tensors outgrow it, the
 * allocation fails inside a kernel and surfaces as a WebAssembly trap
 * ("memory access out of bounds") or an abort, which says nothing about the fix.
 */
const MODULE_FAILURE = /memory access out of bounds|Aborted\(|Out of memory|Cannot enlarge memory|RangeError: WebAssembly\.Memory/i;

/** A trap or abort of a WebAssembly module: the module (and the thread's backend) cannot be used afterwards. */
export function isModuleFailure(error: Error): boolean {
  return MODULE_FAILURE.test(`${error.name}: ${error.message}`);
}

/** The hint for a failure, naming the wasm heap's size when known (bytes). */
export function tensorFailureHint(error: Error, heapBytes?: number): string | undefined {
  if (!isModuleFailure(error)) return undefined;
  const heap = heapBytes === undefined ? '' : ` (this thread's heap had grown to ${Math.round(heapBytes / 2 ** 20)} MiB)`;
  return `the tensors of this node did not fit the wasm backend's memory${heap}, 4 GiB at most (a 32-bit heap): lower batchSize or the image size (a ResNet-50 training step at 128 px needs about 2.4 GiB at batch 8 and 4.2 GiB at batch 16), or run on a native backend (--backend tensorflow); the thread is replaced, so re-running resumes on a fresh heap`;
}
