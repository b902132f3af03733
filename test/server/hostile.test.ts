/**
 * The API as a demanding integrator meets it, over real HTTP against a real SQLite ledger: time parameters as
 * clients really send them, requests node:http refuses before any handler runs, odd request targets and
 * cursors of records whose ids are long.
 */
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerError } from '../../core/index.js';
import { openLedger } from '../../ledger/index.js';
import type { LedgerStore } from '../../ledger/index.js';
import { startLedgerServer } from '../../server/index.js';
import type { LedgerServer } from '../../server/index.js';
import { accepts } from '../../server/accept.js';
import { MAX_CURSOR_LENGTH, decodeRecordCursor, encodeRecordCursor } from '../../server/cursor.js';
import { parseTimeParam } from '../../server/query.js';
import {
  call,
  expectSchema,
  pgAvailable,
  postgresCase,
  putAll,
  sqliteCase,
  syntheticTrade,
  useServedLedger,
} from './helpers.js';
import type { BackendCase, Fetched, LedgerPlace } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const LONG_IDS = ['币'.repeat(512), '😀'.repeat(512), '"\\'.repeat(256), 'a'.repeat(512)];

interface Page {
  records: { kind: string; id: string; time: number }[];
  cursor: string | null;
  next: string | null;
}

/** Sends `request` as raw bytes and resolves with everything the server wrote before closing (or 2 s). */
function raw(server: LedgerServer, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => socket.destroy(), 2_000);
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
    socket.on('error', reject);
    socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}

/** The status, headers and body of a raw HTTP/1.1 response. */
function parseRaw(text: string): { status: number; headers: Map<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, end < 0 ? text.length : end).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: end < 0 ? '' : text.slice(end + 4),
  };
}

/** Asserts a raw response is the named problem, as application/problem+json of the Problem schema. */
function expectRawProblem(text: string, status: number, code: string): Record<string, unknown> {
  const res = parseRaw(text);
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.body, 'latin1'));
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expectSchema('Problem', body);
  expect(body['code']).toBe(code);
  expect(body['status']).toBe(status);
  expect(String(body['detail']).length).toBeGreaterThan(20);
  return body;
}

