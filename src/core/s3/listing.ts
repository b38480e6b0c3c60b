import type http from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { Client } from 'minio';
import { SaxesParser } from 'saxes';
import { signerOf } from './client.ts';
import { withRetry } from '../retry.ts';
import { getUrl, s3Error } from './requests.ts';

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
  /** Aborts the requests under way, and the listing with them. */
  signal?: AbortSignal;
}

/** ListObjectsV2's largest page. */
const PAGE = 1000;
const URL_LIFETIME_S = 15 * 60;

/** ETags come in quotes; keys as they are until the answer says how they were encoded. */
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
 * Markup only: in well-formed XML, text and attribute values cannot hold a "<".
 * A store that honoured encoding-type=url says so, at the end of the answer (MinIO).
 */
const URL_ENCODED_KEYS = Buffer.from('<EncodingType>url</EncodingType>');

/**
 * One ListObjectsV2 answer. Its bytes are kept as they arrive (outside the
 * JavaScript heap) and parsed a chunk at a time as the consumer asks for
 * objects: parsed objects do not wait in memory for pages ahead to be
 * consumed, so they die young instead of filling the old generation (100k
 * objects promoted 25 MB). Chunks are parsed on arrival only until the next
 * page's token is known: MinIO says it before the first object, so the next
 * page is asked for while this one is still arriving. Only a 200 answer
 * becomes one: an error answer is read whole where it is asked for.
 */
class Answer {
  readonly fields = new Map<string, string>();
  /** Resolves when the whole answer has arrived (rejects on a broken connection or XML). */
  readonly arrived: Promise<void>;
  private readonly parser = new SaxesParser();
  private readonly decoder = new StringDecoder('utf8');
  private readonly unparsed: Buffer[] = [];
  private parsed: ListedObject[] = [];
  private eager = true;
  private continued = false;
  private encodedKeys = false;
  /** The end of the last chunk, where the start of URL_ENCODED_KEYS may wait for the rest. */
  private tail = Buffer.alloc(0);

  private readonly response: http.IncomingMessage;
  private readonly onContinue: (token: string) => void;
  /** BUCKET/PREFIX, for messages. */
  private readonly listing: string;

  constructor(response: http.IncomingMessage, listing: string, onContinue: (token: string) => void) {
    this.response = response;
    this.listing = listing;
    this.onContinue = onContinue;
    this.listen();
    this.arrived = new Promise((resolve, reject) => {
      response.on('data', (chunk: Buffer) => {
        try {
          this.arrive(chunk);
        } catch (error) {
          response.destroy();
          reject(notAListing(error));
        }
      });
      response.on('end', resolve);
      response.on('error', reject);
    });
    this.arrived.catch(() => undefined); // awaited when the consumer reaches this page
  }

  private arrive(chunk: Buffer): void {
    const reach = URL_ENCODED_KEYS.length - 1;
    // the marker in this chunk, or across the seam with the last one (copies a few bytes, not the chunk)
    this.encodedKeys ||=
      chunk.includes(URL_ENCODED_KEYS) || Buffer.concat([this.tail, chunk.subarray(0, reach)]).includes(URL_ENCODED_KEYS);
    this.tail = Buffer.concat([this.tail, chunk.subarray(-reach)]).subarray(-reach);
    if (this.eager) this.parser.write(this.decoder.write(chunk));
    else this.unparsed.push(chunk);
  }

  /** Asks for the next page once this answer has said it is truncated and where it goes on, in whichever order it says them. */
  private continueIfTruncated(): void {
    const token = this.fields.get('NextContinuationToken');
    if (this.continued || this.fields.get('IsTruncated') !== 'true' || !token) return;
    this.continued = true;
    this.onContinue(token);
  }

  /** Keeps only the elements a listing needs: no document tree is built. */
  private listen(): void {
    const path: string[] = [];
    let contents: Map<string, string> | null = null;
    let metadata: Record<string, string> | null = null;
    let text = '';
    this.parser.on('opentag', (tag) => {
      if (path.length === 0 && tag.name !== 'ListBucketResult') throw new NotAListing(`<${tag.name}> where a listing was expected`);
      path.push(tag.name);
      text = '';
      if (path.length === 2 && tag.name === 'Contents') {
        contents = new Map();
        metadata = null;
        // a store that says whether there is more only after the objects keeps being read as it arrives
        if (this.continued || this.fields.get('IsTruncated') === 'false') this.eager = false;
      } else if (path.length === 3 && tag.name === 'UserMetadata') metadata = {};
    });
    this.parser.on('text', (t) => (text += t));
    this.parser.on('closetag', (tag) => {
      if (path.length === 3 && contents) contents.set(tag.name, text);
      else if (path.length === 4 && metadata && path[2] === 'UserMetadata') metadata[tag.name] = text;
      else if (path.length === 2 && tag.name === 'Contents' && contents) {
        this.parsed.push(listed(contents, metadata));
        contents = null;
      } else if (path.length === 2) {
        this.fields.set(tag.name, text);
        // a store that says it after the objects (or a truncated page with none) is read on as it arrives until then
        this.continueIfTruncated();
      }
      path.pop();
      text = '';
    });
  }

