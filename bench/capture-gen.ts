/**
 * Deterministic synthetic captures for the benchmarks: a REST + GraphQL API with ids of every shape,
 * auth headers, pagination and noise, written entry by entry to reach a target size (up to GBs), and
 * the hostile shapes of issue 6 (a 200 MB body, 100 000 distinct paths, 10 000-level nesting, a
 * million-key object, invalid UTF-8). Synthesized: no real traffic.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** `50MB`, `1GB`, `200k` → bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(k|kb|m|mb|g|gb)?$/i.exec(text.trim());
  if (!m) throw new Error(`bad size ${text}: use 50MB, 1GB, 200KB`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit.startsWith('g')
    ? 1024 ** 3
    : unit.startsWith('m')
      ? 1024 ** 2
      : unit.startsWith('k')
        ? 1024
        : 1;
  return Math.round(Number(m[1]) * mult);
}

let seed = 42;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const hex = (n: number): string =>
  Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT'];

function header(name: string, value: string): { name: string; value: string } {
  return { name, value };
}

function makeEntry(i: number, t0: number): Record<string, unknown> {
  const time = t0 + i * 250;
  const kind = i % 20;
  const token = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1${Math.floor(i / 5000)}In0.${hex(16)}`;
  let method = 'GET';
  let url: string;
  let reqBody: string | undefined;
  let resBody: unknown;
  let mime = 'application/json';
  if (kind < 6) {
    const page = i % 7;
    url = `https://api.example.test/api/v3/myTrades?symbol=${pick(SYMBOLS)}&fromId=${1000 + page * 50}&limit=50&timestamp=${time}&signature=${hex(64)}`;
    resBody = Array.from({ length: 20 + Math.floor(rnd() * 20) }, (_, k) => ({
      id: 1000 + page * 50 + k,
      orderId: 900000000000 + i * 100 + k,
      price: (rnd() * 60000).toFixed(2),
      qty: (rnd() * 2).toFixed(6),
      commission: (rnd() / 100).toFixed(8),
      commissionAsset: 'BNB',
      time,
      isBuyer: rnd() > 0.5,
      isMaker: rnd() > 0.5,
    }));
  } else if (kind < 9) {
    url = `https://api.example.test/v1/users/${10000 + (i % 977)}/orders?page=${(i % 5) + 1}&size=20`;
    resBody = {
      orders: Array.from({ length: 10 }, () => ({
        id: uuid(),
        status: pick(['NEW', 'FILLED', 'CANCELED']),
        symbol: pick(SYMBOLS),
        createdAt: new Date(time).toISOString(),
        amount: (rnd() * 100).toFixed(4),
        note: rnd() > 0.7 ? null : 'ok',
      })),
      total: 200,
      hasMore: true,
    };
  } else if (kind < 11) {
    url = `https://api.example.test/v1/orders/${uuid()}`;
    resBody = {
      id: uuid(),
      status: 'FILLED',
      fills: [{ price: '1.0', qty: '2' }],
      tags: { [pick(SYMBOLS)]: { w: rnd() } },
    };
  } else if (kind < 13) {
    method = 'POST';
    url = 'https://api.example.test/graphql';
    const op = pick(['Viewer', 'Positions', 'Rewards']);
    reqBody = JSON.stringify({
      operationName: op,
      query: `query ${op}($after: String) { x }`,
      variables: { after: hex(12), first: 20 },
    });
    resBody = {
      data: {
        items: {
          pageInfo: { hasNextPage: true, endCursor: hex(12) },
          nodes: Array.from({ length: 15 }, () => ({ id: hex(20), value: (rnd() * 10).toFixed(3) })),
        },
      },
    };
  } else if (kind < 14) {
    method = 'POST';
    url = 'https://api.example.test/v1/auth/refresh';
    reqBody = JSON.stringify({ refresh_token: `rt-${hex(24)}` });
    resBody = { access_token: token, expires_in: 900, refresh_token: `rt-${hex(24)}` };
  } else if (kind < 16) {
    url = `https://api.example.test/sapi/v1/capital/deposit/hisrec?startTime=${time - 86400000}&endTime=${time}&timestamp=${time}&signature=${hex(64)}`;
    resBody = Array.from({ length: 8 }, () => ({
      amount: (rnd() * 10).toFixed(8),
      coin: 'USDT',
      network: 'TRX',
      status: 1,
      address: hex(34),
      txId: hex(64),
      insertTime: time,
      confirmTimes: '1/1',
    }));
  } else if (kind < 18) {
    url = `https://static.example.test/assets/chunk-${hex(8)}.js`;
    mime = 'application/javascript';
    resBody = undefined;
  } else {
    method = 'POST';
    url = 'https://www.google-analytics.com/g/collect?v=2';
    resBody = undefined;
  }
  const text =
    resBody === undefined ? (mime.includes('javascript') ? 'x'.repeat(2000) : '') : JSON.stringify(resBody);
  const u = new URL(url);
  return {
    startedDateTime: new Date(time).toISOString(),
    time: 12,
    request: {
      method,
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [{ name: 'sid', value: `s-${Math.floor(i / 5000)}` }],
      headers: [
        header('Authorization', `Bearer ${token}`),
        header('X-MBX-APIKEY', 'k'.repeat(64)),
        header('User-Agent', 'bench'),
        header('Accept', 'application/json'),
      ],
      queryString: [...u.searchParams].map(([name, value]) => ({ name, value })),
      ...(reqBody ? { postData: { mimeType: 'application/json', text: reqBody } } : {}),
      headersSize: -1,
      bodySize: reqBody?.length ?? 0,
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [header('Content-Type', mime)],
      content: { size: text.length, mimeType: mime, text },
      redirectURL: '',
      headersSize: -1,
      bodySize: text.length,
    },
    cache: {},
    timings: { send: 1, wait: 10, receive: 1 },
  };
}

async function writeLog(
  path: string,
  write: (emit: (s: string | Buffer) => Promise<void>) => Promise<number>,
): Promise<{ bytes: number; entries: number }> {
  const out = createWriteStream(path);
  let bytes = 0;
  const emit = async (s: string | Buffer): Promise<void> => {
    bytes += typeof s === 'string' ? Buffer.byteLength(s) : s.length;
    if (!out.write(s)) await once(out, 'drain');
  };
  await emit('{"log":{"version":"1.2","creator":{"name":"ledgertap-bench","version":"1"},"entries":[\n');
  const entries = await write(emit);
  await emit('\n]}}\n');
  out.end();
  await once(out, 'close');
  return { bytes, entries };
}

/** Writes a synthetic capture of about `targetBytes`. */
export async function writeSyntheticCapture(
  path: string,
  targetBytes: number,
): Promise<{ bytes: number; entries: number }> {
  seed = 42;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  return writeLog(path, async (emit) => {
    let i = 0;
    let written = 0;
    while (written < targetBytes) {
      const s = `${i > 0 ? ',\n' : ''}${JSON.stringify(makeEntry(i, t0))}`;
      written += s.length;
      await emit(s);
      i++;
    }
    return i;
  });
}

