/**
 * `ledgertap sync binance`: the signed read-only sync into the ledger. Keys come from the environment
 * (BINANCE_API_KEY + BINANCE_API_SECRET, or BINANCE_PRIVATE_KEY_FILE / --key-file for Ed25519/RSA),
 * never from argv. Progress on stderr, the summary on stdout (`--json` for machines).
 */
import type { Command } from 'commander';
import { UsageError, toIso } from '../../core/index.js';
import {
  mergeCsvCopies,
  BINANCE_SURFACES as SURFACES,
  BinanceClient,
  describeCredentials,
  loadCredentials,
  syncBinance,
} from '../../connectors/index.js';
import type { BinanceSurface as Surface, SyncProgress, SyncSummary } from '../../connectors/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';
import { timeFlag, withConsent } from './consent.js';
import { describeDanglingRepair } from './import.js';

interface SyncFlags {
  db?: string;
  account: string;
  baseUrl: string;
  since?: string;
  surfaces?: string;
  recvWindow: number;
  allowUnsafeKey?: boolean;
  keyFile?: string;
  limitWindowMs?: number;
  discovery: string;
  concurrency: number;
  json?: boolean;
}

/**
 * The parser of a whole-number option. It runs as the option's argParser, so a value from the config
 * file or a LEDGERTAP_* variable is refused naming that key or variable (cli/config.ts prefixes it),
 * not only the flag the user never typed.
 */
function intFlag(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(
        'bad_number',
        `${flag} ${JSON.stringify(value)} must be a whole number from ${min} to ${max}.`,
      );
    }
    return n;
  };
}

function parseSurfaces(text: string | undefined): Surface[] | undefined {
  if (text === undefined) return undefined;
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of list) {
    if (!(SURFACES as readonly string[]).includes(s)) {
      throw new UsageError('bad_surface', `--surfaces: unknown surface "${s}".`, {
        hint: `Choose from: ${SURFACES.join(', ')}.`,
      });
    }
  }
  if (list.length === 0)
    throw new UsageError('bad_surface', '--surfaces is empty.', {
      hint: `Choose from: ${SURFACES.join(', ')}.`,
    });
  return list as Surface[];
}

/** Progress lines on stderr: phases at once, counters at most once a second. */
function progressPrinter(
  ctx: CommandContext,
  client: () => BinanceClient | undefined,
): (e: SyncProgress) => void {
  let streamsDone = 0;
  let records = 0;
  let last = 0;
  const line = (): string => {
    const c = client();
    const stats = c?.limiter.stats;
    const waiting =
      stats && stats.waitedMs > 0 ? `, waited ${(stats.waitedMs / 1000).toFixed(1)} s on limits` : '';
    return `sync: ${streamsDone} streams done, ${records} records, weight ${stats?.weight ?? 0}${waiting}`;
  };
  return (e) => {
    if (e.type === 'phase') {
      ctx.progress(`sync: ${e.phase}…`);
      return;
    }
    if (e.type === 'unsafe-key') {
      ctx.warn(
        `THIS API KEY CAN ${e.permissions.join(', ').toUpperCase()}. --allow-unsafe-key accepted it; ledgertap only reads, but anyone who gets this key can move your funds. Switch those permissions off.`,
      );
      return;
    }
    if (e.type === 'stream' && e.state === 'done') streamsDone += 1;
    if (e.type === 'page') records += e.records;
    const now = Date.now();
    if (now - last >= 1000) {
      last = now;
      ctx.progress(line());
    }
  };
}

function printSummary(ctx: CommandContext, s: SyncSummary, wallMs: number): void {
  // A refused optional read the sync worked around (stderr in both modes; in the JSON as `warnings`).
  for (const w of s.warnings) ctx.warn(w);
  if (ctx.json) {
    ctx.printJson({ ok: true, ...s, wallMs });
    return;
  }
  const outcomes = Object.entries(s.records)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  ctx.print(`synced binance account "${s.account}" in ${(wallMs / 1000).toFixed(1)} s`);
  ctx.print(`  records:   ${outcomes || 'none'}`);
  ctx.print(
    `  by kind:   ${
      Object.entries(s.byKind)
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  ctx.print(
    `  requests:  ${s.requests} (weight ${s.weight}; ${s.status429} rate-limited, ${s.retries} retried)`,
  );
  ctx.print(
    `  symbols:   ${s.discovery.symbolsWithTrades} traded of ${s.discovery.candidates} candidates (${s.discovery.listedSymbols} listed, ${s.discovery.strategy} discovery)`,
  );
  if (s.discovery.isolatedCandidates > 0) {
    ctx.print(
      `  isolated margin: ${s.discovery.isolatedCandidates} symbols asked (+${s.discovery.isolatedPairProbes} isolated-to-isolated pairs); accounts found: ${s.discovery.isolatedAccounts.join(', ') || 'none'}`,
    );
  }
  if (s.discovery.unreachableSymbols.length > 0) {
    ctx.print(`  unreachable by the API (delisted): ${s.discovery.unreachableSymbols.join(', ')}`);
  }
  if (s.discovery.assetsWithoutListedPair.length > 0) {
    ctx.print(
      `  assets with no listed pair (any spot trades in them are out of the API's reach): ${s.discovery.assetsWithoutListedPair.join(', ')}`,
    );
  }
  ctx.print(
    `  history:   from ${s.firstActivity !== undefined ? toIso(s.firstActivity) : 'the start'} to ${toIso(s.until)}`,
  );
  ctx.print(`  clock:     offset ${s.clock.offsetMs} ms (±${s.clock.errorBoundMs} ms)`);
}

