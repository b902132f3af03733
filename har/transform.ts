/**
 * Merge and filter: HAR in, HAR out, streaming both ways through readHar and createHarWriter. Back
 * `ledgertap har merge` and `ledgertap har filter`.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { UsageError, packageVersion } from '../core/index.js';
import { parseHarUrl } from './body.js';
import { readHar, type HarEntryRecord, type HarReader } from './reader.js';
import type { HarEntry, HarPage } from './types.js';
import { EntryIndexMap, mergeLogExtensions, withRelationsMoved } from './merge-meta.js';
import { createHarWriter } from './writer.js';
import { HarWarnings } from './warnings.js';

/** Which entries to keep. Every given criterion must match; within one, any value matches. */
export interface HarFilterCriteria {
  /** Hosts: exact (`api.example.test`) or a `*.` wildcard (`*.example.test` matches subdomains and the domain). */
  hosts?: string[];
  /** Path (without query): a glob (`/api/v3/*`, `**` crosses `/`) or a regex written `/…/flags`. */
  path?: string;
  /** Methods, case-insensitive. */
  methods?: string[];
  /** Statuses: exact (`404`), a class (`2xx`), or `none` for no response (status 0). */
  statuses?: string[];
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Builds the predicate for `criteria`; throws UsageError for a bad status or regex. */
export function createHarEntryFilter(criteria: HarFilterCriteria): (entry: HarEntry) => boolean {
  const hosts = criteria.hosts?.map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  const methods = criteria.methods?.map((m) => m.toUpperCase());
  let pathRe: RegExp | undefined;
  if (criteria.path) {
    const m = /^\/(.*)\/([a-z]*)$/.exec(criteria.path);
    try {
      pathRe = m && criteria.path.length > 1 ? new RegExp(m[1]!, m[2]) : globToRegExp(criteria.path);
    } catch (error) {
      throw new UsageError(
        'bad_path',
        `--path ${criteria.path}: not a valid regular expression: ${(error as Error).message}.`,
      );
    }
  }
  const statuses = criteria.statuses?.flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase());
  for (const s of statuses ?? []) {
    if (!/^([1-5]xx|\d{3}|none|0)$/.test(s)) {
      throw new UsageError('bad_status', `--status ${s}: expected a status (404), a class (2xx) or "none".`);
    }
  }
  return (entry) => {
    if (methods && !methods.includes(entry.request.method.toUpperCase())) return false;
    if (statuses) {
      const status = entry.response.status;
      const ok = statuses.some((s) =>
        s === 'none' || s === '0'
          ? status === 0
          : s.endsWith('xx')
            ? Math.floor(status / 100) === Number(s[0])
            : status === Number(s),
      );
      if (!ok) return false;
    }
    if (hosts || pathRe) {
      const url = parseHarUrl(entry.request.url, entry);
      if (!url) return false;
      if (
        hosts &&
        !hosts.some((h) =>
          h.startsWith('*.') ? url.host === h.slice(2) || url.host.endsWith(h.slice(1)) : url.host === h,
        )
      ) {
        return false;
      }
      if (pathRe && !pathRe.test(url.path)) return false;
    }
    return true;
  };
}

/** What merge or filter did. */
export interface HarTransformReport {
  out: string;
  /** Entries read from each input; `duplicates`: those of them merge dropped as copies of another input's. */
  inputs: { file: string; entries: number; truncated: boolean; duplicates?: number }[];
  read: number;
  written: number;
  /** Entries merge dropped: exact copies of an entry another input already gave (0 for filter). */
  duplicates: number;
  pages: number;
  warnings: HarWarnings;
}

function ledgertapCreator(comment: string): { name: string; version: string; comment: string } {
  return { name: 'ledgertap', version: packageVersion(), comment };
}

/** Options of mergeHar and filterHar. */
export interface HarTransformOptions {
  /** Output file mode (0o600 for unredacted captures). */
  mode?: number;
  /** Replace a `.partial` left by an earlier run. */
  overwritePartial?: boolean;
  /** Merge: write an entry even when another input gave an exact copy of it already. */
  keepDuplicates?: boolean;
  signal?: AbortSignal;
}

/**
 * Each input's pages as the file ends up holding them. Most producers write pages before the entries, so
 * the reader has them at open; ledgertap's own captures write them last, and those are read first in a
 * pass that skips the entries: the merge must know every clash before it writes the first entry's pageref.
 */
