import type { BucketItem, Client } from 'minio';

export type ListedObject = Extract<BucketItem, { name: string }>;

/** ListObjectsV2's largest page. */
const PAGE = 1000;

/**
 * Every object under a prefix (recursive), a page at a time: memory holds two
 * pages whatever the bucket holds. The next page is asked for as soon as this
 * one's continuation token is known, so the server lists while we work.
 */
export async function* listObjects(s3: Client, bucket: string, prefix: string): AsyncGenerator<ListedObject> {
  const page = (token: string) => s3.listObjectsV2Query(bucket, prefix, token, '', PAGE, '');
  let next = page('');
  for (;;) {
    const current = await next;
    if (current.isTruncated) {
      next = page(current.nextContinuationToken);
      next.catch(() => undefined); // awaited on the next turn; a consumer that stops early must not leave it unhandled
    }
    for (const item of current.objects) if (item.name !== undefined) yield item;
    if (!current.isTruncated) return;
  }
}
