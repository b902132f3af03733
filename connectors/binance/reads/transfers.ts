/**
 * `GET /sapi/v1/asset/transfer` (CONTRACT.md §4.20): universal transfers between the holder's wallets.
 * `type` is required, so each type is its own stream; only the last 6 months can be queried; paged by
 * `current`/`size` (max 100). The isolated-margin types also need the isolated account's symbol
 * (`fromSymbol`/`toSymbol`): one stream per type and symbol (or pair of symbols), see
 * {@link isolatedTransfersStream}; which symbols to ask for is the planner's choice.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { universalTransfer } from '../normalize.js';
import type { TransferSymbols } from '../normalize.js';
import { arrayField, totalField } from '../values.js';
import { DAY, sig, sortUnique, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

/** The GET takes the same type strings as the POST twin (CJS wallet 22.0.0), minus the isolated-margin ones. */
export const TRANSFER_TYPES = [
  'MAIN_FUNDING',
  'FUNDING_MAIN',
  'MAIN_UMFUTURE',
  'UMFUTURE_MAIN',
  'MAIN_CMFUTURE',
  'CMFUTURE_MAIN',
  'MAIN_MARGIN',
  'MARGIN_MAIN',
  'MAIN_C2C',
  'C2C_MAIN',
  'MAIN_MINING',
  'MINING_MAIN',
  'MAIN_PAY',
  'PAY_MAIN',
  'MAIN_OPTION',
  'OPTION_MAIN',
  'MAIN_PORTFOLIO_MARGIN',
  'PORTFOLIO_MARGIN_MAIN',
  'UMFUTURE_MARGIN',
  'MARGIN_UMFUTURE',
  'CMFUTURE_MARGIN',
  'MARGIN_CMFUTURE',
  'UMFUTURE_C2C',
  'C2C_UMFUTURE',
  'C2C_MINING',
  'C2C_MARGIN',
  'MARGIN_C2C',
  'MARGIN_MINING',
  'MINING_UMFUTURE',
  'MINING_C2C',
  'MINING_MARGIN',
  'FUNDING_UMFUTURE',
  'UMFUTURE_FUNDING',
  'FUNDING_CMFUTURE',
  'CMFUTURE_FUNDING',
  'MARGIN_FUNDING',
  'FUNDING_MARGIN',
  'UMFUTURE_OPTION',
  'OPTION_UMFUTURE',
  'MARGIN_OPTION',
  'OPTION_MARGIN',
  'FUNDING_OPTION',
  'OPTION_FUNDING',
] as const;

/**
 * The isolated-margin types and the symbol params each needs (CONTRACT.md §4.20: "fromSymbol/toSymbol
 * required for isolated-margin types"; [SWG] lists MAIN_ISOLATED_MARGIN and ISOLATED_MARGIN_MAIN for the
 * POST twin, whose type strings the GET takes). One isolated account per symbol.
 */
export const ISOLATED_TRANSFER_TYPES = {
  /** Spot → isolated account `toSymbol`. */
  MAIN_ISOLATED_MARGIN: 'to',
  /** Isolated account `fromSymbol` → spot. */
  ISOLATED_MARGIN_MAIN: 'from',
  /** Cross margin → isolated account `toSymbol`. */
  MARGIN_ISOLATEDMARGIN: 'to',
  /** Isolated account `fromSymbol` → cross margin. */
  ISOLATEDMARGIN_MARGIN: 'from',
  /** Isolated account `fromSymbol` → isolated account `toSymbol`. */
  ISOLATEDMARGIN_ISOLATEDMARGIN: 'both',
} as const satisfies Record<string, 'from' | 'to' | 'both'>;
export type IsolatedTransferType = keyof typeof ISOLATED_TRANSFER_TYPES;
/** The types that name one isolated account: four streams per candidate symbol. */
export const ISOLATED_SINGLE_TYPES = (Object.keys(ISOLATED_TRANSFER_TYPES) as IsolatedTransferType[]).filter(
  (t) => ISOLATED_TRANSFER_TYPES[t] !== 'both',
);

/** "Only the last 6 months can be queried." */
export const TRANSFER_LOOKBACK = 182 * DAY;
/** No maximum span is documented: one window covers the whole reachable half-year. */
export const TRANSFER_WINDOW = 183 * DAY;
const SIZE = 100;

/**
 * One isolated-margin type for one isolated account (`symbol`), or for `ISOLATEDMARGIN_ISOLATEDMARGIN`
 * one pair of accounts (`symbol` the source, `toSymbol` the destination). Key
 * `transfers:<type>:<symbol>` or `transfers:ISOLATEDMARGIN_ISOLATEDMARGIN:<from>><to>`.
 */
export function isolatedTransfersStream(
  type: IsolatedTransferType,
  symbol: string,
  from: (ctx: ReadContext) => number,
  toSymbol?: string,
): StreamDef {
  const side = ISOLATED_TRANSFER_TYPES[type];
  if (side === 'both' && toSymbol === undefined)
    throw new Error(`transfers: ${type} needs a source and a destination symbol`);
  const symbols: TransferSymbols =
    side === 'from'
      ? { fromSymbol: symbol }
      : side === 'to'
        ? { toSymbol: symbol }
        : { fromSymbol: symbol, toSymbol: toSymbol! };
  const key = side === 'both' ? `${symbol}>${toSymbol!}` : symbol;
  return transfersStream(type, from, symbols, `transfers:${type}:${key}`);
}

export function transfersStream(
  type: string,
  from: (ctx: ReadContext) => number,
  symbols: TransferSymbols = {},
  key = `transfers:${type}`,
): StreamDef {
  return {
    key,
    surface: 'transfers',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: Math.max(from(ctx), ctx.until - TRANSFER_LOOKBACK),
          to: ctx.until,
          windowMs: TRANSFER_WINDOW,
          overlapMs: DAY,
          async *fetchWindow(startTime, endTime): AsyncGenerator<ApiRecord[]> {
            for (let current = 1; ; current++) {
              const { body } = await ctx.client.call(
                endpoints.universalTransfers,
                { type, ...symbols, startTime, endTime, current, size: SIZE },
                { ...sig(ctx), countRecords: (b) => arrayField(b, 'rows').length },
              );
              const rows = arrayField(body, 'rows');
              yield sortUnique(rows.map((r) => universalTransfer(r, ctx.account, type, symbols)));
              const total = totalField(body);
              if (rows.length < SIZE || (total !== undefined && current * SIZE >= total)) return;
            }
          },
        },
        cursor,
      );
    },
  };
}
