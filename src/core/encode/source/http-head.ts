/**
 * The head of an HTTP/1.1 message: its start line and headers. The relay
 * reads only heads (ffmpeg's request, the store's answer) and passes bodies
 * on as bytes, so it needs no more of HTTP than this.
 */
export interface HttpHead {
  /** A request's [method, target, version]; an answer's [version, status, reason]. */
  start: [string, string, string];
  /** Lower-cased names; a repeated header's values joined by ', '. */
  headers: Map<string, string>;
}

/** Larger than any head ffmpeg or an S3 store sends; a peer that sends more is not one of them. */
const HEAD_MAX = 64 * 1024;
const END_OF_HEAD = Buffer.from('\r\n\r\n');

export class HeadTooLarge extends Error {}

/** Collects bytes up to the blank line that ends a head. */
export class HeadReader {
  private received = Buffer.alloc(0);

  /** Returns the head and the bytes after it once the blank line has come; undefined before. */
  push(bytes: Buffer): { head: HttpHead; rest: Buffer } | undefined {
    // the blank line may straddle two reads: search from 3 bytes before this one
    const from = Math.max(0, this.received.length - 3);
    this.received = Buffer.concat([this.received, bytes]);
    const end = this.received.indexOf(END_OF_HEAD, from);
    if (end < 0) {
      if (this.received.length > HEAD_MAX) throw new HeadTooLarge(`an HTTP head of over ${HEAD_MAX} bytes`);
      return undefined;
    }
    return { head: parseHead(this.received.toString('latin1', 0, end)), rest: this.received.subarray(end + END_OF_HEAD.length) };
  }
}

function parseHead(text: string): HttpHead {
  const [startLine = '', ...lines] = text.split('\r\n');
  const first = startLine.indexOf(' ');
  const second = startLine.indexOf(' ', first + 1);
  const start: [string, string, string] =
    second < 0
      ? [startLine.slice(0, first), startLine.slice(first + 1), '']
      : [startLine.slice(0, first), startLine.slice(first + 1, second), startLine.slice(second + 1)];
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { start, headers };
}
