/**
 * One P2P trade, counted once. The API sync (and the P2P history export) store a P2P order as a
 * `p2p_order`; the transaction-history statement lists the same trade as `P2P Trading` legs. The CSV
 * importer matches a leg to its order when the order is already stored; a leg imported before its order
 * arrived is a `balance_change` of category `p2p` until the next import or sync folds it
 * (connectors/binance/csv relink). Until then the ledger holds both, so every balance view (reconcile,
 * the ledger view) asks {@link p2pCoveredChanges} which P2P changes an order already explains and skips
 * them, by the importer's own rule (core/p2p.ts, which both apply).
 */
import { p2pFeeLegOf, p2pOrderNet, p2pOrdersExplaining } from '../core/index.js';
import type { AccountRecord, BalanceChange, P2POrder } from '../schemas/index.js';
import type { LedgerRecordReader } from './types.js';

function isP2pChange(r: AccountRecord): r is BalanceChange {
  return r.kind === 'balance_change' && r.category === 'p2p';
}

/**
 * The `balance_change` records of category `p2p` a stored `p2p_order` explains, as `account\0id` keys.
 * Reads only those two kinds of the accounts asked (P2P trades are few).
 */
export async function p2pCoveredChanges(
  store: LedgerRecordReader,
  query: { account?: string } = {},
): Promise<Set<string>> {
  const base = query.account !== undefined ? { account: query.account } : {};
  const changes: BalanceChange[] = [];
  for await (const s of store.iterateRecords({ ...base, kind: 'balance_change' }))
    if (isP2pChange(s.record)) changes.push(s.record);
  const covered = new Set<string>();
  if (changes.length === 0) return covered;
  const orders: P2POrder[] = [];
  for await (const s of store.iterateRecords({ ...base, kind: 'p2p_order' }))
    if (s.record.kind === 'p2p_order' && p2pOrderNet(s.record)) orders.push(s.record);
  if (orders.length === 0) return covered;
  const used = new Set<string>();
  const keyOf = (r: AccountRecord): string => `${r.account}\u0000${r.id}`;
  changes.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of changes) {
    if (covered.has(keyOf(c))) continue;
    const free = orders.filter((o) => o.account === c.account && !used.has(keyOf(o)));
    const into = p2pOrdersExplaining(c, free);
    if (!into) continue;
    for (const o of into) used.add(keyOf(o));
    covered.add(keyOf(c));
    // Its fee row, when it stands apart: the order explains it too.
    const fee = changes.find(
      (f) => f !== c && f.account === c.account && !covered.has(keyOf(f)) && p2pFeeLegOf(into[0]!, c, f),
    );
    if (into.length === 1 && fee) covered.add(keyOf(fee));
  }
  return covered;
}
