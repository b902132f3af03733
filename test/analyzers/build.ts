/** Small hand-built HAR entries for the analyzer tests: one behaviour per fixture. */
import type { HarEntry, HarFile } from '../../har/index.js';

export interface EntrySpec {
  method?: string;
  url: string;
  requestHeaders?: Record<string, string>;
  requestCookies?: Record<string, string>;
  requestBody?: unknown;
  requestMime?: string;
  status?: number;
  response?: unknown;
  responseMime?: string;
  responseText?: string;
  responseHeaders?: [string, string][];
  redirectURL?: string;
  step?: string;
  time?: string;
}

let clock = Date.parse('2026-01-01T00:00:00Z');

export function entry(spec: EntrySpec): HarEntry {
  clock += 1000;
  const u = new URL(spec.url);
  const reqMime = spec.requestMime ?? 'application/json';
  const body =
    spec.requestBody === undefined
      ? undefined
      : typeof spec.requestBody === 'string'
        ? spec.requestBody
        : JSON.stringify(spec.requestBody);
  const resText = spec.responseText ?? (spec.response === undefined ? '' : JSON.stringify(spec.response));
  const e: HarEntry = {
    startedDateTime: spec.time ?? new Date(clock).toISOString(),
    time: 10,
    request: {
      method: spec.method ?? 'GET',
      url: spec.url,
      httpVersion: 'HTTP/1.1',
      cookies: Object.entries(spec.requestCookies ?? {}).map(([name, value]) => ({ name, value })),
      headers: Object.entries(spec.requestHeaders ?? {}).map(([name, value]) => ({ name, value })),
      queryString: [...u.searchParams].map(([name, value]) => ({ name, value })),
      headersSize: -1,
      bodySize: body ? body.length : 0,
      ...(body !== undefined ? { postData: { mimeType: reqMime, text: body } } : {}),
    },
    response: {
      status: spec.status ?? 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: (spec.responseHeaders ?? []).map(([name, value]) => ({ name, value })),
      content: {
        size: resText.length,
        mimeType: spec.responseMime ?? (resText ? 'application/json' : ''),
        text: resText,
      },
      redirectURL: spec.redirectURL ?? '',
      headersSize: -1,
      bodySize: resText.length,
    },
  };
  if (spec.step) e._step = spec.step;
  return e;
}

export function har(entries: HarEntry[], ledgertap?: HarFile['log']['_ledgertap']): HarFile {
  return {
    log: {
      version: '1.2',
      creator: { name: 'ledgertap-test', version: '0' },
      entries,
      ...(ledgertap ? { _ledgertap: ledgertap } : {}),
    },
  };
}