async function finalPages(reader: HarReader, signal: AbortSignal | undefined): Promise<HarPage[]> {
  if (reader.log.pages.length > 0) return reader.log.pages;
  const pass = await readHar(reader.path, { skipEntries: true, ...(signal ? { signal } : {}) });
  try {
    await pass.drain();
    return pass.log.pages;
  } finally {
    pass.close();
  }
}

/**
 * The merged log's pages and, per input, the page ids its entries must be renamed to. A page another input
 * already gave, identical, is the same page given twice (one file merged twice, or a merge with one of its
 * inputs): written once, its entries keep their pageref. A different page under a taken id gets `~2` (`~3`…).
 */
function planPages(inputs: HarPage[][]): { pages: HarPage[]; renames: Map<string, string>[] } {
  const kept = new Map<string, HarPage>();
  const pages: HarPage[] = [];
  const renames = inputs.map((list) => {
    const rename = new Map<string, string>();
    const own = new Set<string>();
    for (const page of list) {
      const id = String(page.id);
      const first = kept.get(id);
      if (first && !own.has(id) && isDeepStrictEqual({ ...first, id }, { ...page, id })) {
        own.add(id);
        continue;
      }
      let to = id;
      if (first) {
        let k = 2;
        while (kept.has(`${id}~${k}`)) k++;
        to = `${id}~${k}`;
        // A second page of one id in the same input: its entries cannot be told apart; they stay with the first.
        if (!own.has(id)) rename.set(id, to);
      }
      own.add(id);
      const written = to === id ? page : { ...page, id: to };
      kept.set(to, written);
      pages.push(written);
    }
    return rename;
  });
  return { pages, renames };
}

/**
 * Merges HAR files into one, in order of startedDateTime across the inputs (a streaming k-way merge: each
 * input is read once, in its own order, plus a pass over the entries of one that writes its pages last).
 * Page ids that clash get a `~2` suffix, and their entries follow. An entry that is an exact copy of one
 * another input gave (every field, its page included) is dropped and counted, unless `keepDuplicates`:
 * overlapping captures, or one file given twice, must not count a request twice. Copies inside one input
 * are kept: the producer wrote them, and merge does not second-guess a single capture.
 * The inputs' `_` log extensions are merged (see har/merge-meta.ts): kept where they agree, per input
 * where they collide, `_ledgertap.relations` concatenated with their entry indexes moved.
 */
export async function mergeHar(
  inputs: string[],
  out: string,
  options: HarTransformOptions = {},
): Promise<HarTransformReport> {
  if (inputs.length === 0) throw new UsageError('no_input', 'har merge: name at least one HAR file.');
  if (inputs.includes(out))
    throw new UsageError('out_is_input', `--out ${out}: is also an input; write elsewhere.`);
  const readers: HarReader[] = [];
  try {
    for (const file of inputs)
      readers.push(await readHar(file, options.signal ? { signal: options.signal } : {}));
  } catch (error) {
    for (const r of readers) r.close();
    throw error;
  }
  const writer = await createHarWriter(out, {
    creator: ledgertapCreator(`merged from ${inputs.length} file(s)`),
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
    ...(options.overwritePartial ? { overwritePartial: true } : {}),
  });
  const warnings = new HarWarnings();
  const positions = readers.map(() => new EntryIndexMap());
  // Where each distinct entry went and which input gave it, by a hash of its JSON (a 20-byte key per entry,
  // not the entry: a merge of gigabytes keeps megabytes).
  const seen = new Map<string, { at: number; input: number }>();
  const duplicates = readers.map(() => 0);
  let written = 0;
  let pages = 0;
  try {
    const plan =
      readers.length > 1
        ? planPages(await Promise.all(readers.map((r) => finalPages(r, options.signal))))
        : undefined;
    const iterators = readers.map((r) => r.records()[Symbol.asyncIterator]());
    const heads: (HarEntryRecord | undefined)[] = await Promise.all(
      iterators.map(async (it) => (await it.next()).value),
    );
    const times = heads.map((h) => (h ? Date.parse(h.entry.startedDateTime) : NaN));
    // Pages are copied once every input is read: producers may write them after the entries.
    for (;;) {
      let pick = -1;
      for (let i = 0; i < heads.length; i++) {
        if (!heads[i]) continue;
        if (pick < 0) pick = i;
        else {
          const a = times[i]!;
          const b = times[pick]!;
          if (Number.isFinite(a) && (!Number.isFinite(b) || a < b)) pick = i;
        }
      }
      if (pick < 0) break;
      const record = heads[pick]!;
      const entry = record.entry;
      const renamed = entry.pageref !== undefined ? plan?.renames[pick]!.get(entry.pageref) : undefined;
      if (renamed) entry.pageref = renamed;
      const json = JSON.stringify(entry);
      const key = options.keepDuplicates ? undefined : createHash('sha1').update(json).digest('base64');
      const copyOf = key === undefined ? undefined : seen.get(key);
      if (copyOf && copyOf.input !== pick) {
        // Relations that named the dropped copy now name the entry it copies.
        positions[pick]!.set(record.index, copyOf.at);
        duplicates[pick]!++;
      } else {
        if (key !== undefined && !copyOf) seen.set(key, { at: written, input: pick });
        await writer.write(entry, json);
        positions[pick]!.set(record.index, written);
        written++;
      }
      const next = await iterators[pick]!.next();
      heads[pick] = next.done ? undefined : next.value;
      const head = heads[pick];
      times[pick] = head ? Date.parse(head.entry.startedDateTime) : NaN;
    }
    // Pages are added once every input is read: a single input's may follow its entries.
    const pageList = (plan ?? planPages([readers[0]!.log.pages])).pages;
    for (const page of pageList) writer.addPage(page);
    pages = pageList.length;
    for (const reader of readers) warnings.merge(reader.warnings);
    // Read to the end now, so extensions written after the entries (capture's relations) are final.
    const extensions = mergeLogExtensions(
      readers.map((r, i) => ({
        file: inputs[i]!,
        entries: r.stats.entries,
        ...(duplicates[i]! > 0 ? { duplicates: duplicates[i]! } : {}),
        log: r.log as unknown as Record<string, unknown>,
      })),
      positions,
    );
    for (const [key, value] of Object.entries(extensions)) writer.setExtension(key as `_${string}`, value);
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    for (const r of readers) r.close();
  }
  return {
    out,
    inputs: readers.map((r, i) => ({
      file: r.path,
      entries: r.stats.entries,
      truncated: r.stats.truncated,
      ...(duplicates[i]! > 0 ? { duplicates: duplicates[i]! } : {}),
    })),
    read: readers.reduce((n, r) => n + r.stats.entries, 0),
    written,
    duplicates: duplicates.reduce((a, b) => a + b, 0),
    pages,
    warnings,
  };
}

