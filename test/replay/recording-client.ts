/**
 * Clients for the replay tests that record what they exchange as HAR entries with clear values, as a
 * capture with --no-redact would: one request at a time, and a browser-like session of the test app.
 */
import { createHash } from 'node:crypto';
import { createHarWriter, type HarEntry } from '../../har/index.js';
import type { AppServer } from './app-server.js';

export interface RecordedExchange {
  entry: HarEntry;
  response: Response;
  /** The answer's body, as read (the response's own body is spent). */
  text: string;
}

/** Sends one request to `url` and returns the HAR entry it makes: request and answer as sent and read. */
export async function fetchAsEntry(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RecordedExchange> {
  const started = Date.now();
  const response = await fetch(url, { method, headers, ...(body ? { body } : {}) });
  const text = await response.text();
  const time = Date.now() - started;
  const entry: HarEntry = {
    startedDateTime: new Date(started).toISOString(),
    time,
    request: {
      method,
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: Object.entries(headers).map(([name, value]) => ({ name, value })),
      queryString: [],
      ...(body ? { postData: { mimeType: 'application/json', text: body } } : {}),
      headersSize: -1,
      bodySize: body?.length ?? 0,
    },
    response: {
      status: response.status,
      statusText: response.statusText,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [...response.headers].map(([name, value]) => ({ name, value })),
      content: { size: text.length, mimeType: response.headers.get('content-type') ?? '', text },
      redirectURL: '',
      headersSize: -1,
      bodySize: text.length,
    },
    cache: {},
    timings: { send: 0, wait: time, receive: 0 },
  };
  return { entry, response, text };
}

/** One call of the test app: a JSON body, if any, is sent as application/json. */
export type AppCall = (method: string, path: string, body?: unknown) => Promise<void>;

/**
 * Records into `harPath` the calls `script` makes to the test app through a browser-like client: it keeps
 * the cookies the app sets and sends `x-csrf-token = md5(csrf_seed)` as the app's front end does.
 */
export async function recordAppSession(
  server: AppServer,
  harPath: string,
  script: (call: AppCall) => Promise<void>,
): Promise<void> {
  const writer = await createHarWriter(harPath, { creator: { name: 'replay-test', version: '1' } });
  const jar = new Map<string, string>();
  const call: AppCall = async (method, path, body) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const seed = jar.get('csrf_seed');
    if (seed) headers['x-csrf-token'] = createHash('md5').update(seed).digest('hex');
    if (body !== undefined) headers['content-type'] = 'application/json';
    const text = body === undefined ? undefined : JSON.stringify(body);
    const { entry, response } = await fetchAsEntry(method, `${server.url}${path}`, headers, text);
    for (const line of response.headers.getSetCookie()) {
      const [k, v] = (line.split(';')[0] ?? '').split('=');
      if (k && v !== undefined) jar.set(k, v);
    }
    await writer.write(entry);
  };
  await script(call);
  await writer.close();
}