describe('serve API against hostile and careless clients', () => {
  let place: LedgerPlace;
  let store: LedgerStore;
  let server: LedgerServer;
  const get = (path: string): Promise<Fetched> => call(`${server.url}${path}`, { token: TOKEN });

  async function pageAll(path: string): Promise<Page['records']> {
    const out: Page['records'] = [];
    let next: string | null = path;
    for (let pages = 0; next; pages++) {
      if (pages > 1000) throw new Error('paging does not end');
      const res = await get(next);
      expect(res.status, res.text).toBe(200);
      expectSchema('RecordPage', res.json);
      const page = res.json as Page;
      out.push(...page.records);
      next = page.next;
    }
    return out;
  }

  beforeAll(async () => {
    place = await sqliteCase.place();
    store = await openLedger(place.location);
    await putAll(
      store,
      Array.from({ length: 30 }, (_, i) => syntheticTrade(i + 1)),
    );
    // Ids as long as the account schemas allow (512 code points), of 3- and 4-byte characters and escapes.
    await putAll(
      store,
      LONG_IDS.map((id, i) => ({ ...syntheticTrade(i + 1, 'long-ids'), id })),
    );
    // Ids and an account that are dot segments, and an account with characters a URL path encodes.
    await putAll(store, [
      { ...syntheticTrade(1, 'dots'), id: '..' },
      { ...syntheticTrade(2, 'dots'), id: '.' },
      syntheticTrade(1, '..'),
      ...[1, 2, 3].map((n) => syntheticTrade(n, 'a>b')),
    ]);
    server = await startLedgerServer(store, { token: TOKEN });
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await place?.cleanup();
  });

  describe('time parameters', () => {
    it('takes epoch milliseconds of any length: since=0 means from the beginning', async () => {
      const all = await pageAll('/v1/accounts/main/records');
      expect(all).toHaveLength(30);
      expect(await pageAll('/v1/accounts/main/records?since=0')).toEqual(all);
      expect(await pageAll('/v1/accounts/main/records?since=86400000&limit=7')).toEqual(all);
      // 1 ms after the 10th trade: 13 digits, as before.
      const cut = Date.UTC(2025, 0, 1) + 10_000 + 1;
      expect(await pageAll(`/v1/accounts/main/records?since=0&until=${cut}`)).toEqual(
        all.filter((r) => r.time < cut),
      );
      const ledger = await get('/v1/accounts/main/ledger?since=0');
      expect(ledger.status, ledger.text).toBe(200);
      expectSchema('LedgerPage', ledger.json);
    });

    it('reads an ISO offset sent with an unencoded + (which a query string decodes to a space)', async () => {
      const since = Date.UTC(2025, 0, 1) + 20_000;
      const expected = await pageAll(`/v1/accounts/main/records?since=${since}`);
      expect(expected.length).toBe(11);
      // 2025-01-01T02:00:20+02:00 is 2025-01-01T00:00:20Z.
      expect(await pageAll('/v1/accounts/main/records?since=2025-01-01T02:00:20+02:00')).toEqual(expected);
      expect(await pageAll('/v1/accounts/main/records?since=2025-01-01T02:00:20%2B02:00')).toEqual(expected);
      expect(await pageAll('/v1/accounts/main/records?since=2025-01-01T02:00:20+0200')).toEqual(expected);
    });

    it.each([
      ['a word', 'yesterday'],
      ['a negative number', '-1'],
      ['past year 9999', '9999999999999999'],
      ['17 digits', '12345678901234567'],
      ['a space without an offset', '2025-01-01T02:00:20 junk'],
      ['an impossible date', '2025-02-30'],
    ])('still refuses %s with a 400 problem naming the parameter', async (_name, value) => {
      const res = await get(`/v1/accounts/main/records?since=${encodeURIComponent(value)}`);
      expect(res.status, res.text).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.json).toMatchObject({ code: 'server.bad_time', parameter: 'since' });
    });

    it('parses time parameters (unit)', () => {
      expect(parseTimeParam('0')).toBe(0);
      expect(parseTimeParam('86400000')).toBe(86_400_000);
      expect(parseTimeParam('1735689600000')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('1735689600')).toBe(Date.UTC(2025, 0, 1)); // 10 digits: epoch seconds
      expect(parseTimeParam('2025-01-01T02:00:00 02:00')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('2025-01-01T02:00:00+02:00')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('2024-12-31T22:00:00-02:00')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('2025-01-01')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('2025-01-01 02:00')).toBe(Date.UTC(2025, 0, 1, 2));
      expect(parseTimeParam('x1')).toBeUndefined();
      expect(parseTimeParam('')).toBeUndefined();
    });
  });

  describe('requests node:http refuses before the handler', () => {
    const auth = `Authorization: Bearer ${TOKEN}\r\n`;
    it('answers a URL longer than the header limit with a 431 problem', async () => {
      const cursor = 'a'.repeat(20_000);
      const res = await call(`${server.url}/v1/accounts/main/records?cursor=${cursor}`, { token: TOKEN });
      expect(res.status).toBe(431);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expectSchema('Problem', res.json);
      expect(res.json).toMatchObject({ code: 'server.request_too_large', status: 431 });
      expect(res.text).not.toContain(cursor.slice(0, 100));
    });

    it.each([
      ['a malformed header', `GET /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Bad Header\r\n\r\n`],
      [
        'raw bytes outside ASCII in the path',
        `GET /v1/accounts/\xff\xfe/records HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`,
      ],
      [
        'both Transfer-Encoding and Content-Length',
        `GET /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`,
      ],
    ])('answers %s with a 400 problem and closes', async (_name, request) => {
      const text = await raw(server, request);
      const res = parseRaw(text);
      expect(res.headers.get('connection')).toBe('close');
      expectRawProblem(text, 400, 'server.bad_request');
    });

    it('answers a method HTTP does not know with a 400 problem listing GET and HEAD', async () => {
      const text = await raw(server, `BREW /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`);
      const body = expectRawProblem(text, 400, 'server.bad_request');
      expect(body['allowed']).toEqual(['GET', 'HEAD']);
    });

    it('answers CONNECT with a 405 problem instead of dropping the connection', async () => {
      const text = await raw(server, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
      expectRawProblem(text, 405, 'server.method_not_allowed');
      expect(parseRaw(text).headers.get('allow')).toBe('GET, HEAD');
    });

    it('answers an Expect it cannot meet with a 417 problem', async () => {
      const text = await raw(
        server,
        `GET /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Expect: x-teapot\r\nConnection: close\r\n\r\n`,
      );
      const body = expectRawProblem(text, 417, 'server.expectation_failed');
      expect(body['instance']).toBe('/v1/accounts');
    });

    it('still serves the next request on a new connection', async () => {
      await raw(server, 'BREW / HTTP/1.1\r\n\r\n');
      expect((await get('/v1/accounts')).status).toBe(200);
    });
  });

  describe('request targets', () => {
    it('answers a path with a doubled slash as that path, not as a host named by its first segment', async () => {
      // Resolved as a URL reference, //v1/accounts names host "v1" and path /accounts.
      const res = await get('//v1/accounts');
      expect(res.status, res.text).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expectSchema('Problem', res.json);
      const p = res.json as { instance: string; detail: string; code: string };
      expect(p.code).toBe('server.not_found');
      expect(p.instance).toBe('//v1/accounts');
      expect(p.detail).toContain('/v1/accounts.');
      // //evil/v1/accounts served /v1/accounts before.
      const sneaky = await get('//evil/v1/accounts/main/records');
      expect(sneaky.status).toBe(404);
      expect((sneaky.json as { instance: string }).instance).toBe('//evil/v1/accounts/main/records');
      const inside = await get('/v1/accounts//records');
      expect(inside.status).toBe(404);
      expect((inside.json as { detail: string }).detail).toContain('/v1/accounts/records');
    });

    it('still takes an absolute-form target and a trailing slash', async () => {
      const text = await raw(
        server,
        `GET http://127.0.0.1/v1/accounts/main/records/?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
      );
      const res = parseRaw(text);
      expect(res.status, text).toBe(200);
      expect((JSON.parse(res.body) as Page).records).toHaveLength(1);
    });

    const getRaw = async (
      target: string,
    ): Promise<{ status: number; headers: Map<string, string>; json: unknown }> => {
      const res = parseRaw(
        await raw(
          server,
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
        ),
      );
      return { status: res.status, headers: res.headers, json: JSON.parse(res.body) as unknown };
    };

    it('serves records and accounts named . and .. (percent-encoded dot segments are data, not a climb)', async () => {
      for (const [path, id] of [
        ['/v1/accounts/dots/records/trade/%2E%2E', '..'],
        ['/v1/accounts/dots/records/trade/%2e', '.'],
      ] as const) {
        const res = await getRaw(path);
        expect(res.status, JSON.stringify(res.json)).toBe(200);
        expectSchema('RecordDetail', res.json);
        expect((res.json as { record: { id: string } }).record.id).toBe(id);
      }
      const account = await getRaw('/v1/accounts/%2E%2E/records');
      expect(account.status).toBe(200);
      expect((account.json as { account: string }).account).toBe('..');
      // A literal .. is a segment too: no account "x" climbs back to the listing.
      const literal = await getRaw('/v1/accounts/x/../records');
      expect(literal.status).toBe(404);
    });

    it('sends a well-formed Link for a path sent with characters a URL encodes', async () => {
      const first = await getRaw('/v1/accounts/a>b/records?limit=1');
      expect(first.status, JSON.stringify(first.json)).toBe(200);
      const page = first.json as Page & { account: string };
      expect(page.account).toBe('a>b');
      expect(page.next).toMatch(/^\/v1\/accounts\/a%3Eb\/records\?/);
      expect(first.headers.get('link')).toBe(`<${page.next}>; rel="next"`);
      expect(await pageAll(page.next as string)).toHaveLength(2);
    });

    it('answers /healthz/ without a token like /healthz', async () => {
      for (const path of ['/healthz', '/healthz/']) {
        const res = await call(`${server.url}${path}`);
        expect(res.status, `${path}: ${res.text}`).toBe(200);
        expectSchema('Health', res.json);
      }
      expect((await call(`${server.url}/healthz/x`)).status).toBe(401);
    });
  });

  describe('cursors of records with long ids', () => {
    it('pages past a record whose id is 512 non-ASCII characters (its cursor was refused as damaged)', async () => {
      const records = await pageAll('/v1/accounts/long-ids/records?limit=1');
      expect(records.map((r) => r.id).sort()).toEqual([...LONG_IDS].sort());
    });

    it('pages the ledger view past such a record', async () => {
      const ids = new Set<string>();
      let next: string | null = '/v1/accounts/long-ids/ledger?limit=1';
      for (let pages = 0; next; pages++) {
        if (pages > 100) throw new Error('paging does not end');
        const res = await get(next);
        expect(res.status, res.text.slice(0, 300)).toBe(200);
        expectSchema('LedgerPage', res.json);
        const page = res.json as { rows: { id: string }[]; next: string | null };
        for (const row of page.rows) ids.add(row.id);
        next = page.next;
      }
      expect([...ids].sort()).toEqual([...LONG_IDS].sort());
    });

    it('decodes every cursor it encodes, and still refuses longer ids and cursors (unit)', () => {
      for (const id of LONG_IDS) {
        const cursor = encodeRecordCursor({ kind: 'autoinvest_execution', id });
        expect(cursor.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
        expect(decodeRecordCursor(cursor)).toEqual({ kind: 'autoinvest_execution', id });
      }
      const tooLong = encodeRecordCursor({ kind: 'trade', id: 'a'.repeat(513) });
      expect(() => decodeRecordCursor(tooLong)).toThrow(/not a cursor this API issued/);
      const astral = encodeRecordCursor({ kind: 'trade', id: '😀'.repeat(513) });
      expect(() => decodeRecordCursor(astral)).toThrow(/not a cursor this API issued/);
      expect(() => decodeRecordCursor('A'.repeat(MAX_CURSOR_LENGTH + 1))).toThrow(/not a cursor/);
    });
  });

  describe('content negotiation', () => {
    it.each([
      ['/v1/accounts', 'text/html'],
      ['/v1/accounts', 'application/xml, text/csv;q=0.5'],
      ['/v1/accounts/main/records', 'application/json;q=0, */*'],
      ['/v1/openapi.yaml', 'application/json'],
    ])('answers %s with Accept: %s by 406, naming the type it serves', async (path, accept) => {
      const res = await call(`${server.url}${path}`, { token: TOKEN, headers: { accept } });
      expect(res.status, res.text).toBe(406);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expectSchema('Problem', res.json);
      const type = path.endsWith('.yaml') ? 'application/yaml' : 'application/json';
      expect(res.json).toMatchObject({ code: 'server.not_acceptable', allowed: [type], instance: path });
    });

    it.each([
      ['/v1/accounts', 'application/json'],
      ['/v1/accounts', 'application/json; charset=utf-8'],
      ['/v1/accounts', 'APPLICATION/JSON'],
      ['/v1/accounts', 'text/html, application/*;q=0.1'],
      ['/v1/accounts', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
      ['/v1/accounts', ''],
      ['/v1/accounts', 'nonsense'],
      ['/v1/openapi.yaml', 'application/yaml'],
      ['/healthz', 'application/json'],
    ])('serves %s with Accept: %s', async (path, accept) => {
      const res = await call(`${server.url}${path}`, { token: TOKEN, headers: { accept } });
      expect(res.status, res.text).toBe(200);
    });

    it('keeps errors problem+json whatever Accept says, and checks auth and the path first', async () => {
      const unknown = await call(`${server.url}/v1/nothing`, {
        token: TOKEN,
        headers: { accept: 'text/html' },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toBe('application/problem+json');
      const noToken = await call(`${server.url}/v1/accounts`, { headers: { accept: 'text/html' } });
      expect(noToken.status).toBe(401);
    });

    it('matches media ranges by their most specific match (unit)', () => {
      expect(accepts(undefined, 'application/json')).toBe(true);
      expect(accepts('*/*', 'application/json')).toBe(true);
      expect(accepts('application/*', 'application/json')).toBe(true);
      expect(accepts('text/*', 'application/json')).toBe(false);
      expect(accepts('*/*;q=0', 'application/json')).toBe(false);
      expect(accepts('application/json;q=0, */*;q=1', 'application/json')).toBe(false);
      expect(accepts('application/*;q=0, application/json;q=0.2', 'application/json')).toBe(true);
      expect(accepts('application/json;q=2', 'application/json')).toBe(true); // unparsable: anything
    });
  });

  describe('cursors of another query', () => {
    async function firstCursor(path: string): Promise<string> {
      const res = await get(path);
      expect(res.status, res.text).toBe(200);
      const cursor = (res.json as { cursor: string | null }).cursor;
      if (cursor === null) throw new Error(`${path}: one page only`);
      return cursor;
    }

    it.each([
      ['another account', '/v1/accounts/main/records?limit=2', '/v1/accounts/long-ids/records?limit=2'],
      [
        'another kind',
        '/v1/accounts/main/records?limit=2&kind=trade',
        '/v1/accounts/main/records?kind=balance',
      ],
      [
        'no kind after a kind',
        '/v1/accounts/main/records?limit=2&kind=trade',
        '/v1/accounts/main/records?limit=2',
      ],
      [
        'another since',
        '/v1/accounts/main/records?limit=2',
        '/v1/accounts/main/records?limit=2&since=2025-01-01T00:00:20Z',
      ],
      [
        'another until',
        '/v1/accounts/main/records?limit=2&until=2026-01-01',
        '/v1/accounts/main/records?limit=2',
      ],
      [
        'another asset (ledger)',
        '/v1/accounts/main/ledger?limit=2&asset=BNB',
        '/v1/accounts/main/ledger?limit=2&asset=BTC',
      ],
      [
        'another account (ledger)',
        '/v1/accounts/main/ledger?limit=2',
        '/v1/accounts/long-ids/ledger?limit=2',
      ],
    ])('refuses a cursor passed to %s with a 400 saying so', async (_name, from, to) => {
      const cursor = await firstCursor(from);
      const res = await get(`${to}&cursor=${cursor}`);
      expect(res.status, res.text).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expectSchema('Problem', res.json);
      expect(res.json).toMatchObject({ code: 'server.bad_cursor', parameter: 'cursor' });
      expect((res.json as { detail: string }).detail).toContain('belongs to another query');
    });

    it('takes a cursor with another limit, kinds in another order, or the same time written another way', async () => {
      const all = await pageAll('/v1/accounts/main/records?since=2025-01-01&kind=trade,balance&limit=1000');
      const cursor = await firstCursor(
        '/v1/accounts/main/records?since=2025-01-01&kind=trade,balance&limit=5',
      );
      const rest = await pageAll(
        `/v1/accounts/main/records?since=${Date.UTC(2025, 0, 1)}&kind=balance&kind=trade&limit=7&cursor=${cursor}`,
      );
      expect([...all.slice(0, 5), ...rest]).toEqual(all);
    });

    it('still takes a cursor written before cursors carried their query', async () => {
      const all = await pageAll('/v1/accounts/main/records?limit=1000');
      const old = encodeRecordCursor({ kind: 'trade', id: all[9]?.id as string });
      expect(await pageAll(`/v1/accounts/main/records?limit=4&cursor=${old}`)).toEqual(all.slice(10));
      expect(() => decodeRecordCursor(encodeRecordCursor({ kind: 'trade', id: 'x' }, 'a'), 'b')).toThrow(
        /another query/,
      );
    });
  });

  describe('stopping', () => {
    it('answers a request in flight when close() is called with Connection: close, then stops', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inHandler = new Promise<void>((resolve) => (entered = resolve));
      // The ledger answers the accounts listing only when released: the request is in flight meanwhile.
      const slow = new Proxy(store, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (name === 'countByKind')
            return async () => {
              entered();
              await gate;
              return target.countByKind();
            };
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const own = await startLedgerServer(slow, { token: TOKEN });
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const response = new Promise<{ status: number; connection: string | undefined }>(
          (resolve, reject) => {
            request(
              `${own.url}/v1/accounts`,
              { agent, headers: { authorization: `Bearer ${TOKEN}` } },
              (res) => {
                res.resume();
                res.on('end', () =>
                  resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }),
                );
              },
            )
              .on('error', reject)
              .end();
          },
        );
        await inHandler;
        const closed = own.close();
        release();
        expect(await response).toEqual({ status: 200, connection: 'close' });
        await closed;
      } finally {
        release();
        agent.destroy();
        await own.close();
      }
    });
  });

  describe('a ledger that fails to answer', () => {
    it('answers 503 with Retry-After, on the endpoints and /healthz', async () => {
      const busy = (): never => {
        throw new LedgerError('busy', 'the ledger is locked by another process.');
      };
      const failing = new Proxy(store, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (name === 'queryRecords' || name === 'schemaVersion' || name === 'countByKind')
            return async () => busy();
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const own = await startLedgerServer(failing, { token: TOKEN });
      try {
        for (const path of ['/v1/accounts', '/v1/accounts/main/records', '/healthz']) {
          const res = await call(`${own.url}${path}`, { token: TOKEN });
          expect(res.status, `${path}: ${res.text}`).toBe(503);
          expect(res.headers.get('retry-after'), path).toBe('5');
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          expect(res.json).toMatchObject({ code: 'server.ledger_unavailable' });
        }
      } finally {
        await own.close();
      }
    });
  });
});

const backends: BackendCase[] = [sqliteCase, ...((await pgAvailable()) ? [postgresCase] : [])];

describe.each(backends)('accounts and ids no record can have, on $name', (backend) => {
  const served = useServedLedger(backend, TOKEN);
  const get = (path: string): Promise<Fetched> => call(`${served.server.url}${path}`, { token: TOKEN });

  it.each([
    ['a NUL account', '/v1/accounts/%00/records', 404, 'server.unknown_account'],
    ['an account with a control character', '/v1/accounts/ma%0Ain/balances', 404, 'server.unknown_account'],
    ['a NUL in the ledger view', '/v1/accounts/a%00b/ledger', 404, 'server.unknown_account'],
    ['a NUL id', '/v1/accounts/main/records/trade/BNBBTC%3A1%00', 404, 'server.record_not_found'],
    [
      'a cursor naming a NUL id',
      `/v1/accounts/main/records?cursor=${Buffer.from(JSON.stringify([1, 'trade', 'x\u0000'])).toString('base64url')}`,
      400,
      'server.bad_cursor',
    ],
  ])(
    'answers %s as a client error, the same on every backend (not a 503 to retry)',
    async (_name, path, status, code) => {
      const res = await get(path);
      expect(res.status, res.text).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expectSchema('Problem', res.json);
      expect((res.json as { code: string }).code).toBe(code);
    },
  );

  it('names a very long unknown account by its start only', async () => {
    const res = await get(`/v1/accounts/${'a'.repeat(5000)}/records`);
    expect(res.status).toBe(404);
    const detail = (res.json as { detail: string }).detail;
    expect(detail).toContain(`"${'a'.repeat(64)}…"`);
    expect(detail.length).toBeLessThan(400);
  });

  it('still serves the record and account that exist', async () => {
    expect((await get('/v1/accounts/main/records/trade/BNBBTC%3A1')).status).toBe(200);
    expect((await get('/v1/accounts/main/balances')).status).toBe(200);
  });
});
