/**
 * Tolerated deviations: every quirk the reader accepts is counted here by kind, with a few examples, so
 * nothing is silently dropped and nothing real producers write is fatal.
 */

/** `info`: allowed by HAR 1.2 but worth knowing (base64 bodies, -1 sizes); `warning`: a spec deviation the reader repaired or a loss. */
export type HarWarningSeverity = 'info' | 'warning';

/** Where one occurrence of a quirk was seen. */
export interface HarWarningExample {
  /** Index of the entry in the file (0-based), when the quirk is inside an entry. */
  entry?: number;
  /** JSON Pointer into the file (`/log/entries/3/request/headers`). */
  pointer?: string;
  /** Byte offset in the (decompressed) file, when the quirk is about the bytes themselves. */
  byteOffset?: number;
  /** A short, secret-free description: a header name, a method, a value kind. */
  detail?: string;
}

/** One kind of tolerated deviation with its count and up to `maxExamples` examples. */
export interface HarWarning {
  kind: HarWarningKind;
  severity: HarWarningSeverity;
  /** One sentence: what was seen and what the reader did about it. */
  message: string;
  count: number;
  examples: HarWarningExample[];
}

const catalog = {
  bom: ['info', 'the file starts with a UTF-8 byte order mark (skipped)'],
  utf16_file: [
    'warning',
    'the file is UTF-16 (Fiddler, PowerShell), not UTF-8 as HAR 1.2 says; it was converted while reading (byte offsets are into the UTF-8 text)',
  ],
  truncated: ['warning', 'the file ends before the HAR is complete; every complete entry was salvaged'],
  trailing_data: ['warning', 'data after the end of the HAR object was ignored'],
  unparseable_entry: ['warning', 'an entry is not valid JSON and was skipped'],
  entry_too_large: [
    'warning',
    'an entry is larger than maxEntryBytes and was skipped (memory stays bounded)',
  ],
  entry_elided: [
    'warning',
    'an entry is larger than maxEntryBytes: its largest parts were left out (listed in _elided) and the rest read',
  ],
  entry_not_object: ['warning', 'an element of log.entries is not an object and was skipped'],
  file_not_utf8: ['warning', 'the file holds bytes that are not valid UTF-8 (decoded with U+FFFD)'],
  compressed_data_corrupt: ['warning', 'the compressed stream is corrupt; data up to the damage was read'],
  invalid_log_header: [
    'warning',
    'the log header (outside entries) is not valid JSON; its fields were ignored',
  ],
  duplicate_log_key: ['warning', 'log has a key more than once; the last one was kept'],
  missing_version: ['warning', 'log.version is missing (assumed 1.2)'],
  missing_creator: ['warning', 'log.creator is missing (filled with "unknown")'],
  coerced_type: [
    'warning',
    'a field has the wrong JSON type (a number written as a string, …) and was converted',
  ],
  missing_request: ['warning', 'an entry has no request object (filled with an empty GET)'],
  missing_response: ['warning', 'an entry has no response object (filled with status 0)'],
  missing_started_date_time: ['warning', 'an entry has no startedDateTime (left empty)'],
  invalid_started_date_time: ['warning', 'an entry has a startedDateTime that is not an ISO 8601 date'],
  missing_time: ['warning', 'an entry has no total time (set to -1)'],
  negative_time: ['info', 'an entry has time -1 (not available)'],
  missing_timings: ['warning', 'an entry has no timings (filled with -1)'],
  negative_timing: ['info', 'a send, wait or receive timing is -1 (not available)'],
  missing_cache: ['info', 'an entry has no cache object (filled with {})'],
  missing_pageref: ['info', 'an entry has no pageref (not tied to a page)'],
  missing_method: ['warning', 'a request has no method (set to GET)'],
  missing_url: ['warning', 'a request has no url (left empty)'],
  invalid_url: ['warning', 'a request url cannot be parsed as an absolute URL'],
  missing_http_version: ['warning', 'a request or response has no httpVersion (left empty)'],
  missing_cookies: ['warning', 'a request or response has no cookies array (filled with [])'],
  missing_headers: ['warning', 'a request or response has no headers array (filled with [])'],
  invalid_header: [
    'warning',
    'a header, cookie or query parameter is not a {name, value} pair of strings (coerced)',
  ],
  missing_query_string: ['warning', 'a request has no queryString array (filled with [])'],
  missing_headers_size: ['warning', 'a request or response has no headersSize (set to -1)'],
  missing_body_size: ['warning', 'a request or response has no bodySize (set to -1)'],
  negative_size: ['info', 'a headersSize, bodySize or content.size is -1 (not available)'],
  missing_post_params: ['info', 'postData has no params array (text-only body; filled with [])'],
  missing_post_mime_type: ['warning', 'postData has no mimeType (left empty)'],
  base64_request_body: ['warning', 'a request body is base64 (non-standard postData.encoding or _content)'],
  base64_response_body: ['info', 'a response body is base64 (content.encoding)'],
  non_utf8_body: ['info', 'a body declared as text is not valid UTF-8 (kept as bytes)'],
  lossy_body_text: ['warning', 'a body text holds U+FFFD replacement characters: the producer lost bytes'],
  missing_content: ['warning', 'a response has no content object (filled with an empty one)'],
  missing_mime_type: ['warning', 'response content has no mimeType (left empty)'],
  missing_content_size: ['warning', 'response content has no size (computed from the text)'],
  missing_status: ['warning', 'a response has no status (set to 0)'],
  missing_status_text: ['warning', 'a response has no statusText (left empty)'],
  missing_redirect_url: ['warning', 'a response has no redirectURL (left empty)'],
  no_response: ['info', 'a request got no response (status 0: blocked, failed or aborted)'],
  empty_response: ['info', 'a response has a 0-byte body'],
  nonstandard_method: ['info', 'a request uses a method outside RFC 9110 and PATCH (PURGE, PROPFIND, …)'],
  ipv6_host: ['info', 'a request goes to an IPv6 host ([::1], …)'],
  duplicate_header: ['info', 'a request or response has the same header more than once'],
  http2_pseudo_header: ['info', 'headers include HTTP/2 pseudo-headers (:authority, :path, …)'],
  polly_binary_body: [
    'info',
    'a body is a Polly.JS list of hex chunks; it was decoded (and decompressed per Content-Encoding)',
  ],
  undecodable_binary_body: [
    'warning',
    'a Polly.JS binary body does not decompress per its Content-Encoding; its raw bytes were kept as base64',
  ],
  websocket_messages: ['info', 'an entry carries WebSocket frames (_webSocketMessages)'],
} as const satisfies Record<string, readonly [HarWarningSeverity, string]>;

