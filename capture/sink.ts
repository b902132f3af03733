/**
 * The one sink both capture paths feed (DESIGN.md convention 3): browser and proxy turn their events
 * into HAR entries and hand them here; the sink alone caps bodies, redacts, tags entries with their guide
 * step and source, and writes them one by one. `log._ledgertap` (consent, account, guide, redaction,
 * relations) is written when the capture closes.
 */
import { existsSync } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import {
  CaptureError,
  createLogger,
  createRedactor,
  fileError,
  isErrnoException,
  isLedgertapError,
  newRedactionKey,
  packageVersion,
} from '../core/index.js';
import { createHarWriter, readHar, type HarWriter } from '../har/index.js';
import type { HarEntry, HarValueRelation, LedgertapLogMeta } from '../har/index.js';
import { compilePiiRules, DEFAULT_PII_RULES, type PiiRule } from './pii.js';
import { EntryRedactor } from './redact-entry.js';

const log = createLogger('capture:sink');

/** Which capture path produced an entry. */
export type CaptureSource = 'browser' | 'proxy';

/** Options of {@link createHarSink}. All but `out` are optional. */
export interface HarSinkOptions {
  /** The HAR file to write. */
  out: string;
  /** Redact secrets and personal data (default true). Off: the file is still owner-only (0600). */
  redact?: boolean;
  /** The redaction key (default: 32 fresh random bytes for this capture). */
  key?: Uint8Array;
  /** Where to keep the key: default `<out>.key` (mode 0600); `false` discards it (`--forget-key`). */
  keyFile?: string | false;
  /** Personal-data rules (default DEFAULT_PII_RULES); user rules are appended to the defaults by the caller. */
  piiRules?: readonly PiiRule[];
  /** Bodies longer than this many bytes are cut and the entry is marked `_truncated` (default 16 MiB). */
  maxBodySize?: number;
  consentId?: string;
  account?: string;
  /** Guide name (or file) the session followed. */
  guide?: string;
  /** Extra fields for `log._ledgertap.capture` (target URL, hosts, tool versions). */
  captureInfo?: Record<string, unknown>;
  /** Milliseconds since the epoch (default Date.now); tests pass a fixed clock. */
  now?: () => number;
}

/** What the capture verbs print at the end. */
export interface CaptureSummary {
  out: string;
  entries: number;
  bytes: number;
  pages: number;
  relations: number;
  skippedHosts: Record<string, number>;
  redacted: boolean;
  keyFile: string | undefined;
  /** Set when writing failed part-way. */
  error?: string;
  /** When writing failed: the partial file holding every entry written before the failure. */
  partial?: string;
}

