/**
 * What a raw failure of the tensor runtime means for a user. The wasm backend
 * has a 32-bit heap (4 GiB at most); when a node's tensors outgrow it, the
 * allocation fails inside a kernel and surfaces as a WebAssembly trap
 * ("memory access out of bounds") or an abort, which says nothing about the fix.
 */
export function tensorFailureHint(error: Error): string | undefined {
  const text = `${error.name}: ${error.message}`;
  if (/memory access out of bounds|Aborted\(OOM\)|Out of memory|Cannot enlarge memory|RangeError: WebAssembly\.Memory/i.test(text))
    return "the tensors of this node did not fit the wasm backend's memory (4 GiB at most, a 32-bit heap): lower batchSize or the image size (a ResNet-50 training step at 128 px needs about 2.4 GiB at batch 8 and 4.2 GiB at batch 16), or run on a native backend (--backend tensorflow)";
  return undefined;
}
