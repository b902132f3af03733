/**
 * The Spot Order History export: each order row is followed by a sub-header row
 * (`,Date(UTC),Trading Price,Filled,Total,Fee,,,`) and one row per fill. Orders with an order number
 * (2023+) become `order` records with the exchange's id; fills become trades (ids shared with the Spot
 * Trade History export, so the two exports de-duplicate each other); order rows without a number and
 * without fills (2026 flat layout) are kept in quarantine, since they name no event the model can key.
 */
import { InputError } from '../../../core/index.js';
import { Occurrences } from './exports.js';
import type { Row } from './row.js';
import { splitSymbol } from './row.js';
import type { CsvAccountRecord, NormalizedItem } from './types.js';
import { parseAmount, parseWallTime, wallToUtc } from './values.js';

interface OpenOrder {
  row: Row;
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  /** Undefined when the layout names no side (2026 flat layout without `Side`). */
  side: 'buy' | 'sell' | undefined;
  orderId: string | undefined;
  fills: number;
}

function orderStatus(text: string): string {
  const k = text.toUpperCase().replace(/[^A-Z]/g, '');
  if (k === 'FILLED') return 'FILLED';
  if (k === 'CANCELED' || k === 'CANCELLED') return 'CANCELED';
  if (k.startsWith('PARTIAL')) return 'PARTIALLY_FILLED';
  if (k === 'EXPIRED') return 'EXPIRED';
  if (k === 'REJECTED') return 'REJECTED';
  return k || 'UNKNOWN';
}

export class OrderHistoryReader {
  private current: OpenOrder | undefined;
  private readonly occ = new Occurrences();
  constructor(private readonly account: string) {}

  push(row: Row, cells: string[]): NormalizedItem[] {
    const first = (cells[0] ?? '').trim();
    if (first === '') {
      const second = (cells[1] ?? '').trim();
      if (/date|time|čas/i.test(second)) return [];
      if (!this.current)
        throw new InputError(
          'csv_bad_value',
          `${row.ctx.file}: line ${row.line}: a fill row comes before any order row.`,
          { hint: 'The file is not a complete order history export.' },
        );
      return this.fill(row, cells, this.current);
    }
    const out = this.closeOrder();
    out.push(...this.order(row));
    return out;
  }

  end(): NormalizedItem[] {
    return this.closeOrder();
  }

  private closeOrder(): NormalizedItem[] {
    const o = this.current;
    this.current = undefined;
    if (!o || o.orderId || o.fills > 0) return [];
    // No order number and no fills: nothing the model can key.
    return [{ type: 'quarantine', line: o.row.line, reason: 'order_without_id', row: o.row.raw() }];
  }

