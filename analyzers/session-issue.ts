/**
 * Credential issuance: a call whose only effect is to hand out a credential that later calls consume
 * (Binance `POST /api/v3/userDataStream` → the listenKey of `wss://…/ws/{listenKey}`; a login, a refresh,
 * a CSRF bootstrap, a token exchange). It changes no business state, so it is classified as a session
 * call that replay may re-issue to obtain a live credential, not as a write.
 *
 * The guarantee that replay never writes to the exchange holds because the rule is narrow: only POST
 * (PUT, PATCH and DELETE change or end what exists, e.g. a listenKey keepalive or close; a fresh key per
 * run makes them unnecessary), only when a credential it issues is consumed by another call or WebSocket
 * endpoint, and only without business parameters: a call carrying a quantity, amount, side, price,
 * address, symbol or asset is a write even if its answer holds a token (an order answers with ids).
 */
import type { ClassificationModel, CredentialModel, OperationModel } from './types.js';

/** Parameter names that give a call an effect beyond issuing a credential (order, transfer, withdrawal). */
const EFFECT_PARAM =
  /^(quantity|qty|quote_?order_?qty|amount|amt|price|stop_?price|side|volume|size|address|recipient|destination|to_?address|symbol|asset|coin|currency|network|leverage|margin|order_?type|time_?in_?force|iban|memo)$/i;

/** Query and body field names of an operation that name a business effect (`quantity`, `side`, …). */
export function effectParameters(op: OperationModel): string[] {
  const out = new Set<string>();
  for (const p of op.parameters) if (p.in === 'query' && EFFECT_PARAM.test(p.name)) out.add(p.name);
  for (const b of op.requestBodies) {
    const props = b.schema.properties;
    if (props && typeof props === 'object')
      for (const k of Object.keys(props)) if (EFFECT_PARAM.test(k)) out.add(k);
  }
  return [...out].sort();
}

/**
 * The session classification of `op` when its only effect is issuing credentials that other calls
 * consume, else undefined (it stays as classify.ts judged it).
 */
export function sessionIssuance(
  op: OperationModel,
  credentials: readonly CredentialModel[],
): { classification: ClassificationModel; issued: string[] } | undefined {
  if (op.method.toUpperCase() !== 'POST' || op.rpc) return undefined;
  const issued = credentials.filter(
    (c) =>
      c.issuedBy.some((i) => i.operationId === op.id) && c.consumers.some((consumer) => consumer !== op.id),
  );
  if (issued.length === 0) return undefined;
  if (effectParameters(op).length > 0) return undefined;
  const consumers = new Set(issued.flatMap((c) => c.consumers.filter((x) => x !== op.id)));
  return {
    issued: issued.map((c) => c.id).sort(),
    classification: {
      effect: 'session',
      unsafeToReplay: false,
      reason: `issues ${issued.map((c) => c.name).join(', ')}, consumed by ${[...consumers].slice(0, 3).join(', ')}${consumers.size > 3 ? ` and ${consumers.size - 3} more` : ''}, and carries no business parameter: a session call replay may re-issue`,
      confidence: 0.8,
    },
  };
}
