/**
 * The sandbox's Data Download Center: `GET /__sandbox/export/<kind>.csv` serves the account's records as
 * the real exports write them (csv-formats.md), consistent with `/__sandbox/truth`. Query parameters
 * choose the real variants and quirks:
 * - `variant`: the header generation (`transaction-history`: 2019 | 2021 | 2025; others see EXPORT_KINDS);
 * - `tz`: the zone times are written in (`UTC+2`); where it lands (header, file name) follows the variant;
 * - `quoting`: `minimal` | `all` | `excel` (each whole row one quoted field, as after an Excel round-trip);
 * - `delimiter`: `comma` | `semicolon`; `bom`: 1 for a UTF-8 BOM; `encoding`: `utf-16le` (Excel's "Unicode text");
 * - `from`, `to`: the date range (epoch ms or ISO 8601, inclusive), so overlapping exports can be asked for.
 * It never imports connectors/: the importer and these exports are written independently (DESIGN.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxAccount } from '../data/model.js';
import { DEDICATED_EXPORTS, inRange, type ExportTable } from './dedicated.js';
import { csvLine, formatTime, offsetLabel, parseOffset, type LineStyle, type Quoting } from './format.js';
import { statementRows } from './statement.js';

/** Every export name (the `<kind>` of `/__sandbox/export/<kind>.csv`) with its variants, default first. */
export const EXPORT_KINDS: Readonly<Record<string, readonly string[]>> = {
  'transaction-history': ['2021', '2019', '2025'],
  ...Object.fromEntries(Object.entries(DEDICATED_EXPORTS).map(([k, v]) => [k, v.variants])),
};

/** A rendered export: its download file name and its content as chunks (bounded memory). */
export interface RenderedExport {
  fileName: string;
  encoding: 'utf-8' | 'utf-16le';
  chunks: Iterable<string>;
}

/** A request the exports refuse: HTTP 400/404 with a message. */
export class ExportRequestError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** Export options as query parameters give them. */
export interface ExportOptions {
  variant?: string | null;
  tz?: string | null;
  quoting?: string | null;
  delimiter?: string | null;
  bom?: string | null;
  encoding?: string | null;
  /** Date range (epoch ms or an ISO 8601 date/time, inclusive): the Data Download Center asks for one. */
  from?: string | null;
  to?: string | null;
}

function parseBound(name: string, text: string | null | undefined): number | undefined {
  if (text === null || text === undefined || text === '') return undefined;
  const ms = /^\d{10,13}$/.test(text)
    ? Number(text)
    : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms))
    throw new ExportRequestError(400, `${name} ${JSON.stringify(text)} is not epoch ms or an ISO 8601 date`);
  return ms;
}

function stamp(ms: number, offset: number): string {
  return formatTime(ms, offset).replace(/[-: ]/g, '').slice(0, 12);
}

function* statementTable(
  account: SandboxAccount,
  variant: string,
  offset: number,
  uid: string,
  range: { from?: number; to?: number },
): Generator<string[]> {
  const generation = variant === '2025' ? 'new' : 'old';
  for (const r of statementRows(account, generation)) {
    if (!inRange(range, r.time)) continue;
    if (variant === '2019') yield [formatTime(r.time, 0), r.account, r.operation, r.coin, r.change, r.remark];
    else if (variant === '2021')
      yield [uid, formatTime(r.time, 0), r.account, r.operation, r.coin, r.change, r.remark];
    else yield [uid, formatTime(r.time, offset, 'yy'), r.account, r.operation, r.coin, r.change, r.remark];
  }
}

