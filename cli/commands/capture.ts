/**
 * `ledgertap capture browser|proxy|ca`: guided capture of the holder's own app traffic into redacted HAR
 * files (issue 5). Progress and steps go to stderr; the summary to stdout (`--json` for machines).
 * Capture refuses to start without an active `capture` consent for the account in the ledger.
 */
import { rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { Option } from 'commander';
import { CaptureError, UsageError, assertOutputFolder, isLedgertapError } from '../../core/index.js';
import {
  caInstructions,
  clientAllowList,
  createHarSink,
  defaultGuide,
  DEFAULT_PII_RULES,
  ensureCa,
  findBrowser,
  hostFilter,
  lanAddresses,
  loadAutopilotScript,
  LOOPBACK_CLIENTS,
  loadGuide,
  loadPiiRulesFile,
  parseHostList,
  PRIVATE_CLIENTS,
  runBrowserCapture,
  sandboxCredentials,
  siteOf,
  startProxyCapture,
  type Autopilot,
  type CaptureSummary,
  type Guide,
  type HarSink,
  type StepState,
} from '../../capture/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';
import { withConsent, withLedger } from './consent.js';

interface CommonOptions {
  out: string;
  guide?: string;
  hosts?: string;
  db?: string;
  account: string;
  redact: boolean;
  forgetKey?: boolean;
  redactRules?: string;
  maxBodySize?: string;
}

interface BrowserOptions extends CommonOptions {
  url?: string;
  profileDir?: string;
  headless?: boolean;
  autopilot?: string;
  sandboxAdmin?: string;
  browser?: string;
}

interface ProxyOptions extends CommonOptions {
  port: string;
  allowClient?: string[];
  lan?: boolean;
  host?: string;
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--out <file>', 'the HAR file to write (.har, or .har.gz to compress)')
    .option(
      '--guide <name|file>',
      'guide to follow: a shipped guide (binance-web, sandbox) or a YAML/JSON file',
    )
    .option(
      '--hosts <list>',
      "hosts to record, comma-separated; each also covers its subdomains (default: the target's site)",
    )
    .option(
      '--db <ledger>',
      'the ledger holding the consent record (SQLite file or postgres:// URL; env LEDGERTAP_DB)',
    )
    .option(
      '--account <label>',
      "the holder's label in the ledger the capture is for, as given to consent grant (env LEDGERTAP_ACCOUNT)",
      'main',
    )
    .option('--no-redact', 'write secrets and personal data in the clear (the file is still owner-only)')
    .option('--forget-key', 'discard the redaction key instead of saving it as <out>.key')
    .option('--redact-rules <file>', 'extra personal-data rules (YAML/JSON list of {kind, name?, value?})')
    .option('--max-body-size <bytes>', 'bodies longer than this are cut and marked _truncated', '16777216');
}

/** The consent gate: an active `capture` consent for the account, or a usage error saying how to grant one. */
interface Gate {
  consentId: string;
  account: string;
  db: string;
}

async function checkConsent(ctx: CommandContext, opts: CommonOptions): Promise<Gate> {
  // LEDGERTAP_ACCOUNT and the config file reach opts.account through cli/config.ts; like consent and
  // sync, the label defaults to main, the one `consent grant` records when none is named.
  const account = opts.account;
  const db = opts.db ?? ctx.env['LEDGERTAP_DB'];
  if (!db) {
    throw new UsageError(
      'consent_required',
      "capture needs the holder's recorded consent: no --db (ledger) given.",
      {
        hint:
          'Record it once, then name the ledger: ledgertap consent grant --db ledger.sqlite --holder "NAME" --scope capture --expires YYYY-MM-DD; ' +
          'then ledgertap capture … --db ledger.sqlite (or set LEDGERTAP_DB; add --account LABEL to both for an account other than main).',
      },
    );
  }
  const consent = await withConsent(ctx, db, account, 'capture', async (_store, found) => found);
  return { consentId: String(consent.id), account, db };
}

/** One audit-log line per capture (what, when, under which consent, how many entries; never a secret). */
async function audit(
  ctx: CommandContext,
  gate: Gate,
  endpoint: string,
  summary: CaptureSummary,
  startedAt: number,
): Promise<void> {
  try {
    await withLedger(ctx, gate.db, { create: false }, (store) =>
      store.appendAudit({
        account: gate.account,
        consentId: Number(gate.consentId),
        route: 'capture',
        method: 'CAPTURE',
        endpoint,
        records: summary.entries,
        durationMs: Date.now() - startedAt,
        ...(summary.error ? { error: summary.error } : {}),
      }),
    );
  } catch (error) {
    ctx.warn(`could not write the audit log entry: ${(error as Error).message}`);
  }
}

function maxBody(value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024) {
    throw new UsageError(
      'bad_max_body_size',
      `--max-body-size ${JSON.stringify(value)} is not a byte count of at least 1024.`,
      {
        hint: 'Give a whole number of bytes, e.g. 16777216.',
      },
    );
  }
  return n;
}

