/**
 * Reads one WebSocket connection (one HAR entry's `_webSocketMessages`) into its endpoint's state: frame
 * times on one clock, traffic and heartbeats counted, each message sorted into its group
 * (websocket-messages.ts), received groups linked to the subscription that asked for them, and frames
 * that could not be read counted into one warning each per connection.
 */
import { evidenceAt } from './analyzer.js';
import type { AnalyzeContext } from './context.js';
import type { Observation } from './observe.js';
import { observeValue } from './schema-infer.js';
import type { AnalysisWarning } from './types.js';
import { frameClock } from './websocket-clock.js';
import { countUnanswered } from './websocket-correlation.js';
import { decodeFrame, type DecodedFrame } from './websocket-frames.js';
import { addConnectionGaps, type ConnectionSeen } from './websocket-kinds.js';
import { MAX_EVIDENCE, MAX_SAMPLES } from './websocket-limits.js';
import { sortMessage, type Connection } from './websocket-messages.js';
import { addTraffic, type EndpointState } from './websocket-state.js';
import {
  connectionSubs,
  linkFirstSeen,
  settleUnsubscribed,
  subscribeFromUrl,
} from './websocket-subscriptions.js';

export interface WarnSink {
  add(w: AnalysisWarning): void;
}

/** A frame whose data the reader left out (over its cap): counted as too large, as the analyzer would. */
function cutFrame(raw: unknown, bytes: number): DecodedFrame {
  const type = (raw as { type?: unknown } | null)?.type;
  if (type !== 'send' && type !== 'receive') return { kind: 'malformed', why: 'type is not send or receive' };
  return { kind: 'too-large', direction: type, bytes };
}

