/**
 * The streaming HAR reader: entries one at a time from a file of any size, plain, gzip or zlib, in bounded
 * memory (DESIGN.md convention 2). The byte scanner (scanner.ts) cuts each entry's exact bytes; each is
 * parsed with JSON.parse alone, so a broken entry costs one warning, not the file. A file cut short
 * (an export interrupted, a capture killed mid-write) yields every complete entry and a `truncated`
 * warning naming the byte where it ends.
 */
import { isUtf8 } from 'node:buffer';
import { HarError, createLogger, fileError, isLedgertapError } from '../core/index.js';
import { normalizeHarEntry, normalizeHarLog, type HarLogInfo } from './normalize.js';
import { HarScanner, NotHarSignal, type ScanResult, type ScannedElement } from './scanner.js';
import { describeHarBytes, openHarSource, type HarCompression, type HarSource } from './source.js';
import type { HarEntry } from './types.js';
import { takeElisions } from './elision.js';
import { HarWarnings } from './warnings.js';

const log = createLogger('har:reader');

/** Options of readHar. All optional. */
export interface ReadHarOptions {
  /** Complete each entry (fill missing arrays, count quirks). Default true; `false` yields entries as written. */
  normalize?: boolean;
  /** Read size in bytes. Default 1 MiB. */
  chunkSize?: number;
  /** Most bytes of JSON outside log.entries (header, pages) before the file is rejected. Default 64 MiB. */
  maxHeaderBytes?: number;
  /**
   * Largest entry parsed, in bytes. Bigger entries are skipped with an `entry_too_large` warning, so
   * memory stays bounded whatever the file holds. Default 64 MiB.
   */
  maxEntryBytes?: number;
  /**
   * Keep an entry that would be over maxEntryBytes, with its largest parts left out: a string over a quarter
   * of maxEntryBytes (a 200 MB body) and the items of an entry-level array past half of it (WebSocket frames,
   * thinned across the whole session). The entry says what was left out in `_elided` and an `entry_elided`
   * warning is counted. For readers that analyze; a tool that writes entries back keeps the default (false):
   * it must not pass on an entry with parts missing as if it were whole.
   */
  elideLarge?: boolean;
  /** Examples kept per warning kind. Default 3. */
  maxExamples?: number;
  /**
   * Scan past the entries without parsing them (none is yielded): for a first pass that needs only what
   * the log holds besides its entries, such as the pages a producer wrote after them.
   */
  skipEntries?: boolean;
  /** Stops reading when aborted (the iterator throws the signal's reason). */
  signal?: AbortSignal;
}

/** One entry with where it is in the file. */
export interface HarEntryRecord {
  entry: HarEntry;
  /** Position in log.entries (elements that could not be parsed still count, so pointers stay true). */
  index: number;
  /** Byte offset of the entry's first byte in the decompressed file. */
  offset: number;
}

/** Counts after (or during) reading. */
export interface HarReadStats {
  /** Entries yielded. */
  entries: number;
  /** Elements of log.entries skipped (unparseable or not objects). */
  skipped: number;
  /** Decompressed bytes read so far. */
  bytes: number;
  /** True when the file ended before the HAR was complete. */
  truncated: boolean;
}

/** A HAR being read. `entries()` (or `records()`) may be iterated once. */
export interface HarReader {
  readonly path: string;
  readonly compression: HarCompression;
  /** Size on disk (compressed size for gzip and zlib). */
  readonly fileSize: number;
  /**
   * The log without its entries. At open it holds what precedes the entries in the file (for most
   * producers: version, creator, browser, pages); once iteration finishes it also holds what follows them
   * (pages written last, late extensions).
   */
  readonly log: HarLogInfo;
  /** The log header exactly as the file has it (no entries, nothing filled in); set once the file is read. */
  readonly rawLog: Record<string, unknown> | undefined;
  /** True once the whole file has been read and `log` is final. */
  readonly done: boolean;
  /** Quirks and repairs counted so far (final after iteration). */
  readonly warnings: HarWarnings;
  readonly stats: HarReadStats;
  entries(): AsyncIterable<HarEntry>;
  records(): AsyncIterable<HarEntryRecord>;
  /** Reads to the end without keeping entries (to get the final log, counts and warnings). */
  drain(): Promise<void>;
  /** Stops reading and releases the file (also done when iteration ends or breaks). */
  close(): void;
}