  private order(row: Row): NormalizedItem[] {
    const t = row.time();
    const pair = row.need('symbol');
    const split = splitSymbol(pair);
    if (!split) throw row.error('symbol', `cannot tell the base and quote assets of ${JSON.stringify(pair)}`);
    const sideText = (
      row.has('type') && row.has('side') ? row.text('side') : row.text('side') || row.text('type')
    ).toLowerCase();
    const side = sideText.startsWith('buy') ? 'buy' : sideText.startsWith('sell') ? 'sell' : undefined;
    const orderId = row.text('orderNo').replace(/^'/, '') || undefined;
    // Without an order number the row is kept in quarantine anyway; with one, the side is required.
    if (!side && orderId) throw row.error('side', `is neither BUY nor SELL: ${JSON.stringify(sideText)}`);
    const symbol = split.base + split.quote;
    this.current = { row, symbol, baseAsset: split.base, quoteAsset: split.quote, side, orderId, fills: 0 };
    if (!orderId) return [];
    const price = row.optionalAmount('price')?.value ?? '0';
    const origQty = row.amount('origQty').value;
    const executedQty = row.amount('executedQty').value;
    const quote = row.optionalAmount('quoteQty')?.value;
    // The 2020/2023 layouts name no order type: a zero price can only be a market order; anything else
    // (LIMIT, LIMIT_MAKER, a stop) cannot be told apart, so the type is left out rather than guessed.
    const type =
      row.has('type') && row.has('side')
        ? row.need('type').toUpperCase().replace(/\s+/g, '_')
        : price === '0'
          ? 'MARKET'
          : undefined;
    if (!side) return [];
    const record: CsvAccountRecord = {
      kind: 'order',
      id: `${symbol}:${orderId}`,
      account: this.account,
      time: t.ms,
      source: 'csv',
      raw: row.raw(),
      symbol,
      baseAsset: split.base,
      quoteAsset: split.quote,
      orderId,
      side,
      ...(type ? { type } : {}),
      status: orderStatus(row.need('status')),
      price,
      origQty,
      executedQty,
    };
    if (quote !== undefined) record.cumulativeQuoteQty = quote;
    return [{ type: 'record', line: row.line, record }];
  }

  private fill(row: Row, cells: string[], open: OpenOrder): NormalizedItem[] {
    const at = (i: number): string => (cells[i] ?? '').trim();
    const side = open.side;
    if (!side) {
      throw new InputError(
        'csv_bad_value',
        `${row.ctx.file}: line ${row.line}: a fill of an order whose side the export does not name.`,
        {
          hint: 'Export the order history with its Side column.',
          details: { file: row.ctx.file, line: row.line },
        },
      );
    }
    const o = { ...open, side };
    const bad = (col: number, what: string): InputError =>
      new InputError('csv_bad_value', `${row.ctx.file}: line ${row.line}, column ${col + 1}: ${what}.`, {
        hint: 'Fix the cell or re-export the file.',
        details: { file: row.ctx.file, line: row.line, column: col + 1 },
      });
    const w = parseWallTime(at(1), row.ctx.slashOrder);
    if (!w) throw bad(1, `is not a date: ${JSON.stringify(at(1))}`);
    const ms = w.absolute ? w.wallMs : wallToUtc(w.wallMs, row.ctx.zone);
    const price = parseAmount(at(2), row.ctx.decimalComma);
    const qty = parseAmount(at(3), row.ctx.decimalComma);
    const total = parseAmount(at(4), row.ctx.decimalComma);
    const fee = parseAmount(at(5), row.ctx.decimalComma);
    if (!price) throw bad(2, `is not a price: ${JSON.stringify(at(2))}`);
    if (!qty) throw bad(3, `is not an amount: ${JSON.stringify(at(3))}`);
    if (!total) throw bad(4, `is not an amount: ${JSON.stringify(at(4))}`);
    if (!fee) throw bad(5, `is not a fee: ${JSON.stringify(at(5))}`);
    open.fills++;
    const id = this.occ.next(`${o.symbol}:csv:${ms}:${o.side}:${qty.value}:${price.value}`);
    const raw: Record<string, string> = {
      Date: at(1),
      'Trading Price': at(2),
      Filled: at(3),
      Total: at(4),
      Fee: at(5),
    };
    const record: CsvAccountRecord = {
      kind: 'trade',
      id,
      account: this.account,
      time: ms,
      source: 'csv',
      raw: { ...raw, order: o.row.raw() },
      symbol: o.symbol,
      baseAsset: o.baseAsset,
      quoteAsset: o.quoteAsset,
      side: o.side,
      price: price.value,
      qty: qty.value,
      quoteQty: total.value,
      fee: fee.value,
      feeAsset: fee.asset ?? (o.side === 'buy' ? o.baseAsset : o.quoteAsset),
    };
    if (o.orderId) record.orderId = o.orderId;
    const tol = Math.max(w.precision === 'minute' ? 60_000 : 0, 1000);
    return [
      {
        type: 'record',
        line: row.line,
        record,
        match: {
          rule: 'symbol-side-qty-price-time',
          tolerance: `±${tol / 1000}s`,
          since: ms - tol,
          until: ms + tol,
          test: (s) =>
            s.kind === 'trade' &&
            s.symbol === o.symbol &&
            s.side === o.side &&
            (!o.orderId || !s.orderId || s.orderId === o.orderId) &&
            s.qty === qty.value &&
            s.price === price.value,
        },
      },
    ];
  }
}
