/** The two concurrency tools the connector needs, without a dependency. */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results keep the items' order.
 * On the first failure no new call starts, in-flight ones are awaited, and that failure is thrown.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!(limit >= 1) || !Number.isFinite(limit)) throw new RangeError(`concurrency must be at least 1, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.floor(limit), items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

/**
 * A FIFO async mutex. Google asks that mutate requests for one user be sent sequentially
 * ("to avoid increased latency and failures"), retries and their backoff included.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    // The next caller waits for this one to settle, whatever its outcome.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