const base = (url: string, text: string, mime = 'application/json'): Record<string, unknown> => ({
  startedDateTime: '2026-01-01T00:00:00.000Z',
  time: 1,
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
    content: { size: text.length, mimeType: mime, text },
    redirectURL: '',
    headersSize: -1,
    bodySize: text.length,
  },
  cache: {},
  timings: { send: 0, wait: 0, receive: 0 },
});

export type HostileKind =
  'body-200mb' | 'socket-300mb' | 'paths-100k' | 'nested-10k' | 'keys-1m' | 'invalid-utf8';

/** Writes one hostile capture. */
export async function writeHostileCapture(
  path: string,
  kind: HostileKind,
): Promise<{ bytes: number; entries: number }> {
  return writeLog(path, async (emit) => {
    switch (kind) {
      case 'body-200mb': {
        // Written in pieces: the generator itself must not hold 200 MB twice.
        const head = JSON.stringify(base('https://api.example.test/v1/dump', 'BODY'));
        const [before, after] = head.split('"BODY"') as [string, string];
        await emit(before + '"{\\"data\\":\\"');
        const chunk = 'x'.repeat(1024 * 1024);
        for (let i = 0; i < 200; i++) await emit(chunk);
        await emit('\\"}"' + after);
        await emit(',' + JSON.stringify(base('https://api.example.test/v1/ok', '{"ok":true}')));
        return 2;
      }
      case 'socket-300mb': {
        // One market-data WebSocket kept open for hours: about 1.5 M frames in a single entry.
        const head = JSON.stringify({
          ...base('wss://stream.example.test/stream?streams=btcusdt@trade', ''),
          _resourceType: 'websocket',
          _webSocketMessages: 'FRAMES',
        });
        const [before, after] = head.split('"FRAMES"') as [string, string];
        await emit(`${before}[`);
        const t0 = 1_767_607_200;
        let written = 0;
        for (let i = 0; written < 300 * 1024 * 1024; i++) {
          const data =
            i % 500 === 0
              ? JSON.stringify({
                  e: 'depthUpdate',
                  E: t0 * 1000 + i,
                  s: 'BTCUSDT',
                  U: i,
                  u: i + 3,
                  b: [['60000.10', '0.5']],
                })
              : JSON.stringify({
                  e: 'trade',
                  E: t0 * 1000 + i,
                  s: 'BTCUSDT',
                  t: i,
                  p: (60000 + (i % 997) / 10).toFixed(2),
                  q: '0.01000',
                  m: i % 2 === 0,
                });
          const frame = `${i ? ',' : ''}${JSON.stringify({ type: 'receive', time: t0 + i / 100, opcode: 1, data })}`;
          written += frame.length;
          await emit(frame);
        }
        await emit(`]${after}`);
        await emit(',' + JSON.stringify(base('https://api.example.test/v1/ok', '{"ok":true}')));
        return 2;
      }
      case 'paths-100k':
        for (let i = 0; i < 100_000; i++)
          await emit(
            `${i ? ',' : ''}${JSON.stringify(base(`https://api.example.test/wiki/page-${i.toString(36)}-x/history`, '{"ok":true}'))}`,
          );
        return 100_000;
      case 'nested-10k':
        await emit(
          JSON.stringify(
            base('https://api.example.test/v1/deep', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
          ),
        );
        return 1;
      case 'keys-1m': {
        const parts: string[] = [];
        for (let i = 0; i < 1_000_000; i++) parts.push(`"k${i.toString(36)}":${i % 10}`);
        await emit(JSON.stringify(base('https://api.example.test/v1/wide', `{${parts.join(',')}}`)));
        return 1;
      }
      case 'invalid-utf8': {
        // Raw bytes 0xff 0xfe inside a JSON string: not UTF-8 at all.
        const [before, after] = JSON.stringify(
          base('https://api.example.test/v1/name', '{"name":"cafe"}'),
        ).split('cafe') as [string, string];
        await emit(`${before}caf`);
        await emit(Buffer.from([0xff, 0xfe]));
        await emit(after);
        return 1;
      }
    }
  });
}
