/**
 * The entry-by-entry HAR writer (DESIGN.md convention 2): the log header goes out first, then each entry
 * as it comes, then pages and late extensions; the whole log is never in memory.
 *
 * Crash safety: everything is written to `<out>.partial` beside the target and renamed into place on
 * `close()`. A process killed mid-capture leaves `<out>.partial`, a HAR cut short that `readHar` salvages
 * (every complete entry, with a `truncated` warning); `checkpoint()` makes sure what was written so far is
 * on disk (and, for gzip, decodable). `abort()` removes the partial file. The partial file is created
 * exclusively: an existing one (left by a crash) is never overwritten unless `overwritePartial` is set.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { constants, createGzip, type Gzip } from 'node:zlib';
import { HarError, fileError, isErrnoException } from '../core/index.js';
import type { HarCreator, HarEntry, HarPage } from './types.js';

/** Options of createHarWriter. Only `creator` is required. */
export interface HarWriterOptions {
  /** The producer written in log.creator, e.g. `{ name: 'ledgertap', version: '0.1.0' }`. */
  creator: HarCreator;
  /** log.browser, when a browser produced the traffic. */
  browser?: HarCreator;
  /** log.comment. */
  comment?: string;
  /** Pages known at the start; more can be added with addPage while recording. */
  pages?: HarPage[];
  /** `_`-prefixed log extensions known at the start (`_ledgertap`, …), written in the header. */
  extensions?: Record<`_${string}`, unknown>;
  /** File mode of the output, e.g. 0o600 for unredacted captures. Default 0o644. */
  mode?: number;
  /** Gzip the output. Default: when the path ends in `.gz`. */
  gzip?: boolean;
  /** Where the in-progress file goes. Default `<path>.partial`. */
  partialPath?: string;
  /** Replace a `.partial` file left by an earlier run instead of refusing. Default false. */
  overwritePartial?: boolean;
  /** Bytes buffered before a write to the file. Default 256 KiB. */
  bufferBytes?: number;
}

/** Writes one HAR entry by entry. */
export interface HarWriter {
  /** The final path (appears on close). */
  readonly path: string;
  /** The in-progress file a crash leaves behind. */
  readonly partialPath: string;
  /** Entries written so far. */
  readonly count: number;
  /** Adds a page (pages are written after the entries, so they may be added at any time before close). */
  addPage(page: HarPage): void;
  /** Sets a `_`-prefixed log extension written after the entries (the last value set wins). */
  setExtension(name: `_${string}`, value: unknown): void;
  /**
   * Appends one entry. Await it: it waits when the file is slower than the producer. `json` is the entry as
   * `JSON.stringify` writes it, when the caller made it already (merge hashes it to find copies).
   */
  write(entry: HarEntry, json?: string): Promise<void>;
  /** Flushes everything written so far to disk, so a crash after it loses nothing before it. */
  checkpoint(): Promise<void>;
  /** Ends the log, closes the file and renames it into place. Returns the final path. */
  close(): Promise<string>;
  /** Stops and removes the partial file; the target is left untouched. */
  abort(): Promise<void>;
}

class StreamingHarWriter implements HarWriter {
  count = 0;
  private readonly pages: HarPage[];
  private readonly lateExtensions = new Map<string, unknown>();
  private buffer: string[] = [];
  private buffered = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';
  private failure: unknown;
  private readonly bufferBytes: number;

  constructor(
    readonly path: string,
    readonly partialPath: string,
    private readonly file: WriteStream,
    private readonly handle: FileHandle,
    private readonly gzip: Gzip | undefined,
    private readonly options: HarWriterOptions,
  ) {
    this.pages = [...(options.pages ?? [])];
    this.bufferBytes = options.bufferBytes ?? 256 * 1024;
    const onError = (error: unknown): void => {
      this.failure ??= error;
    };
    file.on('error', onError);
    gzip?.on('error', onError);
    const log: Record<string, unknown> = { version: '1.2', creator: options.creator };
    if (options.browser) log['browser'] = options.browser;
    if (options.comment !== undefined) log['comment'] = options.comment;
    for (const [key, value] of Object.entries(options.extensions ?? {})) log[key] = value;
    const header = JSON.stringify({ log }, null, 2);
    // `{ "log": { …header… } }` opened up to insert the entries array before the log's closing brace.
    const open = header.slice(0, header.lastIndexOf('}', header.length - 2)).replace(/\s+$/, '');
    this.push(`${open},\n    "entries": [`);
  }

  private get sink(): NodeJS.WritableStream {
    return this.gzip ?? this.file;
  }

