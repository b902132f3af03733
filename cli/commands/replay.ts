/**
 * `ledgertap replay`: re-issue the read calls of a protocol model with a live session, to read live data
 * and to re-validate the model. Exit 1 when anything drifted or failed.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import {
  ExitCode,
  InputError,
  UsageError,
  assertOutputFolder,
  fileError,
  packageVersion,
  writeFileAtomic,
} from '../../core/index.js';
import { createHarWriter, type HarEntry } from '../../har/index.js';
import { loadProtocolModel } from '../../model/index.js';
import { driftReport, renderFor } from '../../reports/index.js';
import {
  DEFAULT_RETRY,
  loadReplaySamples,
  loginNotHonoured,
  modelDirOf,
  sessionRefusals,
  parseCookieFile,
  replayModel,
  unknownOperationIds,
  type ReplayCookie,
  type ReplayExchange,
} from '../../replay/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';
import { assertReportPath } from '../report-path.js';

/** An origin replay can send to: a URL with one of `schemes`, or a usage error naming the flag. */
function assertBaseUrl(flag: string, value: string, schemes: readonly string[]): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url && schemes.includes(url.protocol)) return;
  throw new UsageError(
    'bad_flag_value',
    `${flag} ${JSON.stringify(value)}: ${url ? `${url.protocol} is not a scheme replay sends to` : 'not a URL'}.`,
    { hint: `Give an origin such as ${schemes[0]}//127.0.0.1:8080 (${schemes.join(', ')}).` },
  );
}