async function makeSink(
  ctx: CommandContext,
  opts: CommonOptions,
  gate: Gate,
  guide: Guide,
  info: Record<string, unknown>,
): Promise<HarSink> {
  // Bad input (exit 2) naming --out, before anything is recorded: the sink would report it as a
  // failed write of the redaction key beside it.
  assertOutputFolder(ctx.resolvePath(opts.out), '--out');
  const userRules = opts.redactRules ? await loadPiiRulesFile(ctx.resolvePath(opts.redactRules)) : [];
  if (!opts.redact)
    ctx.warn(
      '--no-redact: cookies, tokens, passwords and personal data are written in the clear; the file is owner-only (0600). Do not share it.',
    );
  return createHarSink({
    out: ctx.resolvePath(opts.out),
    redact: opts.redact,
    keyFile: opts.forgetKey ? false : undefined,
    piiRules: [...DEFAULT_PII_RULES, ...userRules],
    maxBodySize: maxBody(opts.maxBodySize),
    consentId: gate.consentId,
    account: gate.account,
    guide: guide.name,
    captureInfo: info,
  });
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Step banner and a progress line (at most every 2 s, only when something changed) on stderr.
 * `attended`: someone at the terminal moves the guide on; an autopilot does it itself, so telling
 * anyone to press Enter would be noise (and a puzzle in a CI log).
 */
function progress(
  ctx: CommandContext,
  sink: HarSink,
  attended: boolean,
): { onStep: (s: StepState) => void; stop: () => void } {
  let last = '';
  const line = (): string => {
    const { entries, bytes, skippedHosts } = sink.stats;
    const skipped = Object.keys(skippedHosts).length;
    return `  [${sink.step ?? '-'}] ${entries} entries · ${formatBytes(bytes)} · ${skipped} host${skipped === 1 ? '' : 's'} skipped`;
  };
  const timer = setInterval(() => {
    const now = line();
    if (now !== last) ctx.progress(now);
    last = now;
  }, 2000);
  timer.unref();
  return {
    onStep: (s) => {
      ctx.progress(
        `step ${s.index + 1}/${s.total}: ${s.title}\n  ${s.do}${s.url ? `\n  → ${s.url}` : ''}${attended ? '\n  Press Enter (or Next in the page) when done.' : ''}`,
      );
    },
    stop: () => {
      clearInterval(timer);
      ctx.progress(line());
    },
  };
}

function report(ctx: CommandContext, summary: CaptureSummary, how: string): number {
  if (ctx.json) {
    ctx.printJson({ ok: !summary.error, ended: how, ...summary });
  } else {
    const skipped = Object.entries(summary.skippedHosts)
      .sort((a, b) => b[1] - a[1])
      .map(([h, n]) => `${h} ×${n}`);
    ctx.print(
      `wrote ${summary.out}: ${summary.entries} entries, ${summary.pages} steps, ${summary.relations} relations (${how})`,
    );
    ctx.print(
      summary.redacted
        ? summary.keyFile
          ? `redaction key: ${summary.keyFile} (owner-only)`
          : 'redaction key discarded (--forget-key)'
        : 'NOT redacted (owner-only file)',
    );
    if (skipped.length > 0)
      ctx.print(
        `not recorded (other hosts): ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? ', …' : ''}`,
      );
  }
  return 0;
}

/** On a failure mid-capture: close the sink (valid HAR, or the partial left by a write error), then rethrow. */
async function closeAfter(sink: HarSink, error: unknown): Promise<never> {
  const summary = await sink.close({ error: error instanceof Error ? error.message : String(error) });
  if (isLedgertapError(error)) {
    const where = summary.partial
      ? ` Entries recorded so far: ${summary.partial}.`
      : summary.error
        ? ''
        : ` The HAR so far (${summary.entries} entries) is in ${summary.out}.`;
    throw Object.assign(error, { message: `${error.message}${where}` });
  }
  throw error;
}

async function resolveAutopilot(ctx: CommandContext, opts: BrowserOptions): Promise<Autopilot | undefined> {
  if (!opts.autopilot) return undefined;
  if (opts.autopilot === 'sandbox') {
    const admin = opts.sandboxAdmin ?? ctx.env['LEDGERTAP_SANDBOX_ADMIN'];
    return { kind: 'sandbox', credentials: await sandboxCredentials(admin, ctx.env, ctx.signal) };
  }
  return loadAutopilotScript(ctx.resolvePath(opts.autopilot));
}

async function browserAction(ctx: CommandContext, opts: BrowserOptions): Promise<number> {
  const guide = opts.guide ? await loadGuide(opts.guide, ctx.resolvePath) : defaultGuide(opts.url);
  const url = opts.url ?? guide.site;
  if (!url)
    throw new UsageError('missing_url', 'capture browser: no --url given and the guide names no site.', {
      hint: 'Pass --url https://… (the app to open).',
    });
  try {
    new URL(url);
  } catch {
    throw new UsageError('bad_url', `--url ${JSON.stringify(url)} is not a URL.`, {
      hint: 'Give a full URL such as https://www.binance.com/en.',
    });
  }
  const gate = await checkConsent(ctx, opts);
  const startedAt = Date.now();
  // A script autopilot is a local file: a typo in it is reported before the browser is looked for,
  // so a holder fixing several mistakes meets the one in their own file first. The sandbox autopilot
  // asks the sandbox for credentials, a network call not worth making when no browser can use them.
  const script = opts.autopilot === 'sandbox' ? undefined : await resolveAutopilot(ctx, opts);
  const browserPath = findBrowser(opts.browser, ctx.env);
  const autopilot = script ?? (await resolveAutopilot(ctx, opts));
  const hosts = hostFilter(parseHostList(opts.hosts), url, guide.hosts ?? []);
  const sink = await makeSink(ctx, opts, gate, guide, {
    kind: 'browser',
    url,
    hosts: hosts.patterns,
    browser: browserPath,
  });
  const p = progress(ctx, sink, !autopilot);
  ctx.progress(
    `capturing ${url} into ${opts.out} (recording ${hosts.patterns.join(', ')}; guide ${guide.name}, ${guide.steps.length} steps)`,
  );
  let result;
  try {
    result = await runBrowserCapture({
      url,
      sink,
      guide,
      hosts,
      browserPath,
      headless: Boolean(opts.headless),
      ...(opts.profileDir ? { profileDir: ctx.resolvePath(opts.profileDir) } : {}),
      ...(autopilot ? { autopilot } : {}),
      input: ctx.io.stdin,
      signal: ctx.signal,
      env: ctx.env,
      onStep: p.onStep,
    });
  } catch (error) {
    p.stop();
    return closeAfter(sink, error);
  }
  p.stop();
  const summary = await sink.close({ interrupted: result.reason === 'interrupted' });
  const u = new URL(url);
  await audit(ctx, gate, `${u.origin}${u.pathname}`, summary, startedAt);
  if (summary.error)
    throw new CaptureError(
      'write_failed',
      `${summary.error}${summary.partial ? ` Entries recorded so far: ${summary.partial}.` : ''}`,
    );
  return report(
    ctx,
    summary,
    result.reason === 'interrupted'
      ? 'stopped by Ctrl-C'
      : result.reason === 'browser-closed'
        ? 'browser closed'
        : 'guide finished',
  );
}

async function proxyAction(ctx: CommandContext, opts: ProxyOptions): Promise<number> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError('bad_port', `--port ${JSON.stringify(opts.port)} is not a port number.`, {
      hint: 'Give 1-65535 (0 picks a free one).',
    });
  }
  const guide = opts.guide ? await loadGuide(opts.guide, ctx.resolvePath) : defaultGuide();
  const list =
    parseHostList(opts.hosts) ??
    (guide.site ? [siteOf(new URL(guide.site).hostname), ...(guide.hosts ?? [])] : undefined);
  if (!list || list.length === 0) {
    throw new UsageError('missing_hosts', 'capture proxy: no hosts to record.', {
      hint: 'Pass --hosts binance.com,binanceapi.com (or a --guide that names its site); other hosts pass through unrecorded.',
    });
  }
  // Only the listed clients may use the proxy: by default this machine alone; --lan adds the private
  // ranges a phone on the same network has; --allow-client replaces the loopback default.
  const allowClients = clientAllowList([
    ...(opts.allowClient?.length ? opts.allowClient : LOOPBACK_CLIENTS),
    ...(opts.lan ? PRIVATE_CLIENTS : []),
  ]);
  if (opts.host !== undefined && isIP(opts.host) === 0) {
    throw new UsageError('bad_host', `--host ${JSON.stringify(opts.host)} is not an IP address.`, {
      hint: "Give this machine's address on the phone's network (e.g. 192.168.1.10), or 0.0.0.0 / :: for every interface.",
    });
  }
  // Nothing off this machine may connect: do not even listen beyond loopback.
  const listenHost = opts.host ?? (allowClients.loopbackOnly ? '127.0.0.1' : undefined);
  const gate = await checkConsent(ctx, opts);
  const startedAt = Date.now();
  const ca = await ensureCa(ctx.env);
  if (!ca) throw new CaptureError('ca_missing', 'the capture CA could not be created.');
  if (ca.created)
    ctx.progress(`created the capture CA: ${ca.certPath} (install it on the phone: ledgertap capture ca)`);
  const hosts = hostFilter(list);
  const sink = await makeSink(ctx, opts, gate, guide, { kind: 'proxy', hosts: hosts.patterns, port });
  const p = progress(ctx, sink, true);
  let proxy;
  try {
    proxy = await startProxyCapture({
      sink,
      ca,
      hosts,
      port,
      ...(listenHost !== undefined ? { host: listenHost } : {}),
      allowClients,
      onRefused: (address) =>
        ctx.progress(
          `refused a connection from ${address}: not an allowed client (let it in with --allow-client ${address.replace(/^::ffff:/i, '')}${opts.lan ? '' : ', or --lan for the private ranges'}).`,
        ),
      guide,
      maxBodySize: maxBody(opts.maxBodySize),
      onStep: p.onStep,
    });
  } catch (error) {
    p.stop();
    // The proxy never listened (a port in use, an address not on this machine): nothing was recorded,
    // so leave no empty capture and key behind to be mistaken for one.
    const summary = await sink.close({ error: error instanceof Error ? error.message : String(error) });
    if (summary.entries === 0 && !summary.partial) {
      await Promise.all([summary.out, `${summary.out}.key`].map((f) => rm(f, { force: true })));
      throw error;
    }
    return closeAfter(sink, error);
  }
  ctx.progress(
    `proxy listening on ${listenHost ?? 'all interfaces'} port ${proxy.port}; recording ${hosts.patterns.join(', ')}; other hosts pass through untouched. Ctrl-C ends the capture.`,
  );
  ctx.progress(
    `allowed clients: ${allowClients.ranges.join(', ')}${allowClients.loopbackOnly ? ' (this machine only: pass --lan or --allow-client PHONE-IP for a phone)' : ''}; every other connection is refused.`,
  );
  if (!allowClients.loopbackOnly) {
    const lan =
      listenHost !== undefined && listenHost !== '0.0.0.0' && listenHost !== '::'
        ? [listenHost]
        : lanAddresses();
    ctx.progress(
      lan.length > 0
        ? `on the phone, set the Wi-Fi proxy to ${lan.map((a) => `${isIP(a) === 6 ? `[${a}]` : a}:${proxy.port}`).join(' or ')}`
        : `on the phone, set the Wi-Fi proxy to this machine's LAN address, port ${proxy.port} (no LAN address found on this machine)`,
    );
  }
  const stopListening = proxy.listen(ctx.io.stdin);
  const how = await proxy.wait(ctx.signal);
  stopListening();
  await proxy.stop();
  p.stop();
  const summary = await sink.close({ interrupted: how === 'interrupted' });
  await audit(ctx, gate, `proxy:${hosts.patterns.join(',')}`, summary, startedAt);
  if (summary.error)
    throw new CaptureError(
      'write_failed',
      `${summary.error}${summary.partial ? ` Entries recorded so far: ${summary.partial}.` : ''}`,
    );
  return report(ctx, summary, how === 'interrupted' ? 'stopped by Ctrl-C' : 'guide finished');
}

