/**
 * Engine.io long-polling in a capture, folded into the connection it is. A socket.io client on polling
 * (a server without WebSocket, or before its upgrade) shows up in a HAR as a handshake GET
 * (`/socket.io/?EIO=4&transport=polling`, answered `0{"sid":…}`), then GETs and POSTs with `sid=…` whose
 * bodies hold engine.io packets. Read one by one they are meaningless HTTP calls with a stale session id;
 * folded, they are one connection with its frames in `_webSocketMessages` (received: the GETs' answers,
 * sent: the POSTs' bodies, in time order), marked `_engineIoPolling`, which the WebSocket analyzer and
 * replay read as they read a socket.io WebSocket. Payload framing:
 * https://socket.io/docs/v4/engine-io-protocol/#http-long-polling (engine.io 4: packets joined by `\x1e`;
 * engine.io 3: each packet after its length, `6:42["a"]`).
 */
import { harRequestText, harResponseText, parseHarUrl } from './body.js';
import type { HarEntryRecord } from './reader.js';
import type { HarEntry, HarWebSocketMessage } from './types.js';

/** Engine.io 4's separator between the packets of one polling payload. */
export const ENGINE_IO_RECORD_SEPARATOR = '\x1e';

/** Polling sessions folded at once; more are passed through as they are. */
const MAX_SESSIONS = 200;
/** Frames kept per folded session; later ones are counted in `_webSocketMessagesDropped`. */
const MAX_FRAMES = 5_000;

/** The packets of one polling payload, framed as engine.io `eio` does. */
export function encodeEngineIoPayload(packets: readonly string[], eio: 3 | 4): string {
  // Engine.io 3 counts a packet's length in UTF-16 code units, as JavaScript's `length`.
  return eio === 4
    ? packets.join(ENGINE_IO_RECORD_SEPARATOR)
    : packets.map((p) => `${p.length}:${p}`).join('');
}

/** A polling payload split into its packets, or what is wrong with it. */
export function decodeEngineIoPayload(body: string, eio: 3 | 4): string[] | { error: string } {
  if (body.length === 0) return [];
  if (eio === 4) return body.split(ENGINE_IO_RECORD_SEPARATOR);
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    const colon = body.indexOf(':', i);
    const digits = colon < 0 ? '' : body.slice(i, colon);
    if (!/^\d{1,9}$/.test(digits))
      return { error: `an engine.io 3 payload without a length prefix at character ${i}` };
    const n = Number(digits);
    if (colon + 1 + n > body.length)
      return { error: `an engine.io 3 packet of ${n} characters cut at ${body.length - colon - 1}` };
    out.push(body.slice(colon + 1, colon + 1 + n));
    i = colon + 1 + n;
  }
  return out;
}

/** What a folded entry says about the requests it was made of. */
export interface EngineIoPollingFold {
  /** Polling requests folded into the entry (the handshake included). */
  requests: number;
  /** Engine.io version of the session. */
  eio: 3 | 4;
}

interface PollingSession {
  eio: 3 | 4;
  first: HarEntry;
  /** The URL the connection is named by: the first request's, without `sid` and the cache-busting `t`. */
  url: string;
  frames: HarWebSocketMessage[];
  dropped: number;
  requests: number;
  lastIndex: number;
  lastOffset: number;
  startMs: number;
  endMs: number;
}

/** `{origin}{path}` and the engine.io fields of a polling request, or undefined when it is none. */
function pollingRequest(
  entry: HarEntry,
): { where: string; eio: 3 | 4; sid: string | undefined; url: URL } | undefined {
  if (entry._webSocketMessages !== undefined) return undefined;
  const parsed = parseHarUrl(entry.request?.url ?? '', entry);
  if (!parsed) return undefined;
  let url: URL;
  try {
    url = new URL(
      `${parsed.scheme}://${parsed.authority}${parsed.path}${parsed.query ? `?${parsed.query}` : ''}`,
    );
  } catch {
    return undefined;
  }
  const q = url.searchParams;
  if (q.get('transport') !== 'polling' || !q.has('EIO')) return undefined;
  const eio = q.get('EIO') === '3' ? 3 : 4;
  const sid = q.get('sid') ?? undefined;
  return { where: `${url.origin}${url.pathname}`, eio, sid, url };
}

/** A packet as a frame: `b…` (binary in base64; engine.io 3 with b64 writes `b4…`) as opcode 2. */
function frame(type: 'send' | 'receive', time: number, packet: string, eio: 3 | 4): HarWebSocketMessage {
  if (packet[0] === 'b')
    return { type, time, opcode: 2, data: packet.slice(eio === 3 && packet[1] === '4' ? 2 : 1) };
  return { type, time, opcode: 1, data: packet };
}

