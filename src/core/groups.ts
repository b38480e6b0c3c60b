/**
 * Streams of many items pass through submit in arrays, not an item at a time:
 * each async-generator step costs about 0.5 KB and a trip through the
 * microtask queue per item, and a submission of 100k sources took ten of them.
 */

/** Items in arrays of `size` (the last one shorter). */
export async function* batches<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Arrays of any length, as arrays of `size` (the last one shorter). */
export async function* regroup<T>(groups: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const group of groups) {
    for (const item of group) {
      batch.push(item);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