export const register: RegisterVerb = (program: Command, runtime) => {
  const sync = program.command('sync').description('pull your records from an exchange into the ledger');
  sync
    .command('binance')
    .description(
      'signed read-only sync of every Binance surface the API reaches (keys from BINANCE_API_KEY/BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_FILE, never from the command line)',
    )
    .option('--db <db>', 'the ledger: an SQLite file or postgres://… (default $LEDGERTAP_DB)')
    .option('--account <label>', "the holder's label in the ledger", 'main')
    .option('--base-url <url>', 'API base URL', 'https://api.binance.com')
    .option(
      '--since <date>',
      "read history from this date (default: the account's first activity, found cheaply)",
    )
    .option('--surfaces <list>', `comma-separated subset of: ${SURFACES.join(',')}`)
    .option(
      '--recv-window <ms>',
      'recvWindow of signed requests (1..60000)',
      intFlag('--recv-window', 1, 60_000),
      5000,
    )
    .option('--allow-unsafe-key', 'accept a key that can trade, withdraw or transfer (loudly warned)')
    .option('--key-file <path>', 'Ed25519/RSA PKCS#8 private key or HMAC secret file, readable by you only')
    .option(
      '--limit-window-ms <ms>',
      'length of a rate-limit "minute" (for sandboxes that scale it; default 60000)',
      intFlag('--limit-window-ms', 10, 3_600_000),
    )
    .option(
      '--discovery <strategy>',
      'symbol discovery: evidence (default) or naive (probe every listed symbol)',
      'evidence',
    )
    .option(
      '--concurrency <n>',
      'streams read at once (their requests still go one at a time)',
      intFlag('--concurrency', 1, 32),
      4,
    )
    .action(
      runtime.action(async (ctx: CommandContext, flags: SyncFlags) => {
        const since = flags.since !== undefined ? timeFlag('--since', flags.since) : undefined;
        // A future --since (a typo for an earlier year) would read nothing and still report success.
        if (since !== undefined && since > Date.now())
          throw new UsageError(
            'since_in_future',
            `--since ${flags.since} is in the future: nothing would be read.`,
            {
              hint: 'Give the date history should start from (YYYY-MM-DD, not after today), or leave --since out to read from the first activity.',
            },
          );
        const surfaces = parseSurfaces(flags.surfaces);
        const { recvWindow, concurrency, limitWindowMs: minuteMs } = flags;
        if (flags.discovery !== 'evidence' && flags.discovery !== 'naive') {
          throw new UsageError(
            'bad_discovery',
            `--discovery ${JSON.stringify(flags.discovery)}: use evidence or naive.`,
          );
        }
        if (!/^https?:\/\//.test(flags.baseUrl)) {
          throw new UsageError(
            'bad_url',
            `--base-url ${JSON.stringify(flags.baseUrl)} is not an http(s) URL.`,
          );
        }
        const credentials = loadCredentials({
          env: ctx.env,
          ...(flags.keyFile ? { keyFile: ctx.resolvePath(flags.keyFile) } : {}),
        });
        // The consent is checked before the ledger is created: a refused run writes nothing.
        return withConsent(ctx, flags.db, flags.account, 'read', async (store, consent) => {
          ctx.progress(
            `sync: binance account "${flags.account}" with the ${describeCredentials(credentials)}, under consent #${consent.id}`,
          );
          let waitNoted = 0;
          const client: BinanceClient = new BinanceClient({
            baseUrl: flags.baseUrl,
            credentials,
            recvWindow,
            ...(minuteMs !== undefined ? { minuteMs } : {}),
            onWait: ({ bucket, waitMs }) => {
              const now = Date.now();
              if (waitMs >= 500 && now - waitNoted > 2000) {
                waitNoted = now;
                ctx.progress(`sync: waiting ${(waitMs / 1000).toFixed(1)} s on the rate limit (${bucket})`);
              }
            },
            onRetry: ({ endpoint, reason, delayMs }) => {
              if (ctx.verbose) ctx.progress(`sync: retrying ${endpoint} in ${delayMs} ms (${reason})`);
            },
          });
          const started = Date.now();
          const summary = await syncBinance({
            store,
            client,
            account: flags.account,
            consentId: consent.id,
            ...(since !== undefined ? { since } : {}),
            ...(surfaces ? { surfaces } : {}),
            allowUnsafeKey: Boolean(flags.allowUnsafeKey),
            discovery: flags.discovery as 'evidence' | 'naive',
            concurrency,
            onProgress: progressPrinter(ctx, () => client),
            signal: ctx.signal,
          });
          // CSV rows imported before this sync were stored without exchange ids; fold them into the API's
          // copies now, so an import followed by a sync counts nothing twice.
          const merged = await mergeCsvCopies(store, { account: flags.account });
          if (merged.merged > 0)
            ctx.progress(`sync: folded ${merged.merged} CSV copies into the API's records`);
          const dangling = describeDanglingRepair(merged.danglingMatches);
          if (dangling) ctx.progress(`sync: ${dangling}`);
          printSummary(ctx, summary, Date.now() - started);
          return 0;
        });
      }),
    );
};
