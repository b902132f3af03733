/**
 * Field order of each kind, taken from its JSON Schema: stored JSON and exports list fields in the
 * schema's order (kind, id, account, time, then the kind's own fields), so output is deterministic.
 */
import { ACCOUNT_KINDS, accountSchema } from '../schemas/index.js';
import type { AccountKind, AccountRecord } from '../schemas/index.js';

const ENVELOPE = new Set(['source', 'raw', 'routes']);
let orders: Map<AccountKind, string[]> | undefined;

/** The content fields of a kind in schema order (no source, raw or routes). */
export function fieldsOf(kind: AccountKind): readonly string[] {
  if (!orders) {
    orders = new Map();
    for (const k of ACCOUNT_KINDS) {
      const properties = (accountSchema(k)['properties'] ?? {}) as Record<string, unknown>;
      orders.set(
        k,
        Object.keys(properties).filter((f) => !ENVELOPE.has(f)),
      );
    }
  }
  return orders.get(kind) ?? [];
}

/** The largest epoch-ms time the schemas allow (9999-12-31T23:59:59.999Z): it marks a field as a time. */
const LAST_TIME = 253402300799999;
let times: Map<AccountKind, Set<string>> | undefined;

/**
 * The fields of a kind that hold UTC epoch milliseconds (`time`, `updateTime`, `completeTime`,
 * `debtSince`, …), read from its JSON Schema: the integers bounded by the year-9999 limit.
 */
export function timeFieldsOf(kind: AccountKind): ReadonlySet<string> {
  if (!times) {
    times = new Map();
    for (const k of ACCOUNT_KINDS) {
      const properties = (accountSchema(k)['properties'] ?? {}) as Record<string, Record<string, unknown>>;
      times.set(
        k,
        new Set(
          Object.entries(properties)
            .filter(([, p]) => p['type'] === 'integer' && p['maximum'] === LAST_TIME)
            .map(([f]) => f),
        ),
      );
    }
  }
  return times.get(kind) ?? new Set();
}

/** Every content field of every kind, in first-seen schema order (the columns of a mixed CSV export). */
export function allFields(): string[] {
  const seen = new Set<string>();
  for (const kind of ACCOUNT_KINDS) for (const f of fieldsOf(kind)) seen.add(f);
  return [...seen];
}

/** The record's content (no source, raw, routes) with its keys in schema order. */
export function orderedContent(record: AccountRecord): AccountRecord {
  const src = record as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fieldsOf(record.kind)) if (src[field] !== undefined) out[field] = src[field];
  return out as unknown as AccountRecord;
}