export const register: RegisterVerb = (program, runtime) => {
  const capture = program
    .command('capture')
    .description(
      "record the holder's own app traffic into a redacted HAR (browser or phone proxy), guided step by step",
    );

  addCommonOptions(
    capture
      .command('browser')
      .description('open Chromium on the app, record every request and response of its hosts, walk a guide')
      .option('--url <url>', "where to start (default: the guide's site)")
      .option('--profile-dir <dir>', 'persistent browser profile: the login survives between captures')
      .option('--headless', 'no browser window (for autopilots)')
      .option(
        '--autopilot <file|sandbox>',
        'drive the browser unattended: a script of actions, or the built-in sandbox login + walk',
      )
      .addOption(
        new Option(
          '--sandbox-admin <url>',
          'the sandbox admin URL the sandbox autopilot reads credentials from',
        ).env('LEDGERTAP_SANDBOX_ADMIN'),
      )
      .option(
        '--browser <path>',
        'the Chromium/Chrome executable (env LEDGERTAP_BROWSER; default: the system browser)',
      ),
  ).action(runtime.action((ctx, opts: BrowserOptions) => browserAction(ctx, opts)));

  addCommonOptions(
    capture
      .command('proxy')
      .description(
        'run an HTTPS MITM proxy for a phone app; record the listed hosts, pass everything else through',
      )
      .option('--port <port>', 'proxy port', '8080')
      .option(
        '--allow-client <ip|cidr>',
        'a client allowed to use the proxy (repeatable; replaces the default, this machine only)',
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .option(
        '--lan',
        'also allow the private LAN ranges (10/8, 172.16/12, 192.168/16, 169.254/16, fc00::/7, fe80::/10) so a phone on the same network can connect',
      )
      .option(
        '--host <addr>',
        'the interface address to listen on (default: 127.0.0.1 when only this machine is allowed, else every interface)',
      ),
  ).action(runtime.action((ctx, opts: ProxyOptions) => proxyAction(ctx, opts)));

  capture
    .command('ca')
    .description(
      'print where the capture CA is (created on first use) and how to install it on Android and iOS',
    )
    .option('--port <port>', 'the proxy port to mention in the instructions', '8080')
    .action(
      runtime.action(async (ctx, opts: { port: string }) => {
        const ca = await ensureCa(ctx.env);
        if (!ca) throw new CaptureError('ca_missing', 'the capture CA could not be created.');
        if (ctx.json)
          ctx.printJson({
            certPath: ca.certPath,
            keyPath: ca.keyPath,
            created: ca.created,
            spkiFingerprint: ca.spkiFingerprint,
          });
        else ctx.print(caInstructions(ca, Number(opts.port) || 8080));
        return 0;
      }),
    );
};