function timeMs(iso: string | undefined): number {
  const t = Date.parse(iso ?? '');
  return Number.isFinite(t) ? t : 0;
}

/** The session id of the open packet that starts a handshake answer (`0{"sid":…}`), if there is one. */
export function engineIoOpenSid(body: string, eio: 3 | 4): string | undefined {
  const packets = decodeEngineIoPayload(body, eio);
  const open = Array.isArray(packets) ? packets[0] : undefined;
  if (open?.[0] !== '0') return undefined;
  try {
    const sid = (JSON.parse(open.slice(1)) as { sid?: unknown }).sid;
    return typeof sid === 'string' && sid.length > 0 ? sid : undefined;
  } catch {
    return undefined;
  }
}

function folded(s: PollingSession): HarEntryRecord {
  const first = s.first;
  const frames = s.frames.sort((a, b) => a.time - b.time);
  const entry: HarEntry = {
    ...first,
    request: {
      ...first.request,
      url: s.url,
      queryString: [...new URL(s.url).searchParams].map(([name, value]) => ({ name, value })),
    },
    response: { ...first.response, content: { size: 0, mimeType: '' } },
    time: Math.max(0, s.endMs - s.startMs),
    _resourceType: 'websocket',
    _webSocketMessages: frames,
    ...(s.dropped > 0 ? { _webSocketMessagesDropped: s.dropped } : {}),
    _engineIoPolling: { requests: s.requests, eio: s.eio } satisfies EngineIoPollingFold,
  };
  return { entry, index: s.lastIndex, offset: s.lastOffset };
}

/**
 * The records with each engine.io polling session folded into one WebSocket-like entry. A session is
 * emitted in place of its last request when it ends in the capture (a close packet `1` either way, or an
 * answer other than 200), else after the last record; its index is that of its last request, so evidence
 * points into the file. Entries that are not polling pass through untouched and in order.
 */
export async function* foldEngineIoPolling(
  records: AsyncIterable<HarEntryRecord>,
): AsyncGenerator<HarEntryRecord> {
  const sessions = new Map<string, PollingSession>();
  for await (const record of records) {
    const entry = record.entry;
    const req = pollingRequest(entry);
    if (!req) {
      yield record;
      continue;
    }
    const method = (entry.request.method ?? '').toUpperCase();
    const status = entry.response?.status ?? 0;
    const started = timeMs(entry.startedDateTime);
    const ended = started + Math.max(0, Number(entry.time) || 0);
    let sid = req.sid;
    let key = sid !== undefined ? `${req.where}|${sid}` : undefined;
    let s = key !== undefined ? sessions.get(key) : undefined;
    if (!s) {
      // A handshake (no sid): its answer's open packet names the session; a request of a session whose
      // handshake is not in the capture starts it where it appears.
      if (sid === undefined && method === 'GET' && status === 200)
        sid = engineIoOpenSid(harResponseText(entry), req.eio);
      if (sid === undefined || sessions.size >= MAX_SESSIONS) {
        yield record;
        continue;
      }
      key = `${req.where}|${sid}`;
      const url = new URL(req.url.href);
      url.searchParams.delete('sid');
      url.searchParams.delete('t');
      s = {
        eio: req.eio,
        first: entry,
        url: url.href,
        frames: [],
        dropped: 0,
        requests: 0,
        lastIndex: record.index,
        lastOffset: record.offset,
        startMs: started,
        endMs: ended,
      };
      sessions.set(key, s);
    }
    s.requests++;
    s.lastIndex = record.index;
    s.lastOffset = record.offset;
    s.endMs = Math.max(s.endMs, ended);
    const send = method === 'POST';
    const body = send ? harRequestText(entry) : status === 200 ? harResponseText(entry) : '';
    const packets = decodeEngineIoPayload(body, s.eio);
    let closed = status !== 200;
    if (Array.isArray(packets))
      for (const packet of packets) {
        if (packet.length === 0) continue;
        if (packet === '1') closed = true;
        if (s.frames.length >= MAX_FRAMES) s.dropped++;
        // A GET's packets arrived when it was answered; a POST's were sent when it started.
        else s.frames.push(frame(send ? 'send' : 'receive', (send ? started : ended) / 1000, packet, s.eio));
      }
    if (closed) {
      sessions.delete(key as string);
      yield folded(s);
    }
  }
  for (const s of sessions.values()) yield folded(s);
}
