import http from 'node:http';
import https from 'node:https';
import type { Client } from 'minio';
import { SaxesParser } from 'saxes';
import { transportAgentOf } from './endpoints/s3-client.ts';

export interface ListedObject {
  name: string;
  etag: string;
  size: number;
  lastModified: Date;
}

/** ListObjectsV2's largest page. */
const PAGE = 1000;
const URL_LIFETIME_S = 15 * 60;

interface Page {
  objects: ListedObject[];
  truncated: boolean;
  next: string;
}

/** What an answer said: a page's fields, each object's, or an error document's. */
interface Answer {
  fields: Map<string, string>;
  objects: ListedObject[];
}

/** ETags come in quotes; keys as they are until the page says how they were encoded. */
function listed(contents: Map<string, string>): ListedObject {
  return {
    name: contents.get('Key') ?? '',
    etag: (contents.get('ETag') ?? '').replace(/^"|"$/g, ''),
    size: Number(contents.get('Size') ?? 0),
    lastModified: new Date(contents.get('LastModified') ?? 0),
  };
}

/** Reads the XML as it arrives, keeping only the elements a listing needs: no document tree is built. */
function readAnswer(response: http.IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const parser = new SaxesParser();
    const path: string[] = [];
    const answer: Answer = { fields: new Map(), objects: [] };
    let contents: Map<string, string> | null = null;
    let text = '';
    parser.on('opentag', (tag) => {
      path.push(tag.name);
      text = '';
      if (path.length === 2 && tag.name === 'Contents') contents = new Map();
    });
    parser.on('text', (t) => (text += t));
    parser.on('closetag', (tag) => {
      if (path.length === 3 && contents) contents.set(tag.name, text);
      else if (path.length === 2 && tag.name === 'Contents' && contents) {
        answer.objects.push(listed(contents));
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
async function listPage(s3: Client, bucket: string, prefix: string, token: string): Promise<Page> {
  const query: Record<string, string> = { 'list-type': '2', prefix, 'max-keys': String(PAGE), 'encoding-type': 'url' };
  if (token) query['continuation-token'] = token;
  const url = await s3.presignedUrl('GET', bucket, '', URL_LIFETIME_S, query);
  const secure = url.startsWith('https:');
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const agent = transportAgentOf(s3) ?? (secure ? https.globalAgent : http.globalAgent);
    (secure ? https : http).get(url, { agent }, resolve).on('error', reject);
  });
  const answer = await readAnswer(response);
  if (response.statusCode !== 200) throw s3Error(response, answer.fields);
  // asked for URL-encoded keys (a key may hold characters XML cannot carry); a store that ignored it says nothing
  if (answer.fields.get('EncodingType') === 'url')
    for (const object of answer.objects) object.name = decodeURIComponent(object.name.replace(/\+/g, ' '));
  return {
    objects: answer.objects,
    truncated: answer.fields.get('IsTruncated') === 'true',
    next: answer.fields.get('NextContinuationToken') ?? '',
  };
}

/**
 * Every object under a prefix (recursive), a page at a time: memory holds two
 * pages whatever the bucket holds. The next page is asked for as soon as this
 * one's continuation token is known, so the server lists while we work.
 */
export async function* listObjects(s3: Client, bucket: string, prefix: string): AsyncGenerator<ListedObject> {
  let next = listPage(s3, bucket, prefix, '');
  for (;;) {
    const current = await next;
    if (current.truncated) {
      next = listPage(s3, bucket, prefix, current.next);
      next.catch(() => undefined); // awaited on the next turn; a consumer that stops early must not leave it unhandled
    }
    yield* current.objects;
    if (!current.truncated) return;
  }
}
