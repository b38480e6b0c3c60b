import http from 'node:http';
import https from 'node:https';
import type { Client } from 'minio';
import { SaxesParser } from 'saxes';
import { transportAgentOf } from './endpoints/s3-client.ts';

export interface ListedObject {
  name: string;
  etag: string;
  size: number;
  /** As the store wrote it (ISO 8601). */
  lastModified: string;
  /** Asked for with `metadata` (MinIO's extension): content type, user metadata, X-Amz-Replication-Status... */
  metadata?: Record<string, string>;
  /** With `metadata`, the object's tags (none: empty). */
  tags?: Record<string, string>;
}

export interface ListOptions {
  /** MinIO's ListObjectsV2 extension: each object's metadata in the listing, no HEAD per object. */
  metadata?: boolean;
  /** Objects per request (ListObjectsV2 max-keys): at most, and by default, PAGE. */
  pageSize?: number;
}

/** ListObjectsV2's largest page. */
const PAGE = 1000;
const URL_LIFETIME_S = 15 * 60;

/** What an answer said: a page's fields, each object's, or an error document's. */
interface Answer {
  fields: Map<string, string>;
  objects: ListedObject[];
}

/** ETags come in quotes; keys as they are until the page says how they were encoded. */
function listed(contents: Map<string, string>, metadata: Record<string, string> | null): ListedObject {
  const tags = contents.get('UserTags');
  return {
    name: contents.get('Key') ?? '',
    etag: (contents.get('ETag') ?? '').replace(/^"|"$/g, ''),
    size: Number(contents.get('Size') ?? 0),
    lastModified: contents.get('LastModified') ?? '',
    // MinIO writes the tags as a query string: a=1&b=2
    ...(metadata ? { metadata, tags: tags ? Object.fromEntries(new URLSearchParams(tags)) : {} } : {}),
  };
}

/**
 * Reads the XML as it arrives, keeping only the elements a listing needs: no
 * document tree is built. `onContinue` gets the next page's token as soon as
 * the answer has said it is truncated and given the token: MinIO says both
 * before the first object, so the next page is asked for while this one is
 * still arriving.
 */
function readAnswer(response: http.IncomingMessage, onContinue: (token: string) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const parser = new SaxesParser();
    const path: string[] = [];
    const answer: Answer = { fields: new Map(), objects: [] };
    let contents: Map<string, string> | null = null;
    let metadata: Record<string, string> | null = null;
    let text = '';
    let continued = false;
    const continueIfTruncated = () => {
      const token = answer.fields.get('NextContinuationToken');
      if (continued || answer.fields.get('IsTruncated') !== 'true' || !token) return;
      continued = true;
      onContinue(token);
    };
    parser.on('opentag', (tag) => {
      path.push(tag.name);
      text = '';
      if (path.length === 2 && tag.name === 'Contents') {
        contents = new Map();
        metadata = null;
        continueIfTruncated();
      } else if (path.length === 3 && tag.name === 'UserMetadata') metadata = {};
    });
    parser.on('text', (t) => (text += t));
    parser.on('closetag', (tag) => {
      if (path.length === 3 && contents) contents.set(tag.name, text);
      else if (path.length === 4 && metadata && path[2] === 'UserMetadata') metadata[tag.name] = text;
      else if (path.length === 2 && tag.name === 'Contents' && contents) {
        answer.objects.push(listed(contents, metadata));
        contents = null;
      } else if (path.length === 2) answer.fields.set(tag.name, text);
      path.pop();
      text = '';
    });
    parser.on('error', reject);
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      try {
        parser.write(chunk);
      } catch (error) {
        response.destroy();
        reject(error);
      }
    });
    response.on('end', () => {
      try {
        parser.close();
        if (response.statusCode === 200) continueIfTruncated();
        resolve(answer);
      } catch (error) {
        reject(error);
      }
    });
    response.on('error', reject);
  });
}

/** An S3 error answer, shaped as the SDK's S3Error: the one storage-error boundary reads both alike. */
function s3Error(response: http.IncomingMessage, fields: Map<string, string>): Error {
  const status = response.statusCode ?? 0;
  const code = fields.get('Code');
  const message =
    fields.get('Message') ?? (status >= 500 || status === 408 || status === 429 ? `Retryable HTTP status: ${status}` : `HTTP ${status}`);
  return Object.assign(new Error(message), {
    name: 'S3Error',
    ...(code ? { code } : {}),
    amzRequestid: response.headers['x-amz-request-id'],
  });
}

/**
 * One ListObjectsV2 page. The SDK signs the request (a presigned URL: its
 * public API, SigV4 and all); the answer is read here, as a stream, because
 * the SDK's parser builds a whole document per page and spent more time and
 * memory on 100k objects than the listing itself.
 */
async function listPage(
  s3: Client,
  { bucket, prefix, options }: { bucket: string; prefix: string; options: ListOptions },
  token: string,
  onContinue: (token: string) => void,
): Promise<ListedObject[]> {
  const query: Record<string, string> = { 'list-type': '2', prefix, 'max-keys': String(options.pageSize ?? PAGE), 'encoding-type': 'url' };
  if (token) query['continuation-token'] = token;
  if (options.metadata) query.metadata = 'true';
  const url = await s3.presignedUrl('GET', bucket, '', URL_LIFETIME_S, query);
  const secure = url.startsWith('https:');
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const agent = transportAgentOf(s3) ?? (secure ? https.globalAgent : http.globalAgent);
    (secure ? https : http).get(url, { agent }, resolve).on('error', reject);
  });
  const answer = await readAnswer(response, onContinue);
  if (response.statusCode !== 200) throw s3Error(response, answer.fields);
  if (answer.fields.get('IsTruncated') === 'true' && !answer.fields.get('NextContinuationToken'))
    throw new Error(`the store cut the listing of ${bucket}/${prefix} short without saying where it goes on`);
  // asked for URL-encoded keys (a key may hold characters XML cannot carry); a store that ignored it says nothing
  if (answer.fields.get('EncodingType') === 'url')
    for (const object of answer.objects) object.name = decodeURIComponent(object.name.replace(/\+/g, ' '));
  return answer.objects;
}

/** Pages asked for ahead of the one being consumed: enough to keep the server busy while we work. */
const PAGES_AHEAD = 2;

/**
 * Every object under a prefix (recursive), a page at a time. The next page is
 * asked for as soon as this one's continuation token is known, so the server
 * lists while we work; but never more than PAGES_AHEAD pages ahead of the
 * consumer, so memory holds a few pages however fast the server and however
 * slow the consumer.
 */
export async function* listObjects(s3: Client, bucket: string, prefix: string, options: ListOptions = {}): AsyncGenerator<ListedObject> {
  const ahead: Promise<ListedObject[]>[] = [];
  let held: string | undefined;
  const ask = (token: string) => {
    if (ahead.length >= PAGES_AHEAD) {
      held = token;
      return;
    }
    const page = listPage(s3, { bucket, prefix, options }, token, ask);
    page.catch(() => undefined); // awaited in turn; a consumer that stops early must not leave it unhandled
    ahead.push(page);
  };
  ask('');
  for (let page = ahead.shift(); page; page = ahead.shift()) {
    if (held !== undefined) {
      const token = held;
      held = undefined;
      ask(token);
    }
    yield* await page;
  }
}