/** Writes the entries of `input` that match `criteria` to `out`, with the pages they refer to. */
export async function filterHar(
  input: string,
  out: string,
  criteria: HarFilterCriteria,
  options: HarTransformOptions = {},
): Promise<HarTransformReport> {
  if (input === out)
    throw new UsageError('out_is_input', `--out ${out}: is also the input; write elsewhere.`);
  const keep = createHarEntryFilter(criteria);
  const reader = await readHar(input, options.signal ? { signal: options.signal } : {});
  const log = reader.log;
  const extensions: Record<`_${string}`, unknown> = {};
  // `_ledgertap` goes last: its relations point at entries by index, which the filter changes.
  for (const [key, value] of Object.entries(log))
    if (key.startsWith('_') && key !== '_ledgertap') extensions[key as `_${string}`] = value;
  const positions = new EntryIndexMap();
  const writer = await createHarWriter(out, {
    creator: log.creator,
    extensions,
    ...(log.browser ? { browser: log.browser } : {}),
    comment: `filtered by ledgertap ${packageVersion()} from ${input}`,
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
    ...(options.overwritePartial ? { overwritePartial: true } : {}),
  });
  const usedPages = new Set<string>();
  let written = 0;
  try {
    for await (const { entry, index } of reader.records()) {
      if (!keep(entry)) continue;
      if (entry.pageref !== undefined) usedPages.add(entry.pageref);
      await writer.write(entry);
      positions.set(index, written);
      written++;
    }
    let pages = 0;
    for (const page of reader.log.pages) {
      if (usedPages.has(String(page.id))) {
        writer.addPage(page);
        pages++;
      }
    }
    // Extensions the input wrote after its entries (capture's `_ledgertap` at close) are known only now.
    for (const [key, value] of Object.entries(reader.log)) {
      if (!key.startsWith('_') || key in extensions || value === undefined) continue;
      writer.setExtension(
        key as `_${string}`,
        key === '_ledgertap' ? withRelationsMoved(value, positions) : value,
      );
    }
    await writer.close();
    return {
      out,
      inputs: [{ file: input, entries: reader.stats.entries, truncated: reader.stats.truncated }],
      read: reader.stats.entries,
      written,
      duplicates: 0,
      pages,
      warnings: reader.warnings,
    };
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    reader.close();
  }
}
