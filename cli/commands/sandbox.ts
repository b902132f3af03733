/**
 * `ledgertap sandbox`: run the local stand-in exchange (signed API, web app slot, admin truth and stats,
 * faults) until SIGINT/SIGTERM. When ready it prints ONE JSON line on stdout with the URLs and
 * credentials (and key file paths), so scripts and tests can start it and read where it listens.
 */
import type { Command } from 'commander';
import { parseTimeInput, UsageError } from '../../core/index.js';
import {
  SANDBOX_KEY_TYPES,
  SANDBOX_PERMISSION_FLAGS,
  SANDBOX_PROFILE_NAMES,
  parseSandboxFaults,
  parseSandboxWebFaults,
  startSandbox,
  type SandboxKeyType,
  type SandboxModel,
} from '../../sandbox/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';

interface SandboxFlags {
  host: string;
  port: string;
  webPort: string;
  seed: string;
  profile: string;
  asOf?: string;
  keyType: string;
  keyPermissions: string;
  keyFiles?: boolean;
  faults?: string;
  webFaults?: string;
  clockSkewMs: string;
  limitWindowMs: string;
  rawRequestsLimit?: string;
  webApiVersion: string;
  earnDates?: string;
  autoInvestEnvelope?: string;
}

function integer(flag: string, value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError('bad_flag', `${flag} ${value}: expected an integer from ${min} to ${max}.`, {
      hint: `Pass e.g. ${flag} ${Math.max(min, 0)}.`,
    });
  return Number(value);
}

const FAULT_HELP = `
Faults (--faults, comma-separated):
  KIND:P            with probability P per API request       e.g. 429:0.05
  KIND@request=N[-M] on the N-th (to M-th) API request       e.g. 418@request=500
  KIND@every=N      on every N-th API request                 e.g. reset@every=50
  latency:MIN-MAX   uniform added latency in ms               e.g. latency:20-200
KIND: 429 (counts toward the 418 escalation), 418 (an IP ban), 403 (WAF page), 5xx or 500/502/503/504,
reset (connection destroyed), truncate (body cut short).
--web-faults takes the same grammar for the web app's requests (no 418; 429 answers the web's own
rate-limit envelope with Retry-After). Web requests are counted under "web" in /stats.

Admin: GET <adminUrl>/truth (JSON lines), /stats, /sessions, /credentials, /export/<kind>.csv`;