interface ReplayFlags {
  model: string;
  har?: string[];
  baseUrl?: string;
  cookies?: string;
  profileDir?: string;
  browser?: string;
  login?: boolean;
  operation?: string[];
  allowWrite?: string[];
  yes?: boolean;
  allPages?: boolean;
  maxPages?: string;
  timeoutMs?: string;
  retries?: string;
  outHar?: string;
  report?: string;
  results?: string;
  websockets?: boolean;
  wsBaseUrl?: string;
  wsDurationMs?: string;
  wsMaxMessages?: string;
  wsMaxFrameBytes?: string;
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError('bad_flag_value', `${flag} takes a positive whole number, not ${value}.`);
  return n;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function exchangeToEntry(x: ReplayExchange): HarEntry {
  const url = new URL(x.request.url);
  return {
    startedDateTime: new Date(x.startedAt).toISOString(),
    time: x.durationMs,
    request: {
      method: x.request.method,
      url: x.request.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: x.request.headers.map(([name, value]) => ({ name, value })),
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      ...(x.request.body !== undefined
        ? {
            postData: {
              mimeType: x.request.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '',
              text: x.request.body,
            },
          }
        : {}),
      headersSize: -1,
      bodySize: x.request.body ? Buffer.byteLength(x.request.body) : 0,
    },
    response: {
      status: x.response.status,
      statusText: x.response.statusText,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: x.response.headers.map(([name, value]) => ({ name, value })),
      content: {
        size: Buffer.byteLength(x.response.body),
        mimeType: x.response.mimeType,
        text: x.response.body,
      },
      redirectURL: '',
      headersSize: -1,
      bodySize: Buffer.byteLength(x.response.body),
      ...(x.response.error !== undefined ? { _error: x.response.error } : {}),
    },
    cache: {},
    timings: { send: 0, wait: x.durationMs, receive: 0 },
    _source: 'replay',
    _step: x.operationId,
    // A replayed WebSocket connection, as DevTools writes one: the 101 and its frames, or the refused
    // handshake's answer with no frames.
    ...(x.webSocket
      ? {
          _resourceType: 'websocket',
          _webSocketMessages: x.webSocket.messages,
          ...(x.webSocket.dropped > 0 ? { _webSocketMessagesDropped: x.webSocket.dropped } : {}),
        }
      : {}),
  };
}

async function sessionCookies(ctx: CommandContext, flags: ReplayFlags): Promise<ReplayCookie[]> {
  if (flags.cookies && flags.profileDir)
    throw new UsageError('conflicting_flags', 'give either --cookies or --profile-dir, not both.');
  if (flags.cookies) {
    const path = ctx.resolvePath(flags.cookies);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw fileError(path, error) ?? error;
    }
    const cookies = parseCookieFile(text);
    if (!cookies) {
      throw new InputError('bad_cookie_file', `${path}: not a cookie file.`, {
        hint: 'Give a Playwright storage state, a JSON array of {name, value, domain}, or a Netscape cookies.txt.',
      });
    }
    return cookies;
  }
  if (flags.profileDir) {
    const dir = ctx.resolvePath(flags.profileDir);
    // Chromium would create a missing profile and replay would run without a session: every call
    // refused, reported as drift. A typo in the path is bad input.
    if (!existsSync(dir)) {
      throw new InputError('profile_not_found', `--profile-dir ${dir}: no such browser profile.`, {
        hint: 'Give the folder passed to `ledgertap capture browser --profile-dir` (where the login was made), or use --cookies FILE.',
      });
    }
    // Loaded only when needed: capture/ pulls in Playwright and mockttp.
    const { profileCookies } = await import('../../capture/index.js');
    const cookies = await profileCookies(dir, {
      ...(flags.browser ? { browser: flags.browser } : {}),
      env: ctx.env,
    });
    if (cookies.length === 0)
      ctx.warn(
        `--profile-dir ${dir}: the profile holds no cookies, so replay runs without a session. Log in with \`ledgertap capture browser --profile-dir ${flags.profileDir}\` first.`,
      );
    return cookies;
  }
  return [];
}

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('replay')
    .description(
      're-issue the read calls of a protocol model with a live session: read live data and detect drift',
    )
    .requiredOption('--model <file>', 'the model written by `ledgertap analyze --out`')
    .option(
      '--har <file>',
      'a capture the model was built from (repeat; default: the paths recorded in the model)',
      collect,
    )
    .option('--base-url <url>', 'send to this origin instead of the captured one')
    .option(
      '--cookies <file>',
      'session cookies: Playwright storage state, JSON array, or Netscape cookies.txt',
    )
    .option(
      '--profile-dir <dir>',
      'reuse the login of a browser profile (from `capture browser --profile-dir`)',
    )
    .option('--browser <path>', 'browser for --profile-dir (default: LEDGERTAP_BROWSER or the usual paths)')
    .option(
      '--login',
      're-run the captured login call with LEDGERTAP_WEB_USER and LEDGERTAP_WEB_PASSWORD from the environment',
    )
    .option('--operation <id>', 'only this operation (repeat)', collect)
    .option('--allow-write <id>', 'also send this write operation (repeat; needs --yes)', collect)
    .option('--yes', 'confirm the writes named by --allow-write')
    .option('--all-pages', 'follow the inferred pagination and read every page')
    .option('--max-pages <n>', 'most pages per operation with --all-pages', '50')
    .option('--timeout-ms <n>', 'per-request timeout', '15000')
    .option(
      '--retries <n>',
      'send a read again after a reset, cut body, timeout or 429/5xx, with backoff and Retry-After (0: never)',
      '3',
    )
    .option(
      '--out-har <file>',
      'write the replayed requests and live responses as a HAR (credentials masked)',
    )
    .option('--no-websockets', "leave the model's WebSocket endpoints out")
    .option(
      '--ws-base-url <url>',
      'dial WebSocket endpoints at this origin (default: --base-url with ws/wss, else as captured)',
    )
    .option('--ws-duration-ms <n>', 'how long to collect frames per WebSocket endpoint', '5000')
    .option('--ws-max-messages <n>', 'stop collecting a WebSocket endpoint after this many messages', '200')
    .option(
      '--ws-max-frame-bytes <n>',
      'largest WebSocket frame accepted; a larger one ends the connection',
      String(1024 * 1024),
    )
    .option('--report <file>', 'write the drift report (.md or .html)')
    .option('--results <file>', 'write every result as JSON')
    .addOption(
      new Option('--password <value>').hideHelp().argParser(() => {
        throw new UsageError('secret_in_argv', 'passwords are never taken from the command line.', {
          hint: 'Set LEDGERTAP_WEB_PASSWORD in the environment and pass --login.',
        });
      }),
    )
    .action(
      runtime.action(async (ctx: CommandContext, flags: ReplayFlags) => {
        if (flags.allowWrite?.length && !flags.yes) {
          throw new UsageError(
            'unconfirmed_write',
            `--allow-write ${flags.allowWrite.join(', ')} sends calls that may change the account.`,
            {
              hint: 'Add --yes to confirm, or leave the writes out.',
            },
          );
        }
        const modelPath = ctx.resolvePath(flags.model);
        const model = await loadProtocolModel(modelPath);
        const unknown = unknownOperationIds(model, [...(flags.operation ?? []), ...(flags.allowWrite ?? [])]);
        if (unknown.length) {
          throw new UsageError('unknown_operation', `the model has no operation ${unknown.join(', ')}.`, {
            hint: 'See the operation ids with `ledgertap report --model`.',
          });
        }
        const samples = await loadReplaySamples(model, {
          modelDir: modelDirOf(modelPath),
          ...(flags.har ? { capturePaths: flags.har.map((h) => ctx.resolvePath(h)) } : {}),
        });
        for (const problem of samples.problems)
          ctx.warn(`${problem}; the calls sampled from it are skipped.`);
        // The model names its captures by file name only: a capture not kept beside the model is not
        // found, and every call it would have sampled is skipped. Say so once, with how to point at it.
        if (flags.har)
          for (const path of samples.missing)
            ctx.warn(
              `--har ${path}: no such file, so the calls sampled from it are skipped; check the path.`,
            );
        else if (samples.missing.length) {
          const one = samples.missing.length === 1;
          ctx.warn(
            `the model's ${one ? 'capture' : 'captures'} ${samples.missing.join(', ')} ${one ? 'is' : 'are'} not beside it, so the calls sampled from ${one ? 'it' : 'them'} are skipped: pass --har FILE for each capture kept elsewhere, in the order given to analyze.`,
          );
        }
        const cookies = await sessionCookies(ctx, flags);
        let login: { username: string; password: string } | undefined;
        if (flags.login) {
          const username = ctx.env['LEDGERTAP_WEB_USER'];
          const password = ctx.env['LEDGERTAP_WEB_PASSWORD'];
          if (!username || !password)
            throw new UsageError(
              'missing_credentials',
              '--login needs LEDGERTAP_WEB_USER and LEDGERTAP_WEB_PASSWORD in the environment.',
            );
          login = { username, password };
        }
        // The report and results are written after the live run: a missing folder must fail before it.
        for (const [flag, target] of [
          ['--out-har', flags.outHar],
          ['--report', flags.report],
          ['--results', flags.results],
        ] as const)
          if (target) assertOutputFolder(ctx.resolvePath(target), flag);
        if (flags.report) assertReportPath(flags.report, '--report');
        // A base URL replay cannot send to failed every call after retries, each as "fetch failed".
        for (const [flag, value, schemes] of [
          ['--base-url', flags.baseUrl, ['http:', 'https:']],
          ['--ws-base-url', flags.wsBaseUrl, ['ws:', 'wss:', 'http:', 'https:']],
        ] as const)
          if (value !== undefined) assertBaseUrl(flag, value, schemes);
        const retries = flags.retries === undefined ? 3 : Number(flags.retries);
        if (!Number.isInteger(retries) || retries < 0 || retries > 10)
          throw new UsageError(
            'bad_flag_value',
            `--retries takes a whole number from 0 to 10, not ${flags.retries}.`,
          );
        const durationMs = positive('--ws-duration-ms', flags.wsDurationMs);
        const maxMessages = positive('--ws-max-messages', flags.wsMaxMessages);
        const maxFrameBytes = positive('--ws-max-frame-bytes', flags.wsMaxFrameBytes);
        const maxPages = positive('--max-pages', flags.maxPages) ?? 50;
        const timeoutMs = positive('--timeout-ms', flags.timeoutMs) ?? 15_000;
        // Opened only after every flag is checked, so a usage error leaves no <out-har>.partial behind.
        // Owner-only like a capture: the live answers are the holder's own records.
        const writer = flags.outHar
          ? await createHarWriter(ctx.resolvePath(flags.outHar), {
              creator: { name: 'ledgertap replay', version: packageVersion() },
              mode: 0o600,
            })
          : undefined;
        let run;
        try {
          run = await replayModel(model, samples.entries, {
            ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
            ...(flags.operation ? { operations: flags.operation } : {}),
            ...(flags.allowWrite ? { allowWrites: flags.allowWrite } : {}),
            allPages: Boolean(flags.allPages),
            maxPages,
            timeoutMs,
            retry: { ...DEFAULT_RETRY, retries },
            cookies,
            ...(login ? { login } : {}),
            webSockets:
              flags.websockets === false
                ? false
                : {
                    ...(flags.wsBaseUrl ? { baseUrl: flags.wsBaseUrl } : {}),
                    ...(durationMs ? { durationMs } : {}),
                    ...(maxMessages ? { maxMessages } : {}),
                    ...(maxFrameBytes ? { maxFrameBytes } : {}),
                  },
            signal: ctx.signal,
            onProgress: (p) => ctx.progress(`replay ${p.done}/${p.total} ${p.operationId}: ${p.outcome}`),
            ...(writer ? { onExchange: (x: ReplayExchange) => writer.write(exchangeToEntry(x)) } : {}),
          });
        } catch (error) {
          await writer?.close();
          throw error;
        }
        if (writer) await writer.close();
        const target = flags.baseUrl ?? model.operations[0]?.origin;
        if (flags.report)
          await writeFileAtomic(
            ctx.resolvePath(flags.report),
            renderFor(flags.report, driftReport(run, target ? { target } : {})),
          );
        if (flags.results)
          await writeFileAtomic(ctx.resolvePath(flags.results), `${JSON.stringify(run, null, 2)}\n`);
        if (ctx.json) ctx.printJson(run);
        else {
          ctx.print(
            `replayed ${run.results.length} operations: ${run.summary.ok} unchanged, ${run.summary.drift} drifted, ${run.summary.failed} failed, ${run.summary.skipped} skipped${run.retries > 0 ? `; ${run.retries} transient failure(s) retried` : ''}`,
          );
          for (const r of run.results) {
            if (r.kind === 'drift')
              for (const d of r.drifts) ctx.print(`  drift  ${r.operationId}: ${d.summary}`);
            if (r.kind === 'failed') ctx.print(`  failed ${r.operationId}: ${r.error}`);
          }
          const ws = run.websockets;
          if (ws) {
            ctx.print(
              `replayed ${ws.results.length} WebSocket endpoints: ${ws.summary.ok} unchanged, ${ws.summary.drift} drifted, ${ws.summary.failed} failed, ${ws.summary.skipped} skipped`,
            );
            for (const r of ws.results) {
              if (r.kind === 'drift')
                for (const d of r.drifts) ctx.print(`  drift  ${r.endpointId}: ${d.summary}`);
              if (r.kind === 'failed') ctx.print(`  failed ${r.endpointId}: ${r.error}`);
              if (r.kind === 'skipped') ctx.print(`  skipped ${r.endpointId}: ${r.reason}`);
              if (r.kind === 'ok' || r.kind === 'drift')
                for (const h of r.heldBack) ctx.print(`  not sent ${h.message}: ${h.reason}`);
            }
          }
          for (const w of run.warnings) ctx.warn(w);
        }
        // The login call answered, yet the server refused the session everywhere: the site asks for a
        // step after the password (a second factor) that --login cannot give. Say what works instead.
        if (flags.login && loginNotHonoured(run)) {
          const { refused, answered } = sessionRefusals(run);
          ctx.warn(
            `--login: the login call was accepted, but the server refused the session on ${refused} of ${answered} calls: the site likely asks for a second factor after the password, which --login cannot give. Reuse a browser login instead: capture with --profile-dir DIR, then replay --profile-dir DIR (or --cookies FILE).`,
          );
        }
        const outcome = run.session.login;
        if (flags.login && outcome?.outcome === 'refused')
          ctx.warn(
            `--login: the server refused the login (${[outcome.status, outcome.reason].filter((x) => x !== undefined).join(' ')}), so the calls went without a session. Check LEDGERTAP_WEB_USER and LEDGERTAP_WEB_PASSWORD, or reuse a browser login with --profile-dir DIR or --cookies FILE.`,
          );
        const ws = run.websockets?.summary;
        const problems =
          run.summary.drift > 0 || run.summary.failed > 0 || (ws?.drift ?? 0) > 0 || (ws?.failed ?? 0) > 0;
        return problems ? ExitCode.problems : ExitCode.ok;
      }),
    );
};