export function observeConnection(
  obs: Observation,
  s: EndpointState,
  ctx: AnalyzeContext,
  warns: WarnSink,
  engineIoHint: boolean,
): void {
  const frames: unknown = obs.entry._webSocketMessages;
  if (frames === undefined) return;
  if (!Array.isArray(frames)) {
    warns.add({
      code: 'websocket.malformed',
      message: `capture ${obs.capture}, entry ${obs.index}: _webSocketMessages is not an array; its frames are skipped.`,
      evidence: [evidenceAt(obs, '/_webSocketMessages')],
    });
    return;
  }
  if (frames.length === 0) return;
  s.withFrames++;
  const { clock, timeOf } = frameClock(frames, obs);
  s.clocks.add(clock);
  const c: Connection = {
    obs,
    s,
    engineIo: engineIoHint,
    pending: new Map(),
    subs: connectionSubs(s.subs, obs),
  };
  const seen: ConnectionSeen = new Map();
  const lastHeartbeat: { send: number; receive: number } = { send: Number.NaN, receive: Number.NaN };
  let malformed = 0;
  let malformedWhy = '';
  let tooLarge = 0;
  let invalidJson = 0;
  let firstBad = -1;
  subscribeFromUrl(c.subs);
  // What the reader left out of an oversized entry (`elideLarge`): frames thinned, frame data over its cap.
  const cuts = obs.entry._elided ?? [];
  const thinned = cuts.find((e) => e.pointer === '/_webSocketMessages' && e.items !== undefined);
  const dataCut = new Map<number, number>();
  for (const e of cuts) {
    const m = /^\/_webSocketMessages\/(\d+)\/data$/.exec(e.pointer);
    if (m) dataCut.set(Number(m[1]), e.bytes);
  }

  for (let i = 0; i < frames.length; i++) {
    const raw: unknown = frames[i];
    const cutBytes = dataCut.get(i);
    const d =
      cutBytes === undefined ? decodeFrame(raw, c.engineIo, ctx.maxBodyChars) : cutFrame(raw, cutBytes);
    if (d.kind === 'malformed') {
      malformed++;
      malformedWhy ||= d.why;
      if (firstBad < 0) firstBad = i;
      continue;
    }
    const t = timeOf(raw);
    if (Number.isFinite(t)) {
      if (t < s.first) s.first = t;
      if (t > s.last) s.last = t;
    }
    const dir = d.direction;
    if (d.kind === 'binary') {
      addTraffic(dir === 'send' ? s.binarySent : s.binaryReceived, d.bytes);
      continue;
    }
    addTraffic(dir === 'send' ? s.sent : s.received, d.bytes);
    if (d.kind === 'close') continue;
    if (d.kind === 'heartbeat') {
      s.heartbeats++;
      if (s.heartbeatForms.size < 10) s.heartbeatForms.add(d.form);
      const prev = lastHeartbeat[dir];
      if (Number.isFinite(prev) && Number.isFinite(t) && s.heartbeatGaps.length < MAX_SAMPLES)
        s.heartbeatGaps.push(t - prev);
      lastHeartbeat[dir] = t;
      continue;
    }
    if (d.kind === 'too-large' || d.kind === 'invalid-json') {
      s.unparsed++;
      if (d.kind === 'too-large') tooLarge++;
      else invalidJson++;
      if (firstBad < 0) firstBad = i;
      continue;
    }
    const pointer = `/_webSocketMessages/${i}/data`;
    const m = sortMessage(c, d, t, pointer);
    const { key, fine: f } = m.group;
    f.messages++;
    f.bytes += d.bytes;
    if (d.bytes > f.maxBytes) f.maxBytes = d.bytes;
    if (Number.isFinite(t)) {
      if (t < f.first) f.first = t;
      if (t > f.last) f.last = t;
    }
    if (m.hasValue) observeValue(f.acc, m.value, ctx);
    if (f.evidence.length < MAX_EVIDENCE) f.evidence.push(evidenceAt(obs, pointer));
    let sn = seen.get(key);
    if (!sn) {
      seen.set(key, (sn = { first: t, last: t, n: 0 }));
      if (dir === 'receive' && !m.response)
        linkFirstSeen(c.subs, key, m.subscriptionId, m.stream, m.names, t, m.value);
    }
    sn.n++;
    if (Number.isFinite(t)) {
      if (!Number.isFinite(sn.first)) sn.first = t;
      sn.last = t;
    }
  }
  addConnectionGaps(s.fine, seen);
  settleUnsubscribed(c.subs, seen);
  countUnanswered(s.corr, c.pending);
  if (malformed > 0)
    warns.add({
      code: 'websocket.malformed',
      message: `capture ${obs.capture}, entry ${obs.index}: ${malformed} WebSocket frame(s) skipped (${malformedWhy}).`,
      evidence: [evidenceAt(obs, `/_webSocketMessages/${firstBad}`)],
    });
  if (tooLarge > 0)
    warns.add({
      code: 'websocket.frame_too_large',
      message: `capture ${obs.capture}, entry ${obs.index}: ${tooLarge} WebSocket frame(s) over the ${ctx.maxBodyChars}-character cap were counted, not parsed.`,
      evidence: [evidenceAt(obs, `/_webSocketMessages/${firstBad}/data`)],
    });
  if (thinned)
    warns.add({
      code: 'websocket.frames_thinned',
      message: `capture ${obs.capture}, entry ${obs.index}: the connection was too large to read whole; ${thinned.items} of its frames (${thinned.bytes} bytes) were left out by the reader, so counts and rates cover the ${frames.length} kept, sampled across the whole connection.`,
      evidence: [evidenceAt(obs, '/_webSocketMessages')],
    });
  if (invalidJson > 0)
    warns.add({
      code: 'websocket.invalid_json',
      message: `capture ${obs.capture}, entry ${obs.index}: ${invalidJson} WebSocket frame(s) look like JSON but do not parse; counted, not analyzed.`,
      evidence: [evidenceAt(obs, `/_webSocketMessages/${firstBad}/data`)],
    });
}
