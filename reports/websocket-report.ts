/**
 * The WebSocket section of the protocol report: endpoints, then per endpoint its message kinds,
 * subscriptions and request/response correlations. Rendered from the model's `websockets`; nothing is
 * inferred here.
 */
import type { ProtocolModel } from '../model/index.js';
import { code, type Block } from './document.js';

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

function bytes(n: number): string {
  return n >= 1024 * 1024
    ? `${(n / 1024 / 1024).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} B`;
}

export function webSocketBlocks(model: ProtocolModel): Block[] {
  const list = model.websockets ?? [];
  if (list.length === 0) return [];
  const blocks: Block[] = [{ type: 'heading', level: 1, text: 'WebSocket endpoints' }];
  blocks.push({
    type: 'table',
    columns: [
      'endpoint',
      'URL',
      'connections',
      'sent',
      'received',
      'binary',
      'heartbeats',
      'framing',
      'discriminators',
      'credentials',
      'confidence',
    ],
    rows: list.map((w) => [
      code(w.id),
      `${w.origin}${w.pathTemplate}`,
      String(w.connections),
      `${w.sent.messages} (${bytes(w.sent.bytes)})`,
      `${w.received.messages} (${bytes(w.received.bytes)})`,
      w.binary.sent.messages + w.binary.received.messages > 0
        ? `${w.binary.sent.messages} sent, ${w.binary.received.messages} received (${bytes(w.binary.sent.bytes + w.binary.received.bytes)})`
        : '',
      w.heartbeats.messages > 0
        ? `${w.heartbeats.messages} (${w.heartbeats.forms.join(', ')}${w.heartbeats.intervalSeconds !== undefined ? `; every ${w.heartbeats.intervalSeconds} s` : ''})`
        : '',
      w.framing,
      [
        w.discriminators.send ? `send ${w.discriminators.send}` : '',
        w.discriminators.receive ? `receive ${w.discriminators.receive}` : '',
        w.discriminators.sendIndex !== undefined ? `send arrays [${w.discriminators.sendIndex}]` : '',
        w.discriminators.receiveIndex !== undefined
          ? `receive arrays [${w.discriminators.receiveIndex}]`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
      w.credentials.join(', '),
      pct(w.confidence),
    ]),
  });
  for (const w of list) {
    if (w.kinds.length === 0 && w.subscriptions.length === 0) continue;
    blocks.push({ type: 'heading', level: 2, text: `${code(w.id)} ${w.origin}${w.pathTemplate}` });
    const params = w.parameters.map((p) => `${p.name} (${p.in}${p.credential ? ', credential' : ''})`);
    if (params.length > 0 || w.subprotocols.length > 0 || w.unparsed > 0)
      blocks.push({
        type: 'paragraph',
        text: [
          params.length ? `Parameters: ${params.join(', ')}.` : '',
          w.subprotocols.length ? `Subprotocols: ${w.subprotocols.join(', ')}.` : '',
          w.unparsed ? `${w.unparsed} frame(s) not analyzed (not JSON, or over the size cap).` : '',
          w.frameClock === 'monotonic'
            ? 'Frame times are monotonic; first/last are anchored at the entry start.'
            : '',
        ]
          .filter(Boolean)
          .join(' '),
      });
    if (w.kinds.length > 0)
      blocks.push({
        type: 'table',
        columns: [
          'direction',
          'kind',
          'role',
          'told apart by',
          'messages',
          'rate/s',
          'max size',
          'first',
          'last',
          'streams',
          'confidence',
        ],
        rows: w.kinds.map((k) => [
          k.direction,
          code(k.name),
          k.role,
          k.discriminator ? `${k.discriminator.pointer} = ${k.discriminator.value}` : k.by,
          String(k.messages),
          k.ratePerSecond !== undefined ? String(k.ratePerSecond) : '',
          bytes(k.maxBytes),
          k.firstSeen ?? '',
          k.lastSeen ?? '',
          (k.streams ?? []).join(', '),
          pct(k.confidence),
        ]),
      });
    if (w.subscriptions.length > 0)
      blocks.push({
        type: 'table',
        columns: ['request', 'action', 'topics', 'followed by', 'count'],
        rows: w.subscriptions.map((s) => [
          s.request === 'url' ? 'streams in the URL' : code(s.request),
          s.action,
          s.topics.join(', '),
          s.links
            .map((l) => `${l.kind} (${l.linkedBy}, ${pct(l.confidence)}${l.reason ? `: ${l.reason}` : ''})`)
            .join(', '),
          String(s.count),
        ]),
      });
    if (w.correlations.length > 0)
      blocks.push({
        type: 'table',
        columns: ['request', 'response', 'matched by', 'matched', 'unanswered', 'median latency'],
        rows: w.correlations.map((c) => [
          code(c.request),
          code(c.response),
          c.idField,
          String(c.matched),
          String(c.unanswered),
          c.medianLatencyMs !== undefined ? `${c.medianLatencyMs} ms` : '',
        ]),
      });
  }
  return blocks;
}