  private check(): void {
    if (this.failure) throw this.asError(this.failure);
    if (this.state !== 'open') {
      throw new HarError('writer_closed', `${this.path}: the HAR writer is already ${this.state}.`);
    }
  }

  private asError(error: unknown): Error {
    return fileError(this.partialPath, error, 'write') ?? (error as Error);
  }

  private push(text: string): void {
    this.buffer.push(text);
    this.buffered += text.length;
  }

  private async flushBuffer(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    const sink = this.sink;
    if (!sink.write(text)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          cleanup();
          resolve();
        };
        const onError = (error: unknown): void => {
          cleanup();
          reject(this.asError(error));
        };
        const cleanup = (): void => {
          sink.off('drain', onDrain);
          sink.off('error', onError);
        };
        sink.on('drain', onDrain);
        sink.on('error', onError);
      });
    }
    if (this.failure) throw this.asError(this.failure);
  }

  addPage(page: HarPage): void {
    this.check();
    this.pages.push(page);
  }

  setExtension(name: `_${string}`, value: unknown): void {
    this.check();
    if (!name.startsWith('_')) throw new HarError('bad_extension', `HAR extensions start with "_": ${name}.`);
    this.lateExtensions.set(name, value);
  }

  async write(entry: HarEntry, json?: string): Promise<void> {
    this.check();
    this.push(`${this.count === 0 ? '\n' : ',\n'}      ${json ?? JSON.stringify(entry)}`);
    this.count++;
    if (this.buffered >= this.bufferBytes) await this.flushBuffer();
  }

  async checkpoint(): Promise<void> {
    this.check();
    await this.flushBuffer();
    if (this.gzip) {
      const gzip = this.gzip;
      // A sync flush ends the deflate block, so the partial .gz decompresses up to here.
      await new Promise<void>((resolve) => gzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    }
    await new Promise<void>((resolve, reject) => {
      // An empty write resolves once everything queued before it reached the file descriptor.
      this.file.write('', (error) => (error ? reject(this.asError(error)) : resolve()));
    });
    await this.handle.datasync().catch(() => undefined);
  }

  async close(): Promise<string> {
    this.check();
    const tail: string[] = [this.count === 0 ? ']' : '\n    ]'];
    if (this.pages.length > 0) {
      tail.push(
        `,\n    "pages": [\n${this.pages.map((p) => `      ${JSON.stringify(p)}`).join(',\n')}\n    ]`,
      );
    }
    for (const [key, value] of this.lateExtensions)
      tail.push(`,\n    ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
    tail.push('\n  }\n}\n');
    this.push(tail.join(''));
    try {
      await this.flushBuffer();
      await new Promise<void>((resolve, reject) => {
        this.file.once('error', reject);
        this.file.once('close', resolve);
        this.sink.end();
      });
      if (this.failure) throw this.asError(this.failure);
      if (this.options.mode !== undefined) await chmod(this.partialPath, this.options.mode);
      await rename(this.partialPath, this.path);
    } catch (error) {
      this.state = 'aborted';
      await rm(this.partialPath, { force: true });
      throw this.asError(error);
    }
    this.state = 'closed';
    return this.path;
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.gzip?.destroy();
    await new Promise<void>((resolve) => {
      if (this.file.closed) resolve();
      else {
        this.file.once('close', () => resolve());
        this.file.destroy();
      }
    });
    await rm(this.partialPath, { force: true });
  }
}

/**
 * Opens a HAR for writing entry by entry. The file appears at `path` only on `close()`; until then it is
 * `<path>.partial` (see the module comment for crash behaviour). Gzip when `path` ends in `.gz`.
 */
export async function createHarWriter(path: string, options: HarWriterOptions): Promise<HarWriter> {
  const partialPath = options.partialPath ?? `${path}.partial`;
  const mode = options.mode ?? 0o644;
  let handle;
  try {
    handle = await open(partialPath, options.overwritePartial ? 'w' : 'wx', mode);
  } catch (error) {
    if (isErrnoException(error) && error.code === 'EEXIST') {
      throw new HarError(
        'partial_exists',
        `${partialPath}: a partial HAR from an earlier run is in the way (a crash leaves one).`,
        {
          hint: `Salvage it with \`ledgertap har merge ${partialPath} --out recovered.har\`, or delete it, then run again.`,
          details: { file: partialPath },
        },
      );
    }
    throw fileError(partialPath, error, 'write') ?? error;
  }
  const file = createWriteStream(partialPath, { fd: handle, autoClose: true });
  const gzip = (options.gzip ?? path.endsWith('.gz')) ? createGzip() : undefined;
  if (gzip) gzip.pipe(file);
  return new StreamingHarWriter(path, partialPath, file, handle, gzip, options);
}
