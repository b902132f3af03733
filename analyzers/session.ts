/**
 * The analysis session: feeds each entry, once observed, to every registered analyzer, with the path
 * trie and echo index shared; `finish()` templates the paths and collects every analyzer's part.
 * Streaming: call `beginCapture` per HAR file, `observe` per entry, `finish` once. No I/O here.
 */
import type { HarEntry, HarLog, HarValueRelation } from '../har/index.js';
import type { AnalyzerRun, FinishInput } from './analyzer.js';
import { resolveAnalyzeOptions, type AnalyzeContext, type AnalyzeOptions } from './context.js';
import { observeEntry, scannableJson, visitLeaves, type ParsedBody } from './observe.js';
import { PathTrie } from './paths.js';
import { analyzers as registry } from './registry.js';
import type { AnalysisResult, AnalysisWarning } from './types.js';

const ECHO_KEY =
  /^(id|key|slug|login|username|user_name|handle|symbol|code|uuid|name|ref|number|.*Id|.*_id|.*ID|.*Key|.*Code|.*Name|.*Slug)$/;

/** What the session reads from a log besides its entries: `_ledgertap.relations` (checked at run time). */
export type CaptureMeta = object;

/**
 * Sorted key lists by the list as the object has it: the same few record types recur on every entry, and
 * sorting their keys per entry was a visible cost. Only lists without a comma in a key are cached (the
 * joined list then stands for one list), at most 2 000 of them and none over 1 KiB (4 MB at worst).
 */
const sortedKeyLists = new Map<string, string>();

/** An object's keys (at most 40: a million-key map must not cost a million-element array), sorted and joined. */
function sortedKeys(v: unknown): string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return typeof v;
  const out: string[] = [];
  let plain = true;
  for (const k in v as Record<string, unknown>) {
    out.push(k);
    if (plain && k.includes(',')) plain = false;
    if (out.length >= 40) break;
  }
  if (!plain) return out.sort().join(',');
  const asIs = out.join(',');
  let sorted = sortedKeyLists.get(asIs);
  if (sorted === undefined) {
    sorted = out.sort().join(',');
    if (sortedKeyLists.size < 2_000 && asIs.length <= 1024) sortedKeyLists.set(asIs, sorted);
  }
  return sorted;
}

/** The coarse shape of a response (its top-level keys), which tells a parameter's siblings from static routes. */
function shapeOf(body: ParsedBody): string | undefined {
  if (body.kind !== 'json') return body.kind === 'none' ? undefined : body.kind;
  if (!scannableJson(body)) return 'large-json';
  const v = body.value;
  if (Array.isArray(v)) return v.length === 0 ? 'a:' : `a:${sortedKeys(v[0])}`;
  return `o:${sortedKeys(v)}`;
}

export interface AnalysisSession {
  /** Starts the next capture; its relations (`log._ledgertap.relations`) join the auth analysis. */
  beginCapture(log?: CaptureMeta): number;
  /**
   * Ends the current capture; relations the log carries only after its entries (capture writes them
   * last) are taken here when `beginCapture` did not see them.
   */
  endCapture(log?: CaptureMeta): void;
  /** Observes one entry of the current capture (`index` = its position in `log.entries`). */
  observe(entry: HarEntry, index: number): void;
  /** Warnings from outside (the reader's), kept with the analysis's own. */
  warn(warning: AnalysisWarning): void;
  finish(): AnalysisResult;
  readonly context: AnalyzeContext;
}

