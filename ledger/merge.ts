/**
 * The upsert rules (pure): what happens when a record whose (account, kind, id) is already stored
 * arrives again, from the same source or another. Documented in docs/ledger.md; both backends call this.
 */
import type { AccountKind, AccountRecord, RecordSource } from '../schemas/index.js';
import type { PutOutcome } from './types.js';

/**
 * Kinds that describe state (a snapshot that legitimately changes) rather than a movement: a newer
 * snapshot replaces an older one whatever its source.
 */
export const STATE_KINDS: ReadonlySet<AccountKind> = new Set([
  'balance',
  'earn_position',
  'order',
  'autoinvest_plan',
]);

/** Fields that are not part of a record's normalized content. */
const ENVELOPE = new Set(['source', 'raw', 'routes']);

/** The normalized content of a record: every field but source, raw and routes, keys in a stable order. */
export function normalizedContent(record: AccountRecord): AccountRecord {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!ENVELOPE.has(key)) out[key] = value;
  return out as unknown as AccountRecord;
}

function equalValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => equalValues(v, b[i]));
  return false;
}

/** The version a state record is ordered by: orders by `updateTime` (status changes), others by `time`. */
function stateVersion(record: AccountRecord): number {
  if (record.kind === 'order' && typeof record.updateTime === 'number') return record.updateTime;
  return record.time;
}

/** The decision for one incoming record against the stored one. */
export interface MergeDecision {
  outcome: Exclude<PutOutcome, 'inserted' | 'unchanged' | 'source_added'> | 'same';
  /** The content to store when it changes (enriched, updated). */
  next?: AccountRecord;
  /** Whether the stored primary source becomes the incoming one. */
  primaryBecomesIncoming: boolean;
  /** Fields that differ (conflict, updated, stale). */
  differing: { field: string; stored: unknown; incoming: unknown }[];
}

/**
 * Decides how `incoming` (from `source`) merges into `stored` (whose fields came from `storedSource`):
 * - same fields where both have them and nothing new: `same`;
 * - same where both have them, incoming has more: `enriched` (fields added, none overwritten);
 * - differing fields of a state kind: `updated` if the incoming snapshot is at least as new, else `stale`;
 * - differing fields of an event from the same source as the stored fields: `updated` (the route re-read it);
 * - differing fields from another source: `conflict` (stored fields kept, the difference is kept for review).
 */
export function decideMerge(
  stored: AccountRecord,
  storedSource: RecordSource,
  incoming: AccountRecord,
  source: RecordSource,
): MergeDecision {
  const s = stored as unknown as Record<string, unknown>;
  const i = incoming as unknown as Record<string, unknown>;
  const differing: MergeDecision['differing'] = [];
  const added: string[] = [];
  for (const [field, value] of Object.entries(i)) {
    if (ENVELOPE.has(field)) continue;
    if (!(field in s)) added.push(field);
    else if (!equalValues(s[field], value)) differing.push({ field, stored: s[field], incoming: value });
  }
  if (differing.length === 0 && added.length === 0) {
    return { outcome: 'same', primaryBecomesIncoming: false, differing };
  }
  if (differing.length === 0) {
    return {
      outcome: 'enriched',
      next: { ...stored, ...normalizedContent(incoming) } as AccountRecord,
      primaryBecomesIncoming: false,
      differing,
    };
  }
  if (STATE_KINDS.has(stored.kind)) {
    if (stateVersion(incoming) >= stateVersion(stored)) {
      return {
        outcome: 'updated',
        next: normalizedContent(incoming),
        primaryBecomesIncoming: true,
        differing,
      };
    }
    return { outcome: 'stale', primaryBecomesIncoming: false, differing };
  }
  if (source === storedSource) {
    return {
      outcome: 'updated',
      next: { ...stored, ...normalizedContent(incoming) } as AccountRecord,
      primaryBecomesIncoming: false,
      differing,
    };
  }
  return { outcome: 'conflict', primaryBecomesIncoming: false, differing };
}
