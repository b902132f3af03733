/**
 * The protocol and auth-flow report: what `ledgertap analyze` found, for a person. Every sentence comes
 * from the model's findings and fields; nothing is inferred here.
 */
import type { ProtocolCredential, ProtocolModel } from '../model/index.js';
import { code, type Block, type ReportDocument } from './document.js';
import { webSocketBlocks } from './websocket-report.js';

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

function issuer(c: ProtocolCredential): string {
  const first = c.issuedBy[0];
  if (!first) return 'not seen issued';
  return `${first.operationId ?? 'an earlier call'} via ${first.via}${first.linkedBy !== 'value' ? ` (linked by ${first.linkedBy})` : ''}`;
}

/** A heading and the table under it. */
function titledTable(level: 1 | 2, text: string, columns: string[], rows: string[][]): Block[] {
  return [
    { type: 'heading', level, text },
    { type: 'table', columns, rows },
  ];
}

/**
 * Captured text as the text of a Mermaid message or note: on one line, and with what Mermaid reads as
 * syntax written as its entity codes (`#59;` for `;`, which ends a statement; `#35;` for `#`; `<`, `>`
 * and `&` for the HTML it renders labels with), so an id or cookie name cannot add lines to the diagram.
 */
function mermaidText(text: string): string {
  return text
    .replace(/\r\n|[\r\n\u2028\u2029\v\f]/g, ' ')
    .replace(/[#;<>&`%]/g, (c) => `#${c.charCodeAt(0)};`);
}

/** A Mermaid sequence diagram of the auth flow: who issues each credential and who consumes it. */
export function authFlowDiagram(model: ProtocolModel): string {
  const lines = ['sequenceDiagram', '  participant Client', '  participant Server'];
  const roles = new Map(model.auth.calls.map((c) => [c.operationId, c.role]));
  const ordered = [...model.auth.calls].sort(
    (a, b) => (a.evidence[0]?.entry ?? 0) - (b.evidence[0]?.entry ?? 0),
  );
  for (const call of ordered) {
    const issued = model.auth.credentials
      .filter((c) => c.issuedBy.some((i) => i.operationId === call.operationId))
      .map((c) => c.name);
    lines.push(`  Client->>Server: ${mermaidText(`${call.role}: ${call.operationId}`)}`);
    if (issued.length) lines.push(`  Server-->>Client: ${mermaidText(`issues ${issued.join(', ')}`)}`);
  }
  for (const c of model.auth.credentials) {
    if (c.derivedFrom)
      lines.push(
        `  Note over Client: ${mermaidText(`${c.name} = ${c.derivedFrom.transform}(${c.derivedFrom.credential})`)}`,
      );
  }
  const consumers = model.operations.filter((o) => !roles.has(o.id) && o.credentials.length > 0).slice(0, 8);
  for (const op of consumers)
    lines.push(`  Client->>Server: ${mermaidText(`${op.id} with ${op.credentials.join(', ')}`)}`);
  return lines.join('\n');
}

export function protocolReport(model: ProtocolModel, options: { title?: string } = {}): ReportDocument {
  const blocks: Block[] = [];
  const reads = model.operations.filter((o) => o.classification.effect === 'read').length;
  blocks.push({
    type: 'paragraph',
    text: `${model.operations.length} operations (${reads} reads, ${model.operations.length - reads} writes) from ${model.stats.analyzedEntries} of ${model.stats.entries} entries in ${model.captures.length} capture(s); ${model.auth.credentials.length} credentials, ${model.auth.calls.length} auth calls, ${model.pagination.length} paginated operations; ${model.stats.noiseEntries} noise entries set aside${model.websockets?.length ? `; ${model.websockets.length} WebSocket endpoint(s) with ${model.websockets.reduce((n, w) => n + w.sent.messages + w.received.messages + w.binary.sent.messages + w.binary.received.messages, 0)} message(s)` : ''}.`,
  });
  blocks.push(
    ...titledTable(
      1,
      'Captures',
      ['file', 'entries', 'producer'],
      model.captures.map((c) => [c.file, String(c.entries), c.creator ?? '']),
    ),
  );

  blocks.push(
    ...titledTable(
      1,
      'Operations',
      ['operation', 'method', 'path', 'samples', 'confidence', 'effect', 'surface', 'statuses'],
      model.operations.map((o) => [
        code(o.id),
        o.method,
        `${o.origin}${o.pathTemplate}${o.rpc ? ` (${o.rpc.kind} ${o.rpc.name})` : ''}`,
        String(o.samples),
        pct(o.confidence),
        `${o.classification.effect}${o.classification.unsafeToReplay ? ' (unsafe to replay)' : ''}`,
        o.surface,
        o.responses.map((r) => r.status).join(', '),
      ]),
    ),
  );

  blocks.push(
    ...titledTable(
      1,
      'Auth and token flow',
      [
        'credential',
        'where',
        'kind',
        'class',
        'issued by',
        'consumers',
        'lifetime',
        'derived from',
        'rotated by',
      ],
      model.auth.credentials.map((c) => [
        code(c.name),
        c.location,
        c.kind,
        c.class,
        issuer(c),
        String(c.consumers.length),
        c.lifetime ? `${c.lifetime.seconds} s (${c.lifetime.source})` : '',
        c.derivedFrom
          ? `${c.derivedFrom.transform} of ${c.derivedFrom.credential} (by ${c.derivedFrom.linkedBy})`
          : '',
        c.rotatedBy.join(', '),
      ]),
    ),
  );
  if (model.auth.calls.length) {
    blocks.push(
      ...titledTable(
        2,
        'Auth calls',
        ['role', 'operation', 'credentials', 'confidence'],
        model.auth.calls.map((c) => [
          c.role,
          code(c.operationId),
          c.credentials.join(', '),
          pct(c.confidence),
        ]),
      ),
    );
  }
  if (model.auth.signing.length) {
    blocks.push(
      ...titledTable(
        2,
        'Request signing',
        ['operations', 'signature', 'timestamp', 'encoding', 'confidence'],
        model.auth.signing.map((s) => [
          s.operationIds.join(', '),
          s.signature,
          s.timestamp ?? '',
          s.encoding,
          pct(s.confidence),
        ]),
      ),
    );
  }
  blocks.push({ type: 'heading', level: 2, text: 'Flow diagram (Mermaid)' });
  blocks.push({ type: 'code', language: 'mermaid', text: authFlowDiagram(model) });

  if (model.pagination.length) {
    blocks.push(
      ...titledTable(
        1,
        'Pagination',
        ['operation', 'style', 'parameters', 'next value from', 'has-more field', 'observed', 'confidence'],
        model.pagination.map((p) => [
          code(p.operationId),
          p.style,
          p.parameters.join(', '),
          p.cursorSource ?? '',
          p.hasMoreField ?? '',
          p.observed ? 'yes' : 'no',
          pct(p.confidence),
        ]),
      ),
    );
  }
  blocks.push(...webSocketBlocks(model));
  if (model.noise.length) {
    blocks.push(
      ...titledTable(
        1,
        'Noise set aside',
        ['origin', 'reason', 'entries', 'examples'],
        model.noise.map((n) => [
          n.origin,
          n.reason,
          String(n.entries),
          n.examplePaths.slice(0, 3).join(', '),
        ]),
      ),
    );
  }
  if (model.findings.length) {
    blocks.push(
      ...titledTable(
        1,
        'Findings',
        ['kind', 'finding', 'confidence', 'evidence'],
        model.findings.map((f) => [
          f.kind,
          f.summary,
          pct(f.confidence),
          f.evidence
            .slice(0, 3)
            .map((e) => `capture ${e.capture} entry ${e.entry} ${e.pointer}`)
            .join('; '),
        ]),
      ),
    );
  }
  if (model.warnings.length) {
    blocks.push({ type: 'heading', level: 1, text: 'Warnings' });
    blocks.push({ type: 'list', items: model.warnings.map((w) => `${w.code}: ${w.message}`) });
  }
  return { title: options.title ?? 'Protocol and auth-flow report', blocks };
}
