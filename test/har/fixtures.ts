/** Shared helpers for the HAR tests: fixture paths and small HAR builders. */
import { fileURLToPath } from 'node:url';
import type { HarEntry } from '../../har/index.js';

export const fixtureDir = fileURLToPath(new URL('../fixtures/har/', import.meta.url));

export function fixture(name: string): string {
  return fixtureDir + name;
}

/**
 * A spec-valid GET of `url` answered 200 OK, with no headers, query or body: the skeleton a test fills in.
 * `time` is also the wait.
 */
export function bareEntry(url: string, startedDateTime: string, time: number): HarEntry {
  return {
    startedDateTime,
    time,
    request: {
      method: 'GET',
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [],
      queryString: [],
      headersSize: -1,
      bodySize: 0,
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: '' },
      redirectURL: '',
      headersSize: -1,
      bodySize: 0,
    },
    cache: {},
    timings: { send: 0, wait: time, receive: 0 },
  };
}

/** A complete, spec-valid entry for `url`. */
export function makeEntry(
  i: number,
  url = `https://api.example.test/item/${i}`,
  body = `{"i":${i}}`,
): HarEntry {
  const e = bareEntry(url, new Date(Date.UTC(2026, 0, 5, 10, 0, 0) + i * 1000).toISOString(), 10);
  e.request.headers = [{ name: 'accept', value: 'application/json' }];
  e.response.headers = [{ name: 'content-type', value: 'application/json' }];
  e.response.content = { size: Buffer.byteLength(body), mimeType: 'application/json', text: body };
  e.response.bodySize = Buffer.byteLength(body);
  e.pageref = 'page_1';
  return e;
}

/** A HAR document with `n` entries, and the byte offset where each entry's JSON ends (exclusive). */
export function harText(n: number, pagesAfter = false): { text: string; entryEnds: number[] } {
  const head = '{\n  "log": {\n    "version": "1.2",\n    "creator": {"name": "test", "version": "1"},\n';
  const pages =
    '    "pages": [{"startedDateTime": "2026-01-05T10:00:00.000Z", "id": "page_1", "title": "p", "pageTimings": {}}]';
  let text = head + (pagesAfter ? '' : pages + ',\n') + '    "entries": [\n';
  const entryEnds: number[] = [];
  for (let i = 0; i < n; i++) {
    // Bodies with escapes, backslash runs and multi-byte characters: what trips a byte scanner.
    const body = JSON.stringify({
      i,
      s: 'a"b\\\\"c\\',
      u: 'ünï €' + '\\'.repeat(i % 5) + '"',
      arr: [1, { x: '}]' }],
    });
    text += (i ? ',\n' : '') + '      ' + JSON.stringify(makeEntry(i, undefined, body));
    entryEnds.push(Buffer.byteLength(text));
  }
  text += '\n    ]' + (pagesAfter ? ',\n' + pages : '') + ',\n    "comment": "end"\n  }\n}\n';
  return { text, entryEnds };
}

/** Collects an async iterable (Array.fromAsync needs Node 22). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
