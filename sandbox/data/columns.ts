/**
 * Columnar trades and orders: growable builders for the generator, and row accessors that return the
 * exchange's raw shapes for the servers.
 */
import {
  ORDER_STATUSES,
  ORDER_TYPES,
  ROUTE_API,
  ROUTE_CSV,
  ROUTE_WEB,
  type OrderColumns,
  type RawMyTrade,
  type RawOrder,
  type Routes,
  type SandboxAccount,
  type TradeColumns,
} from './model.js';
import { fmt8 } from './units.js';

export function routesFromBits(bits: number): Routes {
  return { api: (bits & ROUTE_API) !== 0, web: (bits & ROUTE_WEB) !== 0, csv: (bits & ROUTE_CSV) !== 0 };
}

export function routesToBits(routes: Routes): number {
  return (routes.api ? ROUTE_API : 0) | (routes.web ? ROUTE_WEB : 0) | (routes.csv ? ROUTE_CSV : 0);
}

/** The myTrades row at index i. */
export function tradeAt(account: SandboxAccount, i: number): RawMyTrade {
  const t = account.trades;
  const flags = t.flags[i] as number;
  return {
    symbol: account.symbols[t.symbol[i] as number]!.symbol,
    id: t.id[i] as number,
    orderId: t.orderId[i] as number,
    orderListId: -1,
    price: fmt8(t.price[i] as number),
    qty: fmt8(t.qty[i] as number),
    quoteQty: fmt8(t.quoteQty[i] as number),
    commission: fmt8(t.commission[i] as number),
    commissionAsset: account.assets[t.commissionAsset[i] as number]!,
    time: t.time[i] as number,
    isBuyer: (flags & 1) !== 0,
    isMaker: (flags & 2) !== 0,
    isBestMatch: (flags & 4) !== 0,
  };
}

/** A deterministic clientOrderId for an order (the exchange generates such ids for app orders). */
export function clientOrderIdFor(orderId: number): string {
  return `web_${orderId.toString(36)}${(orderId % 9973).toString(16)}`;
}

