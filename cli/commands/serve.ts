/**
 * `ledgertap serve`: the normalized account API over a ledger, read-only, until SIGINT/SIGTERM. When ready it
 * prints ONE JSON line on stdout (url, tokenFile; the token itself only with --json), so scripts and tests can
 * start it and read where it listens. The token file is created 0600 on first start.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/index.js';
import { isPostgresUrl, maskPostgresUrl, openLedger } from '../../ledger/index.js';
import { ensureTokenFile, isLoopbackHost, startLedgerServer } from '../../server/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';
import { dbLocation } from './consent.js';

interface ServeFlags {
  db?: string;
  host: string;
  port: string;
  tokenFile?: string;
  auth: boolean;
}

function portOf(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new UsageError('bad_flag', `--port ${value}: expected an integer from 0 to 65535.`, {
      hint: 'Pass e.g. --port 8080, or --port 0 for any free port.',
    });
  return Number(value);
}

/** Beside an SQLite ledger `<db>.token`; for PostgreSQL one file per database under the user's config dir. */
async function defaultTokenFile(ctx: CommandContext, location: string): Promise<string> {
  if (!isPostgresUrl(location)) return `${location}.token`;
  const base = ctx.env['XDG_CONFIG_HOME'] || join(ctx.env['HOME'] || homedir(), '.config');
  const dir = join(base, 'ledgertap');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const id = createHash('sha256').update(maskPostgresUrl(location)).digest('hex').slice(0, 16);
  return join(dir, `serve-${id}.token`);
}

async function run(ctx: CommandContext, flags: ServeFlags): Promise<number> {
  const port = portOf(flags.port);
  if (!flags.auth && !isLoopbackHost(flags.host))
    throw new UsageError(
      'no_auth_public',
      `--no-auth with --host ${flags.host}: the API would be open to the network.`,
      {
        hint: 'Drop --no-auth (a bearer token is then required), or bind --host 127.0.0.1.',
      },
    );
  if (!flags.auth && flags.tokenFile !== undefined)
    throw new UsageError('bad_flag', '--token-file with --no-auth: there is no token to keep.', {
      hint: 'Drop one of the two flags.',
    });
  const location = dbLocation(ctx, flags.db);
  const store = await openLedger(location, { create: false });
  try {
    let token: { path: string; token: string; created: boolean } | undefined;
    if (flags.auth) {
      const path =
        flags.tokenFile !== undefined
          ? ctx.resolvePath(flags.tokenFile)
          : await defaultTokenFile(ctx, location);
      token = await ensureTokenFile(path);
    }
    const server = await startLedgerServer(store, {
      host: flags.host,
      port,
      ...(token ? { token: token.token } : {}),
    });
    try {
      if (token) ctx.progress(`${token.created ? 'created the API token in' : 'API token in'} ${token.path}`);
      else ctx.warn('--no-auth: any local process can read this ledger through the API.');
      ctx.progress(`serving ${store.location} at ${server.url} (read-only). Ctrl-C stops it.`);
      ctx.print(
        JSON.stringify({
          url: server.url,
          tokenFile: token?.path ?? null,
          ...(ctx.json && token ? { token: token.token } : {}),
          auth: server.auth,
          backend: store.backend,
          db: store.location,
          spec: `${server.url}/v1/openapi.yaml`,
        }),
      );
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await server.close();
    }
    ctx.progress('serve stopped.');
    return 0;
  } finally {
    await store.close();
  }
}

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('serve')
    .description('serve the normalized account API (read-only, OpenAPI 3.1) over a ledger until Ctrl-C')
    .option('--db <path|url>', 'ledger: an SQLite file or a postgres:// URL (or LEDGERTAP_DB)')
    .option('--host <addr>', 'bind address', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', '0')
    .option('--token-file <file>', 'bearer token file, created 0600 when missing (default: <db>.token)')
    .option('--no-auth', 'no token (only on a loopback --host)')
    .addHelpText(
      'after',
      `
Prints one JSON line when ready: {"url", "tokenFile", …} (with --json also "token").
Endpoints: GET /healthz, /v1/openapi.yaml, /v1/accounts, /v1/accounts/{account}/records?kind=&since=&until=&limit=&cursor=,
/v1/accounts/{account}/records/{kind}/{id}, /v1/accounts/{account}/balances, /v1/accounts/{account}/ledger?asset=,
/v1/accounts/{account}/reconcile. Send Authorization: Bearer <token from the token file>.
Exit: 0 stopped by SIGINT/SIGTERM; 2 bad flags or ledger; 3 port in use or database unreachable.`,
    )
    .action(runtime.action((ctx: CommandContext, flags: ServeFlags) => run(ctx, flags)));
};
