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
    const columns: TradeColumns = {
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
    // Guard the invariants the servers' binary searches rely on: per symbol, ids increase and times never go back.
    for (let sym = 0; sym < symbolCount; sym++)
      for (let j = (symbolStart[sym] as number) + 1; j < (symbolStart[sym + 1] as number); j++)
        if (
          (columns.id[j] as number) <= (columns.id[j - 1] as number) ||
          (columns.time[j] as number) < (columns.time[j - 1] as number) ||
          (columns.orderId[j] as number) < (columns.orderId[j - 1] as number)
        )
          throw new Error(`sandbox generator bug: trades out of order in symbol ${sym}`);
    return columns;
  }
}

/** Stable counting sort of row indices by symbol. */
function symbolOrder(
  sym: Uint16Array,
  n: number,
  symbolCount: number,
): { order: Uint32Array; symbolStart: Uint32Array } {
  const symbolStart = new Uint32Array(symbolCount + 1);
  for (let i = 0; i < n; i++) {
    const s = (sym[i] as number) + 1;
    symbolStart[s] = (symbolStart[s] as number) + 1;
  }
  for (let s = 1; s <= symbolCount; s++)
    symbolStart[s] = (symbolStart[s] as number) + (symbolStart[s - 1] as number);
  const cursor = symbolStart.slice(0, symbolCount);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const s = sym[i] as number;
    order[cursor[s] as number] = i;
    cursor[s] = (cursor[s] as number) + 1;
  }
  return { order, symbolStart };
}

/** One order as the generator pushes it (amounts in units of 1e-8, enums as indices). */
export interface OrderRow {
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
}

const ORDER_F64 = [
  'orderId',
  'time',
  'updateTime',
  'price',
  'origQty',
  'executedQty',
  'cummulativeQuoteQty',
] as const;
const ORDER_U8 = ['type', 'status', 'side', 'routes'] as const;

/**
 * Collects orders in generation order into growable typed arrays; `finish` sorts them by symbol (stable),
 * which is also orderId order because the generator hands out each symbol's ids increasing in time.
 */
export class OrderBuilder {
  count = 0;
  private readonly f64 = Object.fromEntries(ORDER_F64.map((k) => [k, new Grow64(1024)])) as Record<
    (typeof ORDER_F64)[number],
    Grow64
  >;
  private u8 = Object.fromEntries(ORDER_U8.map((k) => [k, new Uint8Array(1024)])) as Record<
    (typeof ORDER_U8)[number],
    Uint8Array
  >;
  private sym = new Uint16Array(1024);

  push(row: OrderRow): void {
    const i = this.count;
    const n = i + 1;
    for (const k of ORDER_F64) {
      this.f64[k].ensure(n);
      this.f64[k].data[i] = row[k];
    }
    if (n > this.sym.length) {
      const grown = new Uint16Array(this.sym.length * 2);
      grown.set(this.sym);
      this.sym = grown;
      for (const k of ORDER_U8) {
        const g = new Uint8Array(this.u8[k].length * 2);
        g.set(this.u8[k]);
        this.u8[k] = g;
      }
    }
    this.sym[i] = row.symbol;
    for (const k of ORDER_U8) this.u8[k][i] = row[k];
    this.count = n;
  }

  finish(symbolCount: number): OrderColumns {
    const n = this.count;
    const { order, symbolStart } = symbolOrder(this.sym, n, symbolCount);
    const take64 = (k: (typeof ORDER_F64)[number]): Float64Array => {
      const src = this.f64[k].data;
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) out[j] = src[order[j] as number] as number;
      return out;
    };
    const take8 = (k: (typeof ORDER_U8)[number]): Uint8Array => {
      const src = this.u8[k];
      const out = new Uint8Array(n);
      for (let j = 0; j < n; j++) out[j] = src[order[j] as number] as number;
      return out;
    };
    const symbol = new Uint16Array(n);
    for (let j = 0; j < n; j++) symbol[j] = this.sym[order[j] as number] as number;
    const columns: OrderColumns = {
      count: n,
      symbol,
      orderId: take64('orderId'),
      time: take64('time'),
      updateTime: take64('updateTime'),
      price: take64('price'),
      origQty: take64('origQty'),
      executedQty: take64('executedQty'),
      cummulativeQuoteQty: take64('cummulativeQuoteQty'),
      type: take8('type'),
      status: take8('status'),
      side: take8('side'),
      routes: take8('routes'),
      symbolStart,
    };
    // Guard the invariant the servers' binary searches rely on.
    for (let s = 0; s < symbolCount; s++)
      for (let j = (symbolStart[s] as number) + 1; j < (symbolStart[s + 1] as number); j++)
        if ((columns.orderId[j] as number) <= (columns.orderId[j - 1] as number))
          throw new Error(`sandbox generator bug: orderIds not increasing in symbol ${s}`);
    return columns;
  }
}