  /** The objects parsed so far, keys decoded. */
  private take(): ListedObject[] {
    const objects = this.parsed;
    this.parsed = [];
    // asked for URL-encoded keys (a key may hold characters XML cannot carry); a store that ignored it says nothing
    if (this.encodedKeys) for (const object of objects) object.name = decodeURIComponent(object.name.replace(/\+/g, ' '));
    return objects;
  }

  /**
   * The answer's objects, a parsed chunk at a time. Waits for the whole
   * answer first: whether its keys are URL-encoded is said at its end.
   */
  async *objects(): AsyncGenerator<ListedObject[]> {
    await this.arrived;
    for (let chunk = this.unparsed.shift(); chunk; chunk = this.unparsed.shift()) {
      try {
        this.parser.write(this.decoder.write(chunk));
      } catch (error) {
        throw notAListing(error);
      }
      if (this.parsed.length > 0) yield this.take();
    }
    try {
      this.parser.write(this.decoder.end());
      this.parser.close();
    } catch (error) {
      throw notAListing(error);
    }
    if (this.fields.get('IsTruncated') === 'true' && !this.fields.get('NextContinuationToken'))
      throw new Error(`the store cut the listing of ${this.listing} short without saying where it goes on`);
    if (this.parsed.length > 0) yield this.take();
  }
}

/** A 200 answer that is not a listing (a web page, another service), under the SDK's name for it: the storage-error boundary reads it as "not S3". */
class NotAListing extends Error {
  override name = 'InvalidXMLError';
}

function notAListing(error: unknown): Error {
  if (error instanceof NotAListing) return error;
  return new NotAListing(`not XML: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/**
 * Asks for one ListObjectsV2 page (a presigned URL from the client's
 * signer); the answer is read here, as a stream,
 * because the SDK's parser builds a whole document per page and spent more
 * time and memory on 100k objects than the listing itself.
 */
async function askPage(
  s3: Client,
  { prefix, bucket, options }: { bucket: string; prefix: string; options: ListOptions },
  token: string,
  onContinue: (token: string) => void,
): Promise<Answer> {
  const query: Record<string, string> = { 'list-type': '2', prefix, 'max-keys': String(options.pageSize ?? PAGE), 'encoding-type': 'url' };
  if (token) query['continuation-token'] = token;
  if (options.metadata) query.metadata = 'true';
  // a page the store (or a balancer before it) is too busy for is asked again: the listing goes on where it was
  return await withRetry(
    async () => {
      const signer = signerOf(s3);
      const url = await signer.presign({ method: 'GET', bucket, key: '', query }, URL_LIFETIME_S);
      const response = await getUrl(url, signer.agent, { signal: options.signal });
      if (response.statusCode !== 200) throw await s3Error(response);
      return new Answer(response, `${bucket}/${prefix}`, onContinue);
    },
    { signal: options.signal },
  );
}

/** Pages asked for ahead of the one being consumed: enough to keep the server busy while we work. */
const PAGES_AHEAD = 2;

/**
 * Every object under a prefix (recursive), in groups as they are parsed (a
 * few hundred at most). The next page is asked for as soon as this one's
 * continuation token is known, so the server lists while we work; but never
 * more than PAGES_AHEAD pages ahead of the consumer, so memory holds a few
 * pages' bytes however fast the server and however slow the consumer.
 */
export async function* listObjectGroups(
  s3: Client,
  bucket: string,
  prefix: string,
  options: ListOptions = {},
): AsyncGenerator<ListedObject[]> {
  // a consumer that stops early (an error, a break) stops the pages asked for ahead too
  const stopped = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopped.signal]) : stopped.signal;
  const ahead: Promise<Answer>[] = [];
  let held: string | undefined;
  const ask = (token: string) => {
    if (ahead.length >= PAGES_AHEAD) {
      held = token;
      return;
    }
    const page = askPage(s3, { bucket, prefix, options: { ...options, signal } }, token, ask);
    page.catch(() => undefined); // awaited in turn; a consumer that stops early must not leave it unhandled
    ahead.push(page);
  };
  try {
    ask('');
    for (let page = ahead.shift(); page; page = ahead.shift()) {
      if (held !== undefined) {
        const token = held;
        held = undefined;
        ask(token);
      }
      yield* (await page).objects();
    }
  } finally {
    stopped.abort();
  }
}

/** listObjectGroups, an object at a time. */
export async function* listObjects(s3: Client, bucket: string, prefix: string, options: ListOptions = {}): AsyncGenerator<ListedObject> {
  for await (const group of listObjectGroups(s3, bucket, prefix, options)) yield* group;
}