/** Renders one export, or throws an ExportRequestError for an unknown kind or a bad parameter. */
export function renderExport(
  account: SandboxAccount,
  kind: string,
  options: ExportOptions = {},
): RenderedExport {
  const variants = EXPORT_KINDS[kind];
  if (!variants)
    throw new ExportRequestError(
      404,
      `no export named ${JSON.stringify(kind)}; known: ${Object.keys(EXPORT_KINDS).join(', ')}`,
    );
  const variant = options.variant ?? variants[0]!;
  if (!variants.includes(variant))
    throw new ExportRequestError(
      400,
      `${kind}: variant ${JSON.stringify(variant)} unknown; known: ${variants.join(', ')}`,
    );
  const offset = parseOffset(options.tz);
  if (offset === undefined)
    throw new ExportRequestError(400, `tz ${JSON.stringify(options.tz)} is not an offset like UTC+2`);
  const quoting = (options.quoting ?? 'minimal') as Quoting;
  if (!['minimal', 'all', 'excel'].includes(quoting))
    throw new ExportRequestError(400, `quoting must be minimal, all or excel`);
  const delimiter = options.delimiter === 'semicolon' || options.delimiter === ';' ? ';' : ',';
  const encoding = options.encoding === 'utf-16le' || options.encoding === 'utf16' ? 'utf-16le' : 'utf-8';
  const style: LineStyle = { delimiter, quoting };
  const range = {
    ...(parseBound('from', options.from) !== undefined ? { from: parseBound('from', options.from)! } : {}),
    ...(parseBound('to', options.to) !== undefined ? { to: parseBound('to', options.to)! } : {}),
  };
  const stampText = stamp(account.asOf, offset);
  let table: ExportTable;
  let fileName: string;
  let bom = options.bom === '1' || options.bom === 'true';
  if (kind === 'transaction-history') {
    const uid = String(account.uid);
    const header =
      variant === '2019'
        ? ['UTC_Time', 'Account', 'Operation', 'Coin', 'Change', 'Remark']
        : variant === '2021'
          ? ['User_ID', 'UTC_Time', 'Account', 'Operation', 'Coin', 'Change', 'Remark']
          : ['User ID', 'Time', 'Account', 'Operation', 'Coin', 'Change', 'Remark'];
    // 2025 exports write local times and put the offset only in the file name, after a BOM.
    if (variant === '2025') bom = true;
    fileName =
      variant === '2025'
        ? `Binance-Transaction-History-${stampText}(${offsetLabel(offset)}).csv`
        : `Binance-Transaction-History-${stampText}.csv`;
    table = { header, rows: statementTable(account, variant, offset, uid, range) };
  } else {
    const spec = DEDICATED_EXPORTS[kind]!;
    table = spec.build(account, { variant, offset, ...range });
    // Exports whose header names no zone carry it in the file name when it is not UTC.
    const zoneInName = offset !== 0 && !table.header.some((h) => /\(UTC/.test(h));
    fileName = `${spec.fileName}-${stampText}${zoneInName ? `(${offsetLabel(offset)})` : ''}.csv`;
  }
  function* chunks(): Generator<string> {
    let buffer = (bom ? '\ufeff' : '') + csvLine(table.header, style);
    for (const row of table.rows) {
      buffer += csvLine(row, style);
      if (buffer.length > 64 * 1024) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  return { fileName, encoding, chunks: chunks() };
}

/**
 * Serves `/__sandbox/export/<kind>.csv` on a Node HTTP response (the sandbox admin server calls it with
 * the kind from the path). Streams with back-pressure; answers 400/404 as JSON for bad requests.
 */
export async function handleExportRequest(
  account: SandboxAccount,
  kind: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  let rendered: RenderedExport;
  try {
    rendered = renderExport(account, kind.replace(/\.csv$/, ''), {
      variant: url.searchParams.get('variant'),
      tz: url.searchParams.get('tz'),
      quoting: url.searchParams.get('quoting'),
      delimiter: url.searchParams.get('delimiter'),
      bom: url.searchParams.get('bom'),
      encoding: url.searchParams.get('encoding'),
      from: url.searchParams.get('from'),
      to: url.searchParams.get('to'),
    });
  } catch (error) {
    if (!(error instanceof ExportRequestError)) throw error;
    res.writeHead(error.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: error.message }));
    return;
  }
  res.writeHead(200, {
    'content-type': `text/csv; charset=${rendered.encoding}`,
    'content-disposition': `attachment; filename="${rendered.fileName}"`,
  });
  let first = true;
  for (const chunk of rendered.chunks) {
    let bytes: Buffer;
    if (rendered.encoding === 'utf-16le') {
      bytes = Buffer.from(chunk, 'utf16le');
      if (first) bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), bytes]);
    } else {
      bytes = Buffer.from(chunk, 'utf8');
    }
    first = false;
    if (!res.write(bytes)) await new Promise<void>((resolve) => res.once('drain', resolve));
  }
  res.end();
}

/** The path pattern the admin server routes here. */
export const EXPORT_PATH = /^\/__sandbox\/export\/([a-z0-9-]+)\.csv$/;

/** The handler of one export for the sandbox server's registry (`SandboxState.registerExport`). */
export type ExportHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { account: SandboxAccount },
) => Promise<void>;

/** Every Data Download Center export as a handler by kind, for the sandbox server to register at start. */
export function dataDownloadExports(): Record<string, ExportHandler> {
  return Object.fromEntries(
    Object.keys(EXPORT_KINDS).map((kind) => [
      kind,
      (req, res, ctx) => handleExportRequest(ctx.account, kind, req, res),
    ]),
  );
}