const EMPTY_LOG: HarLogInfo = { version: '1.2', creator: { name: 'unknown', version: '' }, pages: [] };

class StreamingHarReader implements HarReader {
  log: HarLogInfo = EMPTY_LOG;
  rawLog: Record<string, unknown> | undefined;
  done = false;
  readonly warnings: HarWarnings;
  readonly stats: HarReadStats = { entries: 0, skipped: 0, bytes: 0, truncated: false };
  private readonly scanner: HarScanner;
  private queue: HarEntryRecord[] = [];
  private queueHead = 0;
  private iterated = false;
  private first = true;
  private closed = false;
  private readonly normalize: boolean;

  constructor(
    readonly path: string,
    private readonly source: HarSource,
    private readonly options: ReadHarOptions,
  ) {
    this.warnings = new HarWarnings(options.maxExamples ?? 3);
    const maxEntry = options.maxEntryBytes ?? 64 * 1024 * 1024;
    this.scanner = new HarScanner(
      options.maxHeaderBytes ?? 64 * 1024 * 1024,
      maxEntry,
      options.elideLarge ? { maxStringBytes: maxEntry / 4, arrayBudget: maxEntry / 2 } : undefined,
    );
    this.normalize = options.normalize ?? true;
  }

  get compression(): HarCompression {
    return this.source.compression;
  }
  get fileSize(): number {
    return this.source.fileSize;
  }

  /** Reads until the entries array begins (or the file ends), so `log` holds the header. */
  async open(): Promise<void> {
    while (!this.scanner.inEntries && !this.done) await this.fill();
    const header = this.scanner.headerSoFar();
    if (header !== undefined && !this.done) this.log = this.parseLog(header, true);
  }

  /** Reads one more chunk; on the last one, finishes. */
  private async fill(): Promise<void> {
    if (this.options.signal?.aborted) {
      this.close();
      throw this.options.signal.reason instanceof Error ? this.options.signal.reason : new Error('aborted');
    }
    let next: IteratorResult<Buffer>;
    try {
      next = await this.source.chunks.next();
    } catch (error) {
      if (isLedgertapError(error)) throw error;
      const known = fileError(this.path, error);
      if (known) throw known;
      // A corrupt compressed stream: keep what was decompressed before the damage.
      log('%s: decompression failed: %s', this.path, (error as Error).message);
      this.warnings.add('compressed_data_corrupt', {
        byteOffset: this.scanner.bytesSeen,
        detail: (error as Error).message,
      });
      next = { done: true, value: undefined };
    }
    if (next.done) {
      this.finish();
      return;
    }
    let chunk = next.value;
    if (this.first) chunk = this.sniff(chunk);
    try {
      this.scanner.push(chunk, (element) => this.onElement(element));
    } catch (error) {
      this.close();
      throw this.notHar(error);
    }
  }

