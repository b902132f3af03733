/**
 * What is in a HAR, in one streaming pass: producer, counts by host, method, status class and content
 * type, body bytes, time span, pages and the reader's warnings. Backs `ledgertap har inspect`.
 */
import { harEntryHost } from './body.js';
import type { HarLogInfo } from './normalize.js';
import { readHar, type ReadHarOptions } from './reader.js';
import type { HarCompression } from './source.js';
import type { HarEntry } from './types.js';
import type { HarWarning } from './warnings.js';

/** A HAR summarized. Counts are `{ key: count }`, sorted by count, highest first. */
export interface HarSummary {
  file: string;
  compression: HarCompression;
  /** Size on disk (compressed size for gzip and zlib). */
  fileBytes: number;
  /** Decompressed JSON bytes read. */
  jsonBytes: number;
  producer: { name: string; version: string; comment?: string };
  browser?: { name: string; version: string };
  entries: number;
  truncated: boolean;
  hosts: Record<string, number>;
  methods: Record<string, number>;
  /** `2xx`, `3xx`, `4xx`, `5xx`, `1xx`, and `none` for status 0 (no response). */
  statusClasses: Record<string, number>;
  /** Response mime types without parameters (`application/json`). */
  contentTypes: Record<string, number>;
  /** Request body bytes (postData, decoded) and response body bytes (content.size, or the decoded text). */
  requestBodyBytes: number;
  responseBodyBytes: number;
  /** First request start and last response end, ISO 8601 UTC; undefined when no entry has a valid date. */
  timeSpan: { start: string; end: string; durationMs: number } | undefined;
  pages: { id: string; title: string; startedDateTime: string }[];
  warnings: HarWarning[];
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sorted(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

function requestBytes(entry: HarEntry): number {
  const p = entry.request.postData;
  if (p && typeof p.text === 'string') {
    return p.encoding === 'base64' ? Buffer.byteLength(p.text, 'base64') : Buffer.byteLength(p.text, 'utf8');
  }
  return entry.request.bodySize > 0 ? entry.request.bodySize : 0;
}

function responseBytes(entry: HarEntry): number {
  const c = entry.response.content;
  if (c.size >= 0 && (c.size > 0 || !c.text)) return c.size;
  if (typeof c.text === 'string') {
    return c.encoding === 'base64' ? Buffer.byteLength(c.text, 'base64') : Buffer.byteLength(c.text, 'utf8');
  }
  return 0;
}

/** Accumulates a summary entry by entry (also used by merge and filter to report what they wrote). */
export class HarSummaryBuilder {
  entries = 0;
  private readonly hosts = new Map<string, number>();
  private readonly methods = new Map<string, number>();
  private readonly statuses = new Map<string, number>();
  private readonly types = new Map<string, number>();
  requestBodyBytes = 0;
  responseBodyBytes = 0;
  private start = Infinity;
  private end = -Infinity;

  add(entry: HarEntry): void {
    this.entries++;
    bump(this.hosts, harEntryHost(entry) || '(no host)');
    bump(this.methods, entry.request.method.toUpperCase());
    const status = entry.response.status;
    bump(
      this.statuses,
      status > 0 && status < 600 ? `${Math.floor(status / 100)}xx` : status === 0 ? 'none' : 'other',
    );
    const mime = entry.response.content.mimeType.split(';')[0]!.trim().toLowerCase();
    bump(this.types, mime || '(none)');
    this.requestBodyBytes += requestBytes(entry);
    this.responseBodyBytes += responseBytes(entry);
    const t = Date.parse(entry.startedDateTime);
    if (Number.isFinite(t)) {
      if (t < this.start) this.start = t;
      const finish = t + (entry.time > 0 ? entry.time : 0);
      if (finish > this.end) this.end = finish;
    }
  }

  counts(): Pick<HarSummary, 'hosts' | 'methods' | 'statusClasses' | 'contentTypes'> {
    return {
      hosts: sorted(this.hosts),
      methods: sorted(this.methods),
      statusClasses: sorted(this.statuses),
      contentTypes: sorted(this.types),
    };
  }

  timeSpan(): HarSummary['timeSpan'] {
    if (!Number.isFinite(this.start)) return undefined;
    return {
      start: new Date(this.start).toISOString(),
      end: new Date(this.end).toISOString(),
      durationMs: Math.round(this.end - this.start),
    };
  }
}

function producerOf(log: HarLogInfo): HarSummary['producer'] {
  const p: HarSummary['producer'] = { name: log.creator.name, version: log.creator.version };
  if (log.creator.comment) p.comment = log.creator.comment;
  return p;
}

/** Summarizes one HAR file in a single streaming pass. */
export async function inspectHar(
  path: string,
  options: Pick<ReadHarOptions, 'chunkSize' | 'signal'> = {},
): Promise<HarSummary> {
  // Elided rather than skipped: an oversized entry still counts in the summary (its URL, status, timings).
  const reader = await readHar(path, { ...options, elideLarge: true });
  const builder = new HarSummaryBuilder();
  for await (const entry of reader.entries()) builder.add(entry);
  const log = reader.log;
  const summary: HarSummary = {
    file: path,
    compression: reader.compression,
    fileBytes: reader.fileSize,
    jsonBytes: reader.stats.bytes,
    producer: producerOf(log),
    entries: builder.entries,
    truncated: reader.stats.truncated,
    ...builder.counts(),
    requestBodyBytes: builder.requestBodyBytes,
    responseBodyBytes: builder.responseBodyBytes,
    timeSpan: builder.timeSpan(),
    pages: log.pages.map((p) => ({
      id: String(p.id),
      title: String(p.title ?? ''),
      startedDateTime: String(p.startedDateTime ?? ''),
    })),
    warnings: reader.warnings.list(),
  };
  if (log.browser) summary.browser = { name: log.browser.name, version: log.browser.version };
  return summary;
}