/** The sink. `add` serializes writes: callers may call it from concurrent event handlers. */
export interface HarSink {
  /** Starts a guide step: a HAR page; later entries get its id as `pageref` and `_step`. */
  startStep(id: string, title: string): void;
  /** Redacts and writes one entry. Rejects with CaptureError once writing has failed. */
  add(entry: HarEntry, source: CaptureSource): Promise<void>;
  /** Counts a request to a host outside the allowed list (not recorded). */
  skipped(host: string): void;
  /** The current step id. */
  readonly step: string | undefined;
  readonly stats: { entries: number; bytes: number; skippedHosts: Record<string, number> };
  /** The failure that stopped writing, if any. */
  readonly failure: CaptureError | undefined;
  /** Writes pages and `_ledgertap` and closes the file; safe to call twice. */
  close(extra?: { interrupted?: boolean; error?: string }): Promise<CaptureSummary>;
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

export async function createHarSink(options: HarSinkOptions): Promise<HarSink> {
  const now = options.now ?? Date.now;
  const redactEnabled = options.redact ?? true;
  const key = options.key ?? newRedactionKey();
  const keyFile =
    redactEnabled && options.keyFile !== false ? (options.keyFile ?? `${options.out}.key`) : undefined;
  const maxBody = options.maxBodySize ?? DEFAULT_MAX_BODY;
  const piiRules = options.piiRules ?? DEFAULT_PII_RULES;
  const pii = compilePiiRules(piiRules);
  const redactor = new EntryRedactor(createRedactor(key), pii);
  const startedAt = new Date(now()).toISOString();

  if (keyFile) {
    try {
      await writeFile(
        keyFile,
        `${JSON.stringify({ algorithm: 'hmac-sha256', key: Buffer.from(key).toString('hex'), har: options.out, createdAt: startedAt })}\n`,
        { mode: 0o600 },
      );
      await chmod(keyFile, 0o600);
    } catch (error) {
      throw toCaptureError(keyFile, error);
    }
  }

  // Redacted captures are written to `<out>.unswept` first: a secret may be recognised only after an
  // earlier entry carrying it was written, so close() sweeps the file once more before it becomes <out>.
  const firstPath = redactEnabled ? options.out.replace(/(\.gz)?$/, '.unswept$1') : options.out;
  let writer: HarWriter;
  try {
    // Owner-only even when redacted: a capture is the holder's financial history. bufferBytes 1: every
    // entry reaches the file as it comes, so a crash loses nothing already recorded.
    writer = await createHarWriter(firstPath, {
      creator: { name: 'ledgertap', version: packageVersion() },
      mode: 0o600,
      bufferBytes: 1,
      partialPath: `${options.out}.partial`,
    });
  } catch (error) {
    // `har.partial_exists` and friends already say what to do.
    if (isLedgertapError(error) && !isErrnoException((error as { cause?: unknown }).cause)) throw error;
    throw toCaptureError(options.out, error);
  }
  let bytes = 0;

  const pages: { id: string }[] = [];
  const skippedHosts: Record<string, number> = {};
  let step: string | undefined;
  let entries = 0;
  let failure: CaptureError | undefined;
  let queue: Promise<void> = Promise.resolve();
  let closed: Promise<CaptureSummary> | undefined;

  const cap = (entry: HarEntry): void => {
    const cut = (text: string | undefined): string | undefined => {
      if (text === undefined || text.length <= maxBody / 4) return text;
      const buffer = Buffer.from(text, 'utf8');
      if (buffer.length <= maxBody) return text;
      entry._truncated = true;
      // Cut on a character boundary: decoding a sliced buffer drops the partial last character.
      return buffer
        .subarray(0, maxBody)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
    };
    entry.response.content.text = cut(entry.response.content.text);
    if (entry.request.postData) entry.request.postData.text = cut(entry.request.postData.text);
    for (const m of entry._webSocketMessages ?? []) m.data = cut(m.data) ?? '';
  };

  const sink: HarSink = {
    startStep(id, title) {
      step = id;
      if (!pages.some((p) => p.id === id)) {
        const page = { startedDateTime: new Date(now()).toISOString(), id, title, pageTimings: {} };
        pages.push(page);
        if (!failure) writer.addPage(page);
      }
    },
    get step() {
      return step;
    },
    skipped(host) {
      skippedHosts[host] = (skippedHosts[host] ?? 0) + 1;
    },
    get stats() {
      return { entries, bytes, skippedHosts: { ...skippedHosts } };
    },
    get failure() {
      return failure;
    },
    add(entry, source) {
      const run = async (): Promise<void> => {
        if (failure) throw failure;
        if (closed) return;
        // Yield to I/O first: the browser's protocol messages (a held response waiting to continue)
        // matter more to the holder's page than redacting this entry a millisecond sooner.
        await new Promise<void>((resolve) => setImmediate(resolve));
        // Producers that know the step an entry started in (the browser recorder) set it themselves.
        if (entry._step === undefined && step !== undefined) {
          entry.pageref = step;
          entry._step = step;
        }
        entry._source = source;
        // HAR 1.2 requires these; producers that cannot know them leave them out.
        entry.cache ??= {};
        entry.timings ??= { send: 0, wait: 0, receive: 0 };
        cap(entry);
        if (redactEnabled) redactor.redact(entry, entries);
        try {
          const text = JSON.stringify(entry);
          await writer.write(entry);
          bytes += text.length;
          entries += 1;
        } catch (error) {
          failure = toCaptureError(options.out, error);
          log('write failed: %s', failure.message);
          throw failure;
        }
      };
      const result = queue.then(run);
      queue = result.catch(() => undefined);
      return result;
    },
    close(extra = {}) {
      closed ??= (async () => {
        await queue;
        const relations: HarValueRelation[] = [...redactor.tracker.relations];
        const meta: LedgertapLogMeta = {
          ...(options.consentId ? { consentId: options.consentId } : {}),
          ...(options.account ? { account: options.account } : {}),
          ...(options.guide ? { guide: options.guide } : {}),
          redaction: {
            enabled: redactEnabled,
            ...(keyFile ? { keyFile } : {}),
            ...(redactEnabled ? { rules: pii.descriptions } : {}),
            ...(redactEnabled && !keyFile ? { keyDiscarded: true } : {}),
          },
          relations,
          capture: {
            ...options.captureInfo,
            // The start URL may carry a token (a magic link, a servlet session): redacted like the entries'.
            ...(redactEnabled && typeof options.captureInfo?.url === 'string'
              ? { url: redactor.redactUrl(options.captureInfo.url, 'log._ledgertap.capture.url') }
              : {}),
            startedAt,
            endedAt: new Date(now()).toISOString(),
            entries,
            skippedHosts,
            ...(extra.interrupted ? { interrupted: true } : {}),
            ...(extra.error || failure ? { error: extra.error ?? failure?.message } : {}),
          },
        };
        if (!failure) {
          try {
            writer.setExtension('_ledgertap', meta);
            await writer.close();
            if (firstPath !== options.out) {
              await sweepLate(firstPath, options.out, redactor, meta);
            }
          } catch (error) {
            failure = toCaptureError(options.out, error);
          }
        }
        // After a failure the writer's partial file is left as it is: every entry written before the
        // failure is there, and the HAR reader salvages it (closing would rewrite or remove it).
        const summary: CaptureSummary = {
          out: options.out,
          entries,
          bytes,
          pages: pages.length,
          relations: relations.length,
          skippedHosts: { ...skippedHosts },
          redacted: redactEnabled,
          keyFile,
        };
        if (failure) {
          summary.error = failure.message;
          if (existsSync(writer.partialPath)) summary.partial = writer.partialPath;
        }
        return summary;
      })();
      return closed;
    },
  };
  return sink;
}

/**
 * The final sweep of a redacted capture: when some secret was recognised only after entries that may hold
 * it were written, every entry is read back and swept into <out>; otherwise the file is only renamed.
 * Returns how many entries the sweep changed. `<out>` appears only once it holds no known secret.
 */
async function sweepLate(
  from: string,
  out: string,
  redactor: EntryRedactor,
  meta: LedgertapLogMeta,
): Promise<number> {
  if (!redactor.hasLateSecrets) {
    await rename(from, out);
    return 0;
  }
  const reader = await readHar(from, { normalize: false });
  const writer = await createHarWriter(out, {
    creator: { name: 'ledgertap', version: packageVersion() },
    mode: 0o600,
    partialPath: `${out}.sweep.partial`,
    overwritePartial: true,
  });
  let changed = 0;
  try {
    for await (const { entry, index } of reader.records()) {
      if (redactor.sweepLate(entry, index)) changed++;
      await writer.write(entry);
    }
    for (const page of reader.log.pages ?? []) writer.addPage(page);
    writer.setExtension('_ledgertap', { ...meta, redaction: { ...meta.redaction, lateSwept: changed } });
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await rm(from, { force: true });
  log('late sweep: %d entries held secrets recognised after them', changed);
  return changed;
}

function toCaptureError(path: string, error: unknown): CaptureError {
  if (error instanceof CaptureError) return error;
  // The HAR writer wraps errno errors (ENOSPC becomes env.disk_full); look through the wrapper.
  const codes = [error, (error as { cause?: unknown } | undefined)?.cause]
    .filter(isErrnoException)
    .map((e) => e.code);
  if (codes.some((c) => c === 'ENOSPC' || c === 'EDQUOT' || c === 'env.disk_full')) {
    return new CaptureError('disk_full', `${path}: no space left on the device; the capture stopped.`, {
      hint: `Every entry written before this point is in ${path}.partial (recover it with \`ledgertap har merge ${path}.partial --out recovered.har\`); free some space and capture again.`,
      cause: error,
    });
  }
  const known = isLedgertapError(error) ? error : fileError(path, error, 'write');
  return new CaptureError(
    'write_failed',
    known ? known.message : `${path}: writing the capture failed: ${(error as Error).message}.`,
    {
      hint: known ? '' : 'Check the disk and the path given to --out.',
      cause: error,
    },
  );
}