/** Every kind of tolerated deviation the reader knows. */
export type HarWarningKind = keyof typeof catalog;

/** The catalog of warning kinds: severity and message of each. */
export function harWarningKinds(): { kind: HarWarningKind; severity: HarWarningSeverity; message: string }[] {
  return (Object.keys(catalog) as HarWarningKind[]).map((kind) => ({
    kind,
    severity: catalog[kind][0],
    message: catalog[kind][1],
  }));
}

/** Counts warnings by kind, keeping the first few examples of each. */
export class HarWarnings {
  private readonly byKind = new Map<HarWarningKind, HarWarning>();

  constructor(private readonly maxExamples = 3) {}

  add(kind: HarWarningKind, example: HarWarningExample = {}): void {
    let warning = this.byKind.get(kind);
    if (!warning) {
      const [severity, message] = catalog[kind];
      warning = { kind, severity, message, count: 0, examples: [] };
      this.byKind.set(kind, warning);
    }
    warning.count += 1;
    if (warning.examples.length < this.maxExamples) warning.examples.push(example);
  }

  /** True while `kind` still keeps examples: callers skip building one (a JSON Pointer string) when false. */
  wantsExample(kind: HarWarningKind): boolean {
    const warning = this.byKind.get(kind);
    return !warning || warning.examples.length < this.maxExamples;
  }

  /** Counts one more `kind` without an example (the hot path once examples are full). */
  bump(kind: HarWarningKind): void {
    const warning = this.byKind.get(kind);
    if (warning) warning.count += 1;
    else this.add(kind);
  }

  /** How many times `kind` was seen (0 when never). */
  count(kind: HarWarningKind): number {
    return this.byKind.get(kind)?.count ?? 0;
  }

  /** All kinds seen, warnings before infos, then by count. */
  list(): HarWarning[] {
    return [...this.byKind.values()].sort(
      (a, b) =>
        (a.severity === b.severity ? 0 : a.severity === 'warning' ? -1 : 1) ||
        b.count - a.count ||
        a.kind.localeCompare(b.kind),
    );
  }

  /** Total occurrences; `severity` narrows to one level. */
  total(severity?: HarWarningSeverity): number {
    let sum = 0;
    for (const w of this.byKind.values()) if (!severity || w.severity === severity) sum += w.count;
    return sum;
  }

  /** Adds every count and example of `other` into this one (merging several files' warnings). */
  merge(other: HarWarnings): void {
    for (const w of other.list()) {
      let mine = this.byKind.get(w.kind);
      if (!mine) {
        mine = { ...w, count: 0, examples: [] };
        this.byKind.set(w.kind, mine);
      }
      mine.count += w.count;
      for (const example of w.examples)
        if (mine.examples.length < this.maxExamples) mine.examples.push(example);
    }
  }
}