export function createAnalysisSession(options: AnalyzeOptions = {}): AnalysisSession {
  const ctx = resolveAnalyzeOptions(options);
  const runs: { name: string; run: AnalyzerRun }[] = registry.map((a) => ({
    name: a.name,
    run: a.create(ctx),
  }));
  const trie = new PathTrie(ctx);
  const echo = new Map<string, string>();
  const echoVisits = new Map<number, number>();
  const echoKeys = new Map<string, boolean>();
  const isEchoKey = (key: string): boolean => {
    let yes = echoKeys.get(key);
    if (yes === undefined) {
      yes = ECHO_KEY.test(key);
      if (echoKeys.size < 50_000) echoKeys.set(key, yes);
    }
    return yes;
  };
  const relations: { capture: number; relation: HarValueRelation }[] = [];
  const warnings: AnalysisWarning[] = [];
  const warningCounts = new Map<string, number>();
  let capture = -1;
  const stats = { captures: 0, entries: 0, analyzedEntries: 0, noiseEntries: 0, bodyBytes: 0 };

  const relationsTaken = new Set<number>();
  const takeRelations = (log: CaptureMeta | undefined): void => {
    const meta = (log as { _ledgertap?: unknown } | undefined)?._ledgertap;
    const rel = meta && typeof meta === 'object' ? (meta as { relations?: unknown }).relations : undefined;
    if (!Array.isArray(rel) || rel.length === 0 || relationsTaken.has(capture)) return;
    relationsTaken.add(capture);
    for (const r of rel.slice(0, 100_000) as unknown[])
      if (r && typeof r === 'object') relations.push({ capture, relation: r as HarValueRelation });
  };

  const warn = (w: AnalysisWarning): void => {
    // At most 20 of each code are kept; the count of the rest is reported at finish.
    const n = (warningCounts.get(w.code) ?? 0) + 1;
    warningCounts.set(w.code, n);
    if (n <= 20) warnings.push(w);
  };

  const beginCapture = (log?: CaptureMeta): number => {
    capture++;
    stats.captures++;
    takeRelations(log);
    return capture;
  };

  return {
    context: ctx,
    warn,
    beginCapture,
    endCapture(log) {
      takeRelations(log);
    },
    observe(entry, index) {
      if (capture < 0) beginCapture();
      stats.entries++;
      let obs;
      try {
        obs = observeEntry(entry, capture, index, ctx);
      } catch (error) {
        warn({
          code: 'entry.unreadable',
          message: `capture ${capture}, entry ${index}: skipped (${(error as Error).message}).`,
          evidence: [{ capture, entry: index, pointer: '' }],
        });
        return;
      }
      if (!obs) {
        warn({
          code: 'entry.bad_url',
          message: `capture ${capture}, entry ${index}: request.url is not an absolute URL; skipped.`,
          evidence: [{ capture, entry: index, pointer: '/request/url' }],
        });
        return;
      }
      for (const b of [obs.requestBody, obs.responseBody]) {
        if ('chars' in b) stats.bodyBytes += b.chars;
        if (b.kind === 'skipped') {
          const what = b === obs.requestBody ? 'request' : 'response';
          const why =
            b.reason === 'too-large'
              ? `is ${b.chars} characters, over the ${ctx.maxBodyChars} cap; its schema is not inferred`
              : b.reason === 'truncated'
                ? 'was truncated by the capture; its schema is not inferred'
                : 'is not valid JSON; its schema is not inferred';
          warn({
            code: `body.${b.reason}`,
            message: `capture ${capture}, entry ${index}: the ${what} body ${why}.`,
            evidence: [
              {
                capture,
                entry: index,
                pointer: what === 'request' ? '/request/postData/text' : '/response/content/text',
              },
            ],
          });
        }
      }
      let route;
      if (obs.noise) stats.noiseEntries++;
      else {
        stats.analyzedEntries++;
        const node = trie.insert(
          obs.origin,
          obs.segments,
          obs.status >= 200 && obs.status < 300 ? shapeOf(obs.responseBody) : undefined,
        );
        route = { node, key: `${node} ${obs.method} ${obs.rpc ? `${obs.rpc.kind}:${obs.rpc.name}` : ''}` };
        // Echoed ids come from the first responses of each route, then a sample: enough to see the ids a
        // listing hands out, without walking every body of a 1 GB capture.
        const seenHere = (echoVisits.get(node) ?? 0) + 1;
        echoVisits.set(node, seenHere);
        if (
          scannableJson(obs.responseBody) &&
          echo.size < ctx.maxTrackedValues &&
          (seenHere <= 20 || seenHere % 16 === 0)
        ) {
          visitLeaves(
            obs.responseBody.value,
            (_p, key, leaf) => {
              if (typeof leaf === 'boolean' || !isEchoKey(key)) return;
              const v = String(leaf);
              if (v.length === 0 || v.length > 100 || echo.has(v) || echo.size >= ctx.maxTrackedValues)
                return;
              echo.set(v, key);
            },
            { maxLeaves: 2000, maxDepth: 6 },
          );
        }
      }
      for (const { name, run } of runs) {
        try {
          run.observe(obs, route);
        } catch (error) {
          // One malformed entry must not cost the analysis: the analyzer skips it and says so.
          warn({
            code: 'entry.analyzer_failed',
            message: `capture ${capture}, entry ${index}: the ${name} analyzer skipped it (${(error as Error).message}).`,
            evidence: [{ capture, entry: index, pointer: '' }],
          });
        }
      }
    },
    finish() {
      const lookup = (v: string): string | undefined => echo.get(v);
      trie.templateSiblings(lookup);
      const bound = new Map<string, string>();
      const result: AnalysisResult = {
        operations: [],
        auth: { credentials: [], calls: [], signing: [] },
        pagination: [],
        noise: [],
        findings: [],
        warnings,
        stats,
      };
      const input: FinishInput = {
        operationOf: (key) => bound.get(key),
        resolvePath: (node) => trie.resolve(node, lookup),
        echo: lookup,
        operations: result.operations,
        relations,
        warn,
        bindOperation: (key, id) => bound.set(key, id),
      };
      for (const { run } of runs) {
        const part = run.finish(input);
        if (part.auth) result.auth = part.auth;
        if (part.pagination) result.pagination.push(...part.pagination);
        if (part.noise) result.noise.push(...part.noise);
        if (part.findings) result.findings.push(...part.findings);
        if (part.websockets) result.websockets = part.websockets;
      }
      if (trie.overflowed > 0) {
        warn({
          code: 'paths.overflow',
          message: `${trie.overflowed} path segment(s) beyond ${ctx.maxLiteralChildren} distinct siblings were folded into a parameter.`,
        });
      }
      for (const [code, n] of warningCounts) {
        if (n > 20)
          warnings.push({
            code: 'warnings.suppressed',
            message: `${n - 20} more ${code} warning(s) not listed.`,
          });
      }
      return result;
    },
  };
}

/** Analyzes entries (an array or any async iterable, e.g. the streaming HAR reader's) in one call. */
export async function analyzeEntries(
  entries: Iterable<HarEntry> | AsyncIterable<HarEntry>,
  options: AnalyzeOptions = {},
  log?: CaptureMeta,
): Promise<AnalysisResult> {
  const session = createAnalysisSession(options);
  session.beginCapture(log);
  let i = 0;
  for await (const e of entries as AsyncIterable<HarEntry>) session.observe(e, i++);
  return session.finish();
}

/** Analyzes several already-parsed HAR logs as one session (the test and small-file path). */
export function analyzeLogs(
  logs: (CaptureMeta & Pick<HarLog, 'entries'>)[],
  options: AnalyzeOptions = {},
): AnalysisResult {
  const session = createAnalysisSession(options);
  for (const log of logs) {
    session.beginCapture(log);
    (log.entries ?? []).forEach((e, i) => session.observe(e, i));
  }
  return session.finish();
}