  /** Checks the first bytes: BOM, UTF-16, HTML, arrays, binary. */
  private sniff(chunk: Buffer): Buffer {
    this.first = false;
    const encoding = this.source.encoding; // har/source.ts converts UTF-16 to UTF-8; count it here
    if (encoding !== undefined && encoding !== 'utf-8') this.warnings.add('utf16_file', { detail: encoding });
    let start = 0;
    if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      this.warnings.add('bom', { byteOffset: 0 });
      start = 3;
    }
    let i = start;
    while (
      i < chunk.length &&
      (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d || chunk[i] === 0x09)
    )
      i++;
    if (i < chunk.length && chunk[i] !== 0x7b) {
      this.close();
      const what = describeHarBytes(chunk.subarray(0, 512));
      throw new HarError('not_har', `${this.path}: not a HAR file: it is ${what}.`, {
        hint: 'Give a HAR 1.2 file (a JSON object with log.entries), as exported by a browser or proxy.',
        details: { file: this.path, looksLike: what },
      });
    }
    if (chunk.length > 1 && (chunk[1] === 0 || chunk[0] === 0)) {
      this.close();
      const what = describeHarBytes(chunk.subarray(0, 512));
      throw new HarError('not_har', `${this.path}: not a HAR file: it is ${what}.`, {
        details: { file: this.path, looksLike: what },
      });
    }
    return start > 0 ? chunk.subarray(start) : chunk;
  }

  private notHar(error: unknown): unknown {
    if (!(error instanceof NotHarSignal)) return error;
    if (error.reason === 'not_object') {
      return new HarError(
        'not_har',
        `${this.path}: not a HAR file: byte ${error.offset}: ${error.message}.`,
        {
          details: { file: this.path, byteOffset: error.offset },
        },
      );
    }
    if (error.reason === 'header_too_large') {
      return new HarError(
        'not_har',
        `${this.path}: not a HAR file: ${error.message} (byte ${error.offset}).`,
        {
          hint: 'A HAR keeps its data in log.entries; check that this is a HAR export.',
          details: { file: this.path, byteOffset: error.offset },
        },
      );
    }
    return new HarError(
      'invalid_json',
      `${this.path}: byte ${error.offset}: invalid JSON: ${error.message}.`,
      {
        hint: 'The file is damaged outside its entries; re-export it.',
        details: { file: this.path, byteOffset: error.offset },
      },
    );
  }

  private onElement(element: ScannedElement): void {
    if (this.options.skipEntries) return;
    const { bytes, offset, index } = element;
    if (element.oversize !== undefined) {
      this.stats.skipped++;
      this.warnings.add('entry_too_large', {
        entry: index,
        pointer: `/log/entries/${index}`,
        byteOffset: offset,
        detail: `${element.oversize} bytes`,
      });
      return;
    }
    if (!isUtf8(bytes)) this.warnings.add('file_not_utf8', { entry: index, byteOffset: offset });
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      this.stats.skipped++;
      this.warnings.add('unparseable_entry', {
        entry: index,
        pointer: `/log/entries/${index}`,
        byteOffset: offset,
        detail: (error as Error).message.slice(0, 120),
      });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.stats.skipped++;
      this.warnings.add('entry_not_object', {
        entry: index,
        pointer: `/log/entries/${index}`,
        byteOffset: offset,
        detail: value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value,
      });
      return;
    }
    const elided = element.elided ? takeElisions(value as Record<string, unknown>, element.elided) : [];
    const entry = this.normalize
      ? normalizeHarEntry(value as Record<string, unknown>, index, this.warnings)
      : (value as HarEntry);
    if (elided.length > 0) {
      entry._elided = elided;
      this.warnings.add('entry_elided', {
        entry: index,
        pointer: `/log/entries/${index}`,
        byteOffset: offset,
        detail: elided
          .map((e) => `${e.pointer}: ${e.items !== undefined ? `${e.items} items, ` : ''}${e.bytes} bytes`)
          .join('; '),
      });
    }
    this.queue.push({ entry, index, offset });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.source.close();
    const result = this.scanner.end();
    this.stats.bytes = result.bytes;
    if (!this.scanner.hasStarted) {
      throw new HarError('empty', `${this.path}: empty file (no JSON in it, only whitespace), not a HAR.`, {
        hint: 'Export the capture again; the export may have failed.',
        details: { file: this.path },
      });
    }
    if (!result.sawLog) {
      if (!result.complete) {
        throw new HarError(
          'truncated',
          `${this.path}: the file ends at byte ${result.bytes} before a "log" object begins: truncated, or not a HAR.`,
          { hint: 'Re-export the capture.', details: { file: this.path, byteOffset: result.bytes } },
        );
      }
      const keys = result.rootKeys.length ? result.rootKeys.slice(0, 8).join(', ') : 'none';
      throw new HarError(
        'not_har',
        `${this.path}: not a HAR file: a JSON object without "log" (its keys: ${keys}).`,
        {
          hint: 'Give a HAR 1.2 file (a JSON object with log.entries), as exported by a browser or proxy.',
          details: { file: this.path, looksLike: 'a JSON object without log', keys: result.rootKeys },
        },
      );
    }
    if (!result.sawEntries && result.complete) {
      const keys = result.logKeys.length ? result.logKeys.slice(0, 8).join(', ') : 'none';
      throw new HarError(
        'not_har',
        `${this.path}: not a HAR file: "log" has no "entries" array (its keys: ${keys}).`,
        {
          hint: 'Give a HAR 1.2 file (a JSON object with log.entries).',
          details: { file: this.path, looksLike: 'a JSON object without log.entries', keys: result.logKeys },
        },
      );
    }
    if (!result.complete) this.reportTruncation(result);
    if (result.trailingDataOffset !== undefined) {
      this.warnings.add('trailing_data', { byteOffset: result.trailingDataOffset });
    }
    this.log = this.parseLog(result.remainder, false);
  }

  private reportTruncation(result: ScanResult): void {
    this.stats.truncated = true;
    const where = this.compression === 'none' ? '' : ' (decompressed)';
    const salvaged = this.stats.entries + (this.queue.length - this.queueHead);
    const partial =
      result.partialElementOffset !== undefined
        ? `; the entry starting at byte ${result.partialElementOffset} is incomplete and was dropped`
        : '';
    this.warnings.add('truncated', {
      byteOffset: result.bytes,
      detail: `the file ends at byte ${result.bytes}${where} before the HAR is complete; ${salvaged} complete entries salvaged${partial}`,
    });
  }

  private parseLog(text: string, partial: boolean): HarLogInfo {
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch (error) {
      if (!partial)
        this.warnings.add('invalid_log_header', { detail: (error as Error).message.slice(0, 120) });
      return EMPTY_LOG;
    }
    const logValue = (root as { log?: unknown }).log;
    if (typeof logValue !== 'object' || logValue === null || Array.isArray(logValue)) return EMPTY_LOG;
    if (!partial) this.rawLog = structuredClone(logValue) as Record<string, unknown>;
    // Header warnings are counted once, on the final parse.
    return normalizeHarLog(logValue as Record<string, unknown>, partial ? new HarWarnings() : this.warnings);
  }

  async *records(): AsyncGenerator<HarEntryRecord> {
    if (this.iterated) {
      throw new HarError('reread', `${this.path}: entries can be iterated once per readHar call.`, {
        hint: 'Call readHar again to read the file again.',
      });
    }
    this.iterated = true;
    try {
      for (;;) {
        while (this.queueHead < this.queue.length) {
          const record = this.queue[this.queueHead++]!;
          this.stats.entries++;
          yield record;
        }
        this.queue = [];
        this.queueHead = 0;
        if (this.done) return;
        await this.fill();
        this.stats.bytes = this.scanner.bytesSeen;
      }
    } finally {
      if (!this.done) this.close();
    }
  }

  async *entries(): AsyncGenerator<HarEntry> {
    for await (const record of this.records()) yield record.entry;
  }

  async drain(): Promise<void> {
    for await (const _ of this.records()) {
      // Counting only.
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.close();
  }
}

/**
 * Opens a HAR for streaming. Resolves once the header before the entries is read (so `log` holds version,
 * creator and, for most producers, pages); throws HarError (`har.not_har`, `har.empty`, `har.truncated`,
 * `har.invalid_json`) or InputError (`input.not_found`, …) naming the file when it cannot be a HAR.
 */
export async function readHar(path: string, options: ReadHarOptions = {}): Promise<HarReader> {
  const source = await openHarSource(path, options.chunkSize ?? 1024 * 1024);
  const reader = new StreamingHarReader(path, source, options);
  try {
    await reader.open();
  } catch (error) {
    reader.close();
    throw error;
  }
  return reader;
}

/** Reads a whole HAR into memory (small files, tests): log with every entry, and the warnings. */
export async function readHarFile(
  path: string,
  options: ReadHarOptions = {},
): Promise<{ log: HarLogInfo & { entries: HarEntry[] }; warnings: HarWarnings; stats: HarReadStats }> {
  const reader = await readHar(path, options);
  const entries: HarEntry[] = [];
  for await (const entry of reader.entries()) entries.push(entry);
  return { log: { ...reader.log, entries }, warnings: reader.warnings, stats: reader.stats };
}
