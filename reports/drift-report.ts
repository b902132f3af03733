/** The drift report: what a replay found, operation by operation, and what to do about it. */
import { describeSession, type ReplayRun } from '../replay/index.js';
import { code, type Block, type ReportDocument } from './document.js';

export function driftReport(
  run: ReplayRun,
  options: { title?: string; target?: string } = {},
): ReportDocument {
  const blocks: Block[] = [];
  const { ok, drift, skipped, failed } = run.summary;
  blocks.push({
    type: 'paragraph',
    text: `${run.results.length} operations${options.target ? ` against ${options.target}` : ''}: ${ok} unchanged, ${drift} drifted, ${failed} failed, ${skipped} skipped. Session: ${describeSession(run)}.`,
  });
  const drifted = run.results.filter((r) => r.kind === 'drift');
  if (drifted.length) {
    blocks.push({ type: 'heading', level: 1, text: 'Drift' });
    blocks.push({
      type: 'table',
      columns: ['operation', 'change', 'where', 'was', 'now', 'summary'],
      rows: drifted.flatMap((r) =>
        r.kind === 'drift'
          ? r.drifts.map((d) => [
              code(r.operationId),
              d.kind,
              d.pointer || '(response)',
              d.expected ?? '',
              d.actual ?? '',
              d.summary,
            ])
          : [],
      ),
    });
    blocks.push({
      type: 'paragraph',
      text: 'Capture the changed pages again and re-run `ledgertap analyze` to update the model.',
    });
  }
  const failures = run.results.flatMap((r) =>
    r.kind === 'failed' ? [[code(r.operationId), r.url, r.error]] : [],
  );
  blocks.push(...tableSection(1, 'Failed', ['operation', 'url', 'error'], failures));
  const oks = run.results.flatMap((r) =>
    r.kind === 'ok'
      ? [[code(r.operationId), String(r.status), String(r.pages), String(r.items), String(r.durationMs)]]
      : [],
  );
  blocks.push(...tableSection(1, 'Unchanged', ['operation', 'status', 'pages', 'items', 'ms'], oks));
  const skips = run.results.flatMap((r) => (r.kind === 'skipped' ? [[code(r.operationId), r.reason]] : []));
  blocks.push(...tableSection(1, 'Skipped', ['operation', 'reason'], skips));
  if (run.websockets) blocks.push(...webSocketBlocks(run));
  if (run.warnings.length) {
    blocks.push({ type: 'heading', level: 1, text: 'Warnings' });
    blocks.push({ type: 'list', items: run.warnings });
  }
  return { title: options.title ?? 'Replay and drift report', blocks };
}

/** A heading and a table under it, or nothing when there are no rows. */
function tableSection(level: 1 | 2 | 3, text: string, columns: string[], rows: string[][]): Block[] {
  if (!rows.length) return [];
  return [
    { type: 'heading', level, text },
    { type: 'table', columns, rows },
  ];
}

/** The WebSocket section: drift by name, what each connection exchanged, what was held back and why. */
function webSocketBlocks(run: ReplayRun): Block[] {
  const ws = run.websockets;
  if (!ws) return [];
  const blocks: Block[] = [{ type: 'heading', level: 1, text: 'WebSocket' }];
  const { ok, drift, skipped, failed } = ws.summary;
  blocks.push({
    type: 'paragraph',
    text: `${ws.results.length} WebSocket endpoints: ${ok} unchanged, ${drift} drifted, ${failed} failed, ${skipped} skipped. Only subscribes, heartbeats, read requests and the acks the captured client gave to the server's own emits were sent.`,
  });
  const drifts = ws.results.flatMap((r) =>
    r.kind === 'drift'
      ? r.drifts.map((d) => [
          code(r.endpointId),
          d.messageKind ?? '(connection)',
          d.kind,
          d.pointer || '(message)',
          d.expected ?? '',
          d.actual ?? '',
          d.summary,
        ])
      : [],
  );
  blocks.push(
    ...tableSection(
      2,
      'WebSocket drift',
      ['endpoint', 'message kind', 'change', 'where', 'was', 'now', 'summary'],
      drifts,
    ),
  );
  const live = ws.results.flatMap((r) =>
    r.kind === 'ok' || r.kind === 'drift'
      ? [
          [
            code(r.endpointId),
            r.kind,
            String(r.received.messages),
            String(r.received.binary),
            r.kinds.map((k) => `${k.kind} ×${k.messages}`).join(', '),
            r.close ? `${r.close.by} ${r.close.code}` : '',
            `${r.durationMs} ms (${r.stoppedBy}${r.transport === 'polling' ? ', over HTTP long-polling' : ''})`,
          ],
        ]
      : [],
  );
  blocks.push(
    ...tableSection(
      2,
      'WebSocket connections',
      ['endpoint', 'outcome', 'received', 'binary', 'kinds', 'closed by', 'collected'],
      live,
    ),
  );
  const held = ws.results.flatMap((r) =>
    r.kind === 'ok' || r.kind === 'drift' ? r.heldBack.map((h) => [code(h.message), h.reason]) : [],
  );
  blocks.push(...tableSection(2, 'WebSocket messages not sent', ['message', 'reason'], held));
  const other = ws.results.flatMap((r) =>
    r.kind === 'skipped'
      ? [[code(r.endpointId), 'skipped', r.reason]]
      : r.kind === 'failed'
        ? [[code(r.endpointId), 'failed', r.error]]
        : [],
  );
  blocks.push(
    ...tableSection(2, 'WebSocket endpoints not replayed', ['endpoint', 'outcome', 'reason'], other),
  );
  return blocks;
}
