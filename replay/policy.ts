/**
 * The safety policy: replay sends only calls classified as reads. A write is sent only when the user
 * named it and confirmed (DESIGN.md section 4); auth calls are never replayed as data reads (a logout
 * would end the session, a login is run only to obtain one). A session-issue call (analyzers/session-issue.ts:
 * an authenticated POST whose only effect is a credential others consume, such as Binance's listenKey)
 * is sent, so the WebSocket endpoints and calls that consume it get a live one.
 */
import type { ProtocolModel, ProtocolOperation } from '../model/index.js';

export type PlanStep =
  | { operation: ProtocolOperation; send: true }
  | { operation: ProtocolOperation; send: false; reason: string };

export function planReplay(
  model: ProtocolModel,
  options: { operations?: string[]; allowWrites?: string[] },
): PlanStep[] {
  const only = options.operations?.length ? new Set(options.operations) : undefined;
  const writes = new Set(options.allowWrites ?? []);
  const authRoles = new Map(model.auth.calls.map((c) => [c.operationId, c.role]));
  const signed = new Set(model.auth.signing.flatMap((s) => s.operationIds));
  const steps: PlanStep[] = [];
  for (const operation of model.operations) {
    if (only && !only.has(operation.id)) continue;
    const role = authRoles.get(operation.id);
    if (role === 'session-issue' && operation.classification.effect === 'session') {
      // Issues a credential (a listenKey) and nothing else: re-issued so the calls that consume it run live.
      steps.push({ operation, send: true });
    } else if (role) {
      steps.push({
        operation,
        send: false,
        reason: `${role} call: used to obtain a session, never replayed as a read`,
      });
    } else if (operation.classification.effect === 'write' && !writes.has(operation.id)) {
      steps.push({
        operation,
        send: false,
        reason: `classified as a write (${operation.classification.reason}); replay sends only reads unless you name it with --allow-write and confirm`,
      });
    } else if (signed.has(operation.id)) {
      steps.push({ operation, send: false, reason: 'the request is signed with a key replay does not hold' });
    } else {
      steps.push({ operation, send: true });
    }
  }
  return steps;
}

/**
 * Ids given by the user that the model does not have: reported instead of silently ignored. Known: the
 * operation ids, the WebSocket endpoint ids, and `<endpoint id>/<kind name>` for the messages an endpoint
 * sends (what `--allow-write` takes for a WebSocket write).
 */
export function unknownOperationIds(model: ProtocolModel, ids: string[] = []): string[] {
  const known = new Set(model.operations.map((o) => o.id));
  for (const w of model.websockets ?? []) {
    known.add(w.id);
    for (const k of w.kinds) {
      // A socket.io server event can be named too: `--allow-write` lets replay ack one that names a change.
      if (k.direction === 'send' || k.framing === 'socket.io') known.add(`${w.id}/${k.name}`);
    }
  }
  return ids.filter((id) => !known.has(id));
}