/** The allOrders/openOrders row at index i. */
export function orderAt(account: SandboxAccount, i: number): RawOrder {
  const o = account.orders;
  const type = ORDER_TYPES[o.type[i] as number]!;
  const status = ORDER_STATUSES[o.status[i] as number]!;
  const orderId = o.orderId[i] as number;
  const time = o.time[i] as number;
  const open = status === 'NEW' || status === 'PARTIALLY_FILLED';
  return {
    symbol: account.symbols[o.symbol[i] as number]!.symbol,
    orderId,
    orderListId: -1,
    clientOrderId: clientOrderIdFor(orderId),
    price: fmt8(o.price[i] as number),
    origQty: fmt8(o.origQty[i] as number),
    executedQty: fmt8(o.executedQty[i] as number),
    cummulativeQuoteQty: fmt8(o.cummulativeQuoteQty[i] as number),
    status,
    timeInForce: 'GTC',
    type,
    side: o.side[i] === 0 ? 'BUY' : 'SELL',
    stopPrice: '0.00000000',
    icebergQty: '0.00000000',
    time,
    updateTime: o.updateTime[i] as number,
    isWorking: open || status === 'FILLED' || status === 'CANCELED',
    workingTime: time,
    origQuoteOrderQty: '0.00000000',
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

/** Index of the first row in [lo, hi) whose column value is >= value (columns ascending within a slice). */
export function lowerBound(column: Float64Array, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((column[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class Grow64 {
  data: Float64Array;
  constructor(cap: number) {
    this.data = new Float64Array(Math.max(16, cap));
  }
  ensure(n: number): void {
    if (n <= this.data.length) return;
    const next = new Float64Array(Math.max(n, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
}

/** Collects trades in generation (time) order; `finish` sorts them by symbol (stable) into TradeColumns. */
export class TradeBuilder {
  count = 0;
  private readonly f: Record<'id' | 'orderId' | 'time' | 'price' | 'qty' | 'quoteQty' | 'commission', Grow64>;
  private sym: Uint16Array;
  private feeAsset: Uint16Array;
  private flags: Uint8Array;
  private routes: Uint8Array;

  constructor(capacity: number) {
    this.f = {
      id: new Grow64(capacity),
      orderId: new Grow64(capacity),
      time: new Grow64(capacity),
      price: new Grow64(capacity),
      qty: new Grow64(capacity),
      quoteQty: new Grow64(capacity),
      commission: new Grow64(capacity),
    };
    this.sym = new Uint16Array(Math.max(16, capacity));
    this.feeAsset = new Uint16Array(Math.max(16, capacity));
    this.flags = new Uint8Array(Math.max(16, capacity));
    this.routes = new Uint8Array(Math.max(16, capacity));
  }

  push(row: {
    symbol: number;
    id: number;
    orderId: number;
    time: number;
    price: number;
    qty: number;
    quoteQty: number;
    commission: number;
    commissionAsset: number;
    flags: number;
    routes: number;
  }): void {
    const n = this.count + 1;
    for (const g of Object.values(this.f)) g.ensure(n);
    if (n > this.sym.length) {
      const grow = <T extends Uint8Array | Uint16Array>(a: T, make: (len: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.sym = grow(this.sym, (l) => new Uint16Array(l));
      this.feeAsset = grow(this.feeAsset, (l) => new Uint16Array(l));
      this.flags = grow(this.flags, (l) => new Uint8Array(l));
      this.routes = grow(this.routes, (l) => new Uint8Array(l));
    }
    const i = this.count;
    this.f.id.data[i] = row.id;
    this.f.orderId.data[i] = row.orderId;
    this.f.time.data[i] = row.time;
    this.f.price.data[i] = row.price;
    this.f.qty.data[i] = row.qty;
    this.f.quoteQty.data[i] = row.quoteQty;
    this.f.commission.data[i] = row.commission;
    this.sym[i] = row.symbol;
    this.feeAsset[i] = row.commissionAsset;
    this.flags[i] = row.flags;
    this.routes[i] = row.routes;
    this.count = n;
  }

  finish(symbolCount: number): TradeColumns {
    const n = this.count;
    const { order, symbolStart } = symbolOrder(this.sym, n, symbolCount);
    const take = (g: Grow64): Float64Array => {
      const out = new Float64Array(n);
      for (let k = 0; k < n; k++) out[k] = g.data[order[k] as number] as number;
      return out;
    };
    const take16 = (a: Uint16Array): Uint16Array => {
      const out = new Uint16Array(n);
      for (let k = 0; k < n; k++) out[k] = a[order[k] as number] as number;
      return out;
    };
    const take8 = (a: Uint8Array): Uint8Array => {
      const out = new Uint8Array(n);
      for (let k = 0; k < n; k++) out[k] = a[order[k] as number] as number;
      return out;
    };
    return {
      count: n,
      symbol: take16(this.sym),
      id: take(this.f.id),
      orderId: take(this.f.orderId),
      time: take(this.f.time),
      price: take(this.f.price),
      qty: take(this.f.qty),
      quoteQty: take(this.f.quoteQty),
      commission: take(this.f.commission),
      commissionAsset: take16(this.feeAsset),
      flags: take8(this.flags),
      routes: take8(this.routes),
      symbolStart,
    };
  }
}

/** Stable counting sort of row indices by symbol. */
function symbolOrder(sym: Uint16Array, n: number, symbolCount: number): { order: Uint32Array; symbolStart: Uint32Array } {
  const symbolStart = new Uint32Array(symbolCount + 1);
  for (let i = 0; i < n; i++) {
    const s = (sym[i] as number) + 1;
    symbolStart[s] = (symbolStart[s] as number) + 1;
  }
  for (let s = 1; s <= symbolCount; s++) symbolStart[s] = (symbolStart[s] as number) + (symbolStart[s - 1] as number);
  const cursor = symbolStart.slice(0, symbolCount);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const s = sym[i] as number;
    order[cursor[s] as number] = i;
    cursor[s] = (cursor[s] as number) + 1;
  }
  return { order, symbolStart };
}

/** Collects orders in generation order; `finish` sorts them by symbol, then orderId. */
export class OrderBuilder {
  readonly rows: Array<{
    symbol: number;
    orderId: number;
    time: number;
    updateTime: number;
    price: number;
    origQty: number;
    executedQty: number;
    cummulativeQuoteQty: number;
    type: number;
    status: number;
    side: number;
    routes: number;
  }> = [];

  finish(symbolCount: number): OrderColumns {
    const rows = this.rows.sort((a, b) => a.symbol - b.symbol || a.orderId - b.orderId);
    const n = rows.length;
    const out: OrderColumns = {
      count: n,
      symbol: new Uint16Array(n),
      orderId: new Float64Array(n),
      time: new Float64Array(n),
      updateTime: new Float64Array(n),
      price: new Float64Array(n),
      origQty: new Float64Array(n),
      executedQty: new Float64Array(n),
      cummulativeQuoteQty: new Float64Array(n),
      type: new Uint8Array(n),
      status: new Uint8Array(n),
      side: new Uint8Array(n),
      routes: new Uint8Array(n),
      symbolStart: new Uint32Array(symbolCount + 1),
    };
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      out.symbol[i] = r.symbol;
      out.orderId[i] = r.orderId;
      out.time[i] = r.time;
      out.updateTime[i] = r.updateTime;
      out.price[i] = r.price;
      out.origQty[i] = r.origQty;
      out.executedQty[i] = r.executedQty;
      out.cummulativeQuoteQty[i] = r.cummulativeQuoteQty;
      out.type[i] = r.type;
      out.status[i] = r.status;
      out.side[i] = r.side;
      out.routes[i] = r.routes;
      out.symbolStart[r.symbol + 1] = (out.symbolStart[r.symbol + 1] as number) + 1;
    }
    for (let s = 1; s <= symbolCount; s++)
      out.symbolStart[s] = (out.symbolStart[s] as number) + (out.symbolStart[s - 1] as number);
    this.rows.length = 0;
    return out;
  }
}
