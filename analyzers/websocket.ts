/**
 * WebSocket message analysis. For each WebSocket endpoint (the upgrade entry's URL, templated by the
 * shared path trie like HTTP paths; query parameters as parameters) it reads the entry's
 * `_webSocketMessages` and infers message kinds per direction: JSON messages split by a discriminator
 * field chosen from evidence (`e`, `type`, `op`, `event`, `action`, `method`, `channel`, `stream`, …, also
 * inside combined-stream wrappers such as Binance `{stream, data}`), responses correlated to requests by
 * `id` (JSON-RPC, Binance WebSocket API), socket.io / engine.io packets and acks, subscribe and unsubscribe
 * requests linked to the kinds received after them, heartbeats set aside, binary frames counted and sized.
 * Each kind gets a JSON Schema merged over all its messages (schema-infer.ts), counts, times, a rate and
 * a confidence with evidence (`/_webSocketMessages/N/data`).
 *
 * Bounded (websocket-limits.ts): per endpoint at most MAX_FINE_KEYS message groups (then `(other)` and a
 * warning), a few evidence items per kind, bounded samples of latencies and intervals, so millions of
 * frames cost counters. An entry without WebSocket traits costs one check.
 *
 * This file is the analyzer: the handshake per entry, and finish. The rest, by what it holds:
 * websocket-frames.ts (one frame decoded), websocket-clock.ts (frame times), websocket-connection.ts (one
 * connection's frames), websocket-messages.ts (a message into its group), websocket-discriminator.ts,
 * websocket-kinds.ts (groups), websocket-kind-models.ts (groups into kinds), websocket-correlation.ts,
 * websocket-subscriptions.ts, websocket-topics.ts, websocket-state.ts (per endpoint), websocket-model.ts
 * (the endpoint model), websocket-findings.ts, websocket-credentials.ts (for auth.ts).
 */
import type { Analyzer, FinishInput, RouteRef } from './analyzer.js';
import { evidenceAt } from './analyzer.js';
import { operationIdOf } from './endpoints.js';
import type { Observation } from './observe.js';
import { observeQuery } from './param-stats.js';
import { groupRoutes, idBinder } from './route-groups.js';
import type { AnalysisWarning, Finding, WebSocketEndpointModel } from './types.js';
import { observeConnection, type WarnSink } from './websocket-connection.js';
import { endpointFindings } from './websocket-findings.js';
import { isWebSocketObservation } from './websocket-frames.js';
import { MAX_FINE_KEYS } from './websocket-limits.js';
import { buildEndpoint } from './websocket-model.js';
import { mergeEndpoint, newEndpoint, type EndpointState } from './websocket-state.js';

/** `https://x` → `wss://x`: the endpoint as a client dials it. */
function wsOrigin(origin: string): string {
  if (origin.startsWith('https:')) return `wss:${origin.slice(6)}`;
  if (origin.startsWith('http:')) return `ws:${origin.slice(5)}`;
  return origin;
}

/** Handshake query values: integers and booleans only (the HTTP endpoints also read decimals). */
function coerce(value: string): unknown {
  if (/^-?\d{1,15}$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

export const websocketAnalyzer: Analyzer = {
  name: 'websocket',
  description:
    'WebSocket endpoints: message kinds per direction (discriminator, JSON-RPC ids, socket.io), schemas, subscriptions, heartbeats',
  create(ctx) {
    const states = new Map<string, EndpointState>();
    const warnings: AnalysisWarning[] = [];
    const warnCounts = new Map<string, number>();
    const warns: WarnSink = {
      add(w) {
        const n = (warnCounts.get(w.code) ?? 0) + 1;
        warnCounts.set(w.code, n);
        if (n <= 20) warnings.push(w);
      },
    };
    return {
      observe(obs: Observation, route: RouteRef | undefined) {
        if (!route || !isWebSocketObservation(obs)) return;
        let s = states.get(route.key);
        if (!s) {
          if (states.size >= 5000) return;
          s = newEndpoint(wsOrigin(obs.origin), route.node);
          states.set(route.key, s);
        }
        s.connections++;
        if (s.evidence.length < ctx.samplesPerOperation) s.evidence.push(evidenceAt(obs, ''));
        if (obs.step && (s.steps.size < 20 || s.steps.has(obs.step)))
          s.steps.set(obs.step, (s.steps.get(obs.step) ?? 0) + 1);
        observeQuery(s.query, obs.query, ctx, 100, coerce);
        for (const h of obs.responseHeaders)
          if (String(h.name).toLowerCase() === 'sec-websocket-protocol' && s.subprotocols.size < 10)
            s.subprotocols.add(String(h.value).slice(0, 100));
        const engineIo = obs.query.some(([k]) => k === 'EIO') || obs.segments.includes('socket.io');
        observeConnection(obs, s, ctx, warns, engineIo);
      },
      finish(input: FinishInput) {
        const groups = groupRoutes(
          states,
          input,
          (s, template) => `${s.origin} ${template.template}`,
          (d, s) => mergeEndpoint(d, s, ctx),
        );
        const bindId = idBinder(input);
        const websockets: WebSocketEndpointModel[] = [];
        const findings: Finding[] = [];
        const sorted = groups.sort(
          (a, b) =>
            a.template.template.localeCompare(b.template.template) ||
            a.state.origin.localeCompare(b.state.origin),
        );
        for (const { state, keys, template } of sorted) {
          const id = bindId(operationIdOf('WS', template.template), keys);
          const { endpoint } = buildEndpoint(id, state, template, ctx);
          websockets.push(endpoint);
          if (state.overflowed > 0)
            input.warn({
              code: 'websocket.kinds_capped',
              message: `${id}: more than ${MAX_FINE_KEYS} distinct message groups; ${state.overflowed} message(s) beyond were folded into (other).`,
              evidence: endpoint.evidence.slice(0, 1),
            });
          findings.push(...endpointFindings(endpoint, state.withFrames));
        }
        for (const w of warnings) input.warn(w);
        for (const [code, n] of warnCounts)
          if (n > 20)
            input.warn({
              code: 'websocket.warnings_suppressed',
              message: `${n - 20} more ${code} warning(s) not listed.`,
            });
        return websockets.length > 0 ? { websockets, findings } : {};
      },
    };
  },
};
