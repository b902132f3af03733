/** Engine.io long-polling requests folded into the socket.io connection they make up, table-driven. */
import { describe, expect, it } from 'vitest';
import { foldEngineIoPolling, type HarEntry, type HarEntryRecord } from '../../har/index.js';
import { bareEntry } from './fixtures.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A polling request `n` (40 ms apart, 10 ms long) with its body or answer. */
function poll(n: number, url: string, method: 'GET' | 'POST', text: string, status = 200): HarEntry {
  const e = bareEntry(url, new Date(T0 + 40 * n).toISOString(), 10);
  e.request.method = method;
  if (method === 'POST') e.request.postData = { mimeType: 'text/plain;charset=UTF-8', text };
  e.response.status = status;
  e.response.content = { size: 0, mimeType: 'text/plain', text: method === 'POST' ? 'ok' : text };
  return e;
}

async function fold(entries: HarEntry[]): Promise<HarEntryRecord[]> {
  async function* records(): AsyncGenerator<HarEntryRecord> {
    for (const [index, entry] of entries.entries()) yield { entry, index, offset: index * 100 };
  }
  const out: HarEntryRecord[] = [];
  for await (const r of foldEngineIoPolling(records())) out.push(r);
  return out;
}

const S4 = 'https://h.test/socket.io/?EIO=4&transport=polling';
const S3 = 'http://h.test/socket.io/?EIO=3&transport=polling';
const open = (sid: string): string =>
  `0{"sid":"${sid}","upgrades":[],"pingInterval":25000,"pingTimeout":20000}`;

describe('foldEngineIoPolling', () => {
  it('folds an engine.io 4 session in place of its last request, frames in time order, other entries untouched', async () => {
    const api = bareEntry('https://h.test/api/me', new Date(T0).toISOString(), 5);
    const out = await fold([
      poll(0, `${S4}&t=a`, 'GET', open('S1')),
      api,
      poll(2, `${S4}&t=b&sid=S1`, 'POST', '40\x1e40/admin,'),
      poll(3, `${S4}&t=c&sid=S1`, 'GET', '40{"sid":"n1"}\x1e42["price",{"p":"1"}]'),
      poll(4, `${S4}&t=d&sid=S1`, 'POST', '1'),
      bareEntry('https://h.test/api/after', new Date(T0).toISOString(), 5),
    ]);
    expect(out.map((r) => r.index)).toEqual([1, 4, 5]);
    expect(out[0]?.entry).toBe(api);
    const e = out[1]?.entry as HarEntry;
    expect(e.request.url).toBe(S4);
    expect(e._resourceType).toBe('websocket');
    expect(e._engineIoPolling).toEqual({ requests: 4, eio: 4 });
    expect(e.startedDateTime).toBe(new Date(T0).toISOString());
    expect(e.time).toBe(40 * 4 + 10);
    expect(e._webSocketMessages).toEqual([
      { type: 'receive', time: (T0 + 10) / 1000, opcode: 1, data: open('S1') },
      { type: 'send', time: (T0 + 80) / 1000, opcode: 1, data: '40' },
      { type: 'send', time: (T0 + 80) / 1000, opcode: 1, data: '40/admin,' },
      { type: 'receive', time: (T0 + 130) / 1000, opcode: 1, data: '40{"sid":"n1"}' },
      { type: 'receive', time: (T0 + 130) / 1000, opcode: 1, data: '42["price",{"p":"1"}]' },
      { type: 'send', time: (T0 + 160) / 1000, opcode: 1, data: '1' },
    ]);
  });

  it('reads engine.io 3 length-prefixed payloads, binary in base64 as opcode 2, and ends a session at an answer other than 200', async () => {
    const out = await fold([
      poll(0, `${S3}&b64=1`, 'GET', `${open('S3').length}:${open('S3')}2:40`),
      poll(1, `${S3}&b64=1&sid=S3`, 'GET', '7:42["é"]6:b4AQID'),
      poll(2, `${S3}&b64=1&sid=S3`, 'GET', '{"code":1,"message":"Session ID unknown"}', 400),
    ]);
    expect(out.map((r) => r.index)).toEqual([2]);
    const e = out[0]?.entry as HarEntry;
    expect(e.request.url).toBe(`${S3}&b64=1`);
    expect(e._engineIoPolling).toEqual({ requests: 3, eio: 3 });
    expect(e._webSocketMessages?.map((m) => [m.type, m.opcode, m.data])).toEqual([
      ['receive', 1, open('S3')],
      ['receive', 1, '40'],
      ['receive', 1, '42["é"]'],
      ['receive', 2, 'AQID'],
    ]);
  });

  it('starts a session whose handshake is not in the capture at its first request, and emits it after the last record', async () => {
    const out = await fold([
      poll(0, `${S4}&sid=X9`, 'GET', '42["a"]'),
      bareEntry('https://h.test/api/me', new Date(T0).toISOString(), 5),
      poll(2, `${S4}&sid=X9`, 'POST', '42["b"]'),
      bareEntry('https://h.test/api/later', new Date(T0).toISOString(), 5),
    ]);
    // Its index is its last request's, so evidence points into the file, though it comes last.
    expect(out.map((r) => r.index)).toEqual([1, 3, 2]);
    expect(out[2]?.entry._webSocketMessages?.map((m) => m.data)).toEqual(['42["a"]', '42["b"]']);
  });

  it.each<[string, HarEntry]>([
    [
      'a handshake answered without an open packet',
      poll(0, S4, 'GET', '{"code":0,"message":"Transport unknown"}', 400),
    ],
    ['a WebSocket entry', Object.assign(poll(0, S4, 'GET', ''), { _webSocketMessages: [] })],
    [
      'a socket.io URL on another transport',
      poll(0, 'https://h.test/socket.io/?EIO=4&transport=websocket', 'GET', ''),
    ],
  ])('passes %s through untouched', async (_title, entry) => {
    const out = await fold([entry]);
    expect(out).toEqual([{ entry, index: 0, offset: 0 }]);
  });
});
