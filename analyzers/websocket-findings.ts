/**
 * The findings of one WebSocket endpoint, each a sentence reports print as is: what the endpoint
 * carries, what each subscription asks for and brought, which request each response answers.
 */
import type { Finding, WebSocketEndpointModel } from './types.js';

/** `withFrames`: connections that had frames; with none, the summary says the producer exported none. */
export function endpointFindings(endpoint: WebSocketEndpointModel, withFrames: number): Finding[] {
  const id = endpoint.id;
  const findings: Finding[] = [];
  const url = `${endpoint.origin}${endpoint.pathTemplate}`;
  const kindsBy = (dir: 'send' | 'receive'): string =>
    endpoint.kinds
      .filter((k) => k.direction === dir)
      .slice(0, 8)
      .map((k) => k.name)
      .join(', ');
  const messages = endpoint.sent.messages + endpoint.received.messages;
  findings.push({
    kind: 'websocket.endpoint',
    summary:
      withFrames === 0
        ? `WebSocket ${url}: ${endpoint.connections} connection(s) without captured frames (the producer did not export _webSocketMessages).`
        : `WebSocket ${url} carries ${endpoint.kinds.length} message kind(s) over ${endpoint.connections} connection(s) (${endpoint.sent.messages} sent, ${endpoint.received.messages} received${endpoint.heartbeats.messages ? `, ${endpoint.heartbeats.messages} heartbeat(s) set aside` : ''}${endpoint.binary.received.messages + endpoint.binary.sent.messages ? `, ${endpoint.binary.received.messages + endpoint.binary.sent.messages} binary` : ''})${endpoint.discriminators.receive ? `; received kinds told apart by ${endpoint.discriminators.receive}` : ''}${endpoint.discriminators.receiveIndex !== undefined ? `; received array messages by their element [${endpoint.discriminators.receiveIndex}]` : ''}${kindsBy('receive') ? `: ${kindsBy('receive')}` : ''}.`,
    evidence: endpoint.evidence
      .slice(0, 3)
      .map((e) => ({ ...e, pointer: messages > 0 ? '/_webSocketMessages' : '/request/url' })),
    confidence: endpoint.confidence,
    operationId: id,
  });
  for (const sub of endpoint.subscriptions) {
    if (sub.links.length === 0 && sub.topics.length === 0) continue;
    findings.push({
      kind: 'websocket.subscription',
      summary: `${id}: ${sub.request === 'url' ? 'streams named in the URL' : `${sub.request} (${sub.action})`}${sub.topics.length ? ` asks for ${sub.topics.slice(0, 5).join(', ')}` : ''}${
        sub.links.length
          ? `; followed by ${sub.links
              .slice(0, 6)
              .map(
                (l) =>
                  `${l.kind} (by ${l.linkedBy}${l.linkedBy === 'order' && l.confidence < 0.5 ? ' only, low confidence' : ''})`,
              )
              .join(', ')}`
          : ''
      }.`,
      evidence: sub.evidence,
      confidence: sub.links.length ? Math.max(...sub.links.map((l) => l.confidence)) : 0.5,
      operationId: id,
    });
  }
  for (const c of endpoint.correlations)
    findings.push({
      kind: 'websocket.correlation',
      summary: `${id}: ${c.request} is answered by ${c.response}, matched by ${c.idField === 'ack' ? 'socket.io ack id' : `the same ${c.idField}`} (${c.matched} matched, ${c.unanswered} unanswered${c.medianLatencyMs !== undefined ? `, median ${c.medianLatencyMs} ms` : ''}).`,
      evidence: c.evidence,
      confidence: c.confidence,
      operationId: id,
    });
  return findings;
}
