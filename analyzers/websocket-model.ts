/**
 * Finishes one WebSocket endpoint's (merged) state into its WebSocketEndpointModel: discriminators,
 * kinds, subscriptions and correlations, handshake parameters, the framing most of its messages use,
 * its frame clock and heartbeat interval.
 */
import type { AnalyzeContext } from './context.js';
import { paramModels } from './param-stats.js';
import type { ResolvedPath } from './paths.js';
import { isCredentialName, redactExample } from './shapes.js';
import type { ParameterModel, WebSocketEndpointModel } from './types.js';
import { correlationModels } from './websocket-correlation.js';
import { chooseArrayDiscriminator, chooseDiscriminator } from './websocket-discriminator.js';
import { kindModels } from './websocket-kind-models.js';
import { iso, median, round } from './websocket-numbers.js';
import type { EndpointState } from './websocket-state.js';
import { subscriptionModels } from './websocket-subscriptions.js';

/** The framing of at least 80% of the endpoint's messages, else `mixed`. */
function framingOf(
  kinds: WebSocketEndpointModel['kinds'],
  binary: number,
): WebSocketEndpointModel['framing'] {
  const counts = {
    json: 0,
    'socket.io': 0,
    text: 0,
  } as Record<string, number>;
  for (const k of kinds) counts[k.framing] = (counts[k.framing] ?? 0) + k.messages;
  const total = (counts.json ?? 0) + (counts['socket.io'] ?? 0) + (counts.text ?? 0) + binary;
  if (total === 0) return 'none';
  const top = (
    [
      ['json', counts.json ?? 0],
      ['socket.io', counts['socket.io'] ?? 0],
      ['text', counts.text ?? 0],
      ['binary', binary],
    ] as const
  ).reduce((a, b) => (b[1] > a[1] ? b : a));
  return top[1] >= total * 0.8 ? top[0] : 'mixed';
}

/** Builds the endpoint model from its (merged) state. */
export function buildEndpoint(
  id: string,
  s: EndpointState,
  template: ResolvedPath,
  ctx: AnalyzeContext,
): { endpoint: WebSocketEndpointModel; kindOf: Map<string, string> } {
  const disc = { send: chooseDiscriminator(s.dirs.send), receive: chooseDiscriminator(s.dirs.receive) };
  const tuple = {
    send: chooseArrayDiscriminator(s.arrays.send),
    receive: chooseArrayDiscriminator(s.arrays.receive),
  };
  const { kinds, kindOf } = kindModels(s.fine, { object: disc, array: tuple }, ctx);
  const clocks = [...s.clocks].filter((c) => c !== 'none');
  const pathParams: ParameterModel[] = template.params.map((p) => ({
    name: p.name,
    in: 'path',
    required: true,
    schema: p.class === 'int' ? { type: 'integer' } : { type: 'string' },
    seen: s.connections,
    presence: 1,
    examples: p.values.slice(0, 3).map((v) => redactExample(v, p.name)),
    reason: p.reason,
    confidence: p.confidence,
    ...(isCredentialName(p.name) ? { credential: true } : {}),
  }));
  const endpoint: WebSocketEndpointModel = {
    id,
    origin: s.origin,
    pathTemplate: template.template,
    parameters: [...pathParams, ...paramModels(s.query, 'query', s.connections)],
    connections: s.connections,
    subprotocols: [...s.subprotocols].sort(),
    framing: framingOf(kinds, s.binarySent.messages + s.binaryReceived.messages),
    discriminators: {
      ...(disc.send ? { send: disc.send.ptr } : {}),
      ...(disc.receive ? { receive: disc.receive.ptr } : {}),
      ...(tuple.send ? { sendIndex: tuple.send.index } : {}),
      ...(tuple.receive ? { receiveIndex: tuple.receive.index } : {}),
    },
    sent: s.sent,
    received: s.received,
    binary: { sent: s.binarySent, received: s.binaryReceived },
    heartbeats: { messages: s.heartbeats, forms: [...s.heartbeatForms] },
    unparsed: s.unparsed,
    frameClock:
      clocks.length === 1
        ? (clocks[0] as WebSocketEndpointModel['frameClock'])
        : clocks.length > 1
          ? 'monotonic'
          : 'none',
    kinds,
    subscriptions: subscriptionModels(s.subs, kindOf),
    correlations: correlationModels(s.corr, kindOf),
    credentials: [],
    steps: [...s.steps].sort((a, b) => b[1] - a[1]).map(([st]) => st),
    confidence: template.confidence,
    evidence: [...s.evidence].sort((a, b) => a.capture - b.capture || a.entry - b.entry),
  };
  const gap = median(s.heartbeatGaps);
  if (gap !== undefined) endpoint.heartbeats.intervalSeconds = round(gap / 1000, 1);
  const fi = iso(s.first);
  const la = iso(s.last);
  if (fi) endpoint.firstSeen = fi;
  if (la) endpoint.lastSeen = la;
  return { endpoint, kindOf };
}
