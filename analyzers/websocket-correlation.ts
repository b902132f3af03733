/**
 * Requests and responses of WebSocket traffic matched by id: JSON-RPC and the Binance WebSocket API echo
 * the request's `id` in the response, socket.io answers an event with an ack of the same number. Per
 * endpoint a correlation counts the pairs matched, the requests left unanswered and their latencies.
 */
import type { Evidence, WebSocketCorrelationModel } from './types.js';
import { MAX_EVIDENCE, MAX_SAMPLES } from './websocket-limits.js';
import { median, round } from './websocket-numbers.js';

/** The requests of one connection still waiting for an answer, by id (socket.io acks as `ack:N`). */
export type PendingRequests = Map<string, { key: string; t: number; ack: boolean }>;

/** One request group answered by one response group. */
export interface CorrState {
  req: string;
  resp: string;
  idField: string;
  matched: number;
  unanswered: number;
  latencies: number[];
  evidence: Evidence[];
}

/** An id as a string, or undefined when the value cannot be one (objects, empty or very long strings). */
export function scalarId(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0 && v.length <= 100) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Whether a received object carrying a pending request's id is its answer rather than an event. */
export function looksLikeResponse(obj: Record<string, unknown>): boolean {
  return 'result' in obj || 'error' in obj || typeof obj.status === 'number' || 'code' in obj;
}

export function responseOutcome(obj: Record<string, unknown>): 'result' | 'error' {
  const failed =
    (obj.error !== undefined && obj.error !== null) || (typeof obj.status === 'number' && obj.status >= 400);
  return failed ? 'error' : 'result';
}

export function correlate(
  corr: Map<string, CorrState>,
  req: string,
  resp: string,
  idField: string,
  latency: number,
  ev: Evidence,
): void {
  const key = `${req}\u0003${resp}`;
  let c = corr.get(key);
  if (!c) {
    if (corr.size >= 200) return;
    corr.set(key, (c = { req, resp, idField, matched: 0, unanswered: 0, latencies: [], evidence: [] }));
  }
  c.matched++;
  if (Number.isFinite(latency) && latency >= 0 && c.latencies.length < MAX_SAMPLES) c.latencies.push(latency);
  if (c.evidence.length < MAX_EVIDENCE) c.evidence.push(ev);
}

/** At the end of a connection, its requests never answered count against their correlation, if any. */
export function countUnanswered(corr: Map<string, CorrState>, pending: PendingRequests): void {
  for (const req of pending.values()) {
    for (const c of corr.values())
      if (c.req === req.key) {
        c.unanswered++;
        break;
      }
  }
}

export function mergeCorrelations(d: Map<string, CorrState>, s: Map<string, CorrState>): void {
  for (const [k, c] of s) {
    const mine = d.get(k);
    if (!mine) d.set(k, c);
    else {
      mine.matched += c.matched;
      mine.unanswered += c.unanswered;
      mine.latencies.push(...c.latencies.slice(0, MAX_SAMPLES - mine.latencies.length));
      for (const e of c.evidence) if (mine.evidence.length < MAX_EVIDENCE) mine.evidence.push(e);
    }
  }
}

/** The correlation models, groups named by their kinds (`kindOf`). */
export function correlationModels(
  corr: Map<string, CorrState>,
  kindOf: Map<string, string>,
): WebSocketCorrelationModel[] {
  return [...corr.values()]
    .map((c) => {
      const out: WebSocketCorrelationModel = {
        request: kindOf.get(c.req) ?? c.req,
        response: kindOf.get(c.resp) ?? c.resp,
        idField: c.idField,
        matched: c.matched,
        unanswered: c.unanswered,
        confidence: c.matched >= 2 ? 0.95 : 0.8,
        evidence: c.evidence,
      };
      const med = median(c.latencies);
      if (med !== undefined) out.medianLatencyMs = round(med, 1);
      return out;
    })
    .sort((a, b) => a.request.localeCompare(b.request) || a.response.localeCompare(b.response));
}
