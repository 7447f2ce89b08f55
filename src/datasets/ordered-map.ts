/**
 * Runs an async function over items with at most `concurrency` calls in
 * flight and yields the results in input order: decoding overlaps (libvips
 * works on libuv threads), the dataset is still written in a fixed order.
 */
export async function* mapOrdered<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const launch = (): void => {
    const i = next++;
    const p = fn(items[i]!, i);
    // Rejections are observed when their turn comes; this only silences "unhandled" warnings meanwhile.
    p.catch(() => undefined);
    pending.push(p);
  };
  while (next < items.length && pending.length < concurrency) launch();
  while (pending.length > 0) {
    signal?.throwIfAborted();
    const result = await pending.shift()!;
    if (next < items.length) launch();
    yield result;
  }
}