async function run(ctx: CommandContext, flags: SandboxFlags): Promise<number> {
  if (!(SANDBOX_PROFILE_NAMES as string[]).includes(flags.profile))
    throw new UsageError('bad_profile', `--profile ${flags.profile}: unknown profile.`, {
      hint: `Use one of ${SANDBOX_PROFILE_NAMES.join(', ')}.`,
    });
  if (!(SANDBOX_KEY_TYPES as readonly string[]).includes(flags.keyType))
    throw new UsageError('bad_key_type', `--key-type ${flags.keyType}: unknown key type.`, {
      hint: `Use one of ${SANDBOX_KEY_TYPES.join(', ')}.`,
    });
  const permissions = flags.keyPermissions
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p !== 'read' && p !== 'read-only');
  for (const p of permissions)
    if (!(p in SANDBOX_PERMISSION_FLAGS))
      throw new UsageError('bad_key_permission', `--key-permissions: unknown permission "${p}".`, {
        hint: `Use a comma list of ${Object.keys(SANDBOX_PERMISSION_FLAGS).join(', ')} (read-only is the default).`,
      });
  const webApiVersion = integer('--web-api-version', flags.webApiVersion, 1, 2) as 1 | 2;
  let asOf: number | undefined;
  if (flags.asOf !== undefined) {
    asOf = parseTimeInput(flags.asOf);
    if (asOf === undefined)
      throw new UsageError('bad_flag', `--as-of ${flags.asOf}: not a date or time.`, {
        hint: 'Use e.g. 2026-11-01.',
      });
  }
  const quirks: Partial<SandboxModel.QuirkFlags> = {};
  if (flags.earnDates !== undefined) {
    if (flags.earnDates !== 'string' && flags.earnDates !== 'int')
      throw new UsageError('bad_flag', `--earn-dates ${flags.earnDates}: expected string or int.`, {
        hint: 'Pass --earn-dates int.',
      });
    quirks.lockedDatesAsStrings = flags.earnDates === 'string';
  }
  if (flags.autoInvestEnvelope !== undefined) {
    if (flags.autoInvestEnvelope !== 'list' && flags.autoInvestEnvelope !== 'array')
      throw new UsageError(
        'bad_flag',
        `--auto-invest-envelope ${flags.autoInvestEnvelope}: expected list or array.`,
        { hint: 'Pass --auto-invest-envelope list.' },
      );
    quirks.autoInvestListEnvelope = flags.autoInvestEnvelope === 'list';
  }
  const faults = parseSandboxFaults(flags.faults);
  const webFaults = parseSandboxWebFaults(flags.webFaults);
  const started = performance.now();
  const sandbox = await startSandbox({
    host: flags.host,
    port: integer('--port', flags.port, 0, 65535),
    webPort: integer('--web-port', flags.webPort, 0, 65535),
    seed: integer('--seed', flags.seed, 0, 2 ** 32 - 1),
    profile: flags.profile as SandboxModel.ProfileName,
    ...(asOf !== undefined ? { asOf } : {}),
    quirks,
    keyType: flags.keyType as SandboxKeyType,
    keyPermissions: permissions,
    writeKeyFiles: Boolean(flags.keyFiles),
    faults,
    webFaults,
    clockSkewMs: integer('--clock-skew-ms', flags.clockSkewMs, -86_400_000, 86_400_000),
    limitWindowMs: integer('--limit-window-ms', flags.limitWindowMs, 10, 86_400_000),
    ...(flags.rawRequestsLimit !== undefined
      ? { rawRequestsLimit: integer('--raw-requests-limit', flags.rawRequestsLimit, 1, 10_000_000) }
      : {}),
    webApiVersion,
  });
  const ready = {
    baseUrl: sandbox.baseUrl,
    webUrl: sandbox.webUrl,
    adminUrl: sandbox.adminUrl,
    apiKey: sandbox.apiKey,
    apiSecret: sandbox.apiSecret,
    keyType: sandbox.keyType,
    webUser: sandbox.webUser,
    webPassword: sandbox.webPassword,
    ...(sandbox.webTwoFactorCode ? { webTwoFactorCode: sandbox.webTwoFactorCode } : {}),
    ...(sandbox.keyFiles ? { keyFiles: sandbox.keyFiles } : {}),
    profile: sandbox.account.profile,
    seed: sandbox.account.seed,
    asOf: sandbox.account.asOf,
    startMs: Math.round(performance.now() - started),
  };
  ctx.print(JSON.stringify(ready));
  if (!ctx.json)
    ctx.progress(
      `sandbox (${flags.profile}, seed ${flags.seed}) listening: API ${sandbox.baseUrl}, web ${sandbox.webUrl}, admin ${sandbox.adminUrl}. Ctrl-C stops it.`,
    );
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await sandbox.close();
  if (!ctx.json) ctx.progress('sandbox stopped.');
  return 0;
}

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('sandbox')
    .description(
      'run the local stand-in exchange (signed API, web app, admin truth/stats, faults) until Ctrl-C',
    )
    .option('--host <addr>', 'bind address', '127.0.0.1')
    .option('--port <n>', 'API port (0: any free port)', '0')
    .option('--web-port <n>', 'web app port (0: any free port)', '0')
    .option('--seed <n>', 'PRNG seed of the generated account', '1')
    .option('--profile <name>', `account size: ${SANDBOX_PROFILE_NAMES.join('|')}`, 'tiny')
    .option('--as-of <date>', 'snapshot time of the account (default: start of today, UTC)')
    .option('--key-type <type>', `API key type: ${SANDBOX_KEY_TYPES.join('|')}`, 'hmac')
    .option(
      '--key-permissions <list>',
      `comma list beside reading: ${Object.keys(SANDBOX_PERMISSION_FLAGS)
        .filter((p) => p !== 'read')
        .join(', ')}`,
      'read',
    )
    .option(
      '--key-files',
      'write the Ed25519/RSA key pair as owner-only PEM files in a temp dir and print their paths',
    )
    .option('--faults <spec>', 'inject faults (see below)')
    .option('--web-faults <spec>', "inject faults into the web app's requests (see below)")
    .option('--clock-skew-ms <n>', 'server clock offset from the real clock', '0')
    .option(
      '--limit-window-ms <n>',
      'length of a nominal 1-minute rate-limit window (all windows scale)',
      '60000',
    )
    .option(
      '--raw-requests-limit <n>',
      'RAW_REQUESTS per (scaled) 5-minute window, advertised by exchangeInfo and enforced on /api (default 300000)',
    )
    .option('--web-api-version <n>', 'web app API generation: 1|2', '1')
    .option('--earn-dates <kind>', 'Simple Earn locked position dates as string|int (default: per seed)')
    .option(
      '--auto-invest-envelope <kind>',
      'Auto-Invest history envelope list ({total,list}) | array (default: per seed)',
    )
    .addHelpText('after', FAULT_HELP)
    .action(runtime.action((ctx: CommandContext, flags: SandboxFlags) => run(ctx, flags)));
};
