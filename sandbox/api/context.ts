/** What an endpoint handler receives. */
import type { SandboxAccount } from '../data/model.js';
import type { SandboxKey } from './keys.js';
import type { Params } from './params.js';
import type { LimitKind, LimitSpec } from './limits.js';

export interface EndpointContext {
  account: SandboxAccount;
  params: Params;
  /** Server time (with the configured skew). */
  now: number;
  key: SandboxKey;
  /** Precomputed indexes over the account. */
  index: AccountIndex;
  /** The limits the sandbox enforces (exchangeInfo advertises the /api ones). */
  limits: Record<LimitKind, LimitSpec>;
}

export interface EndpointDef {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  path: string;
  /** NONE endpoints need no key or signature. */
  security: 'NONE' | 'USER_DATA' | 'TRADE';
  limit: LimitKind;
  /** Weight; may depend on which parameters are present. */
  weight: number | ((params: Params) => number);
  /** At most one request per this many nominal ms per account (scaled like every window). */
  minIntervalMs?: number;
  /** /api endpoints reject unknown parameters (-1104). */
  strictParams?: boolean;
  /** The key permission required besides reading (every write; a few reads, e.g. wallet/balance). */
  permission?:
    | 'enableSpotAndMarginTrading'
    | 'enableWithdrawals'
    | 'permitsUniversalTransfer'
    | 'enableInternalTransfer';
  handle: (ctx: EndpointContext) => unknown;
}

/** Lookups computed once per account. */
export interface AccountIndex {
  symbolByName: Map<string, number>;
  /** Row indices of open orders (NEW, PARTIALLY_FILLED). */
  openOrders: number[];
}

export function buildIndex(account: SandboxAccount): AccountIndex {
  const symbolByName = new Map(account.symbols.map((s, i) => [s.symbol, i]));
  const openOrders: number[] = [];
  const o = account.orders;
  for (let i = 0; i < o.count; i++) {
    const st = o.status[i] as number;
    if (st === 0 || st === 1) openOrders.push(i);
  }
  return { symbolByName, openOrders };
}
