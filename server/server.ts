/**
 * The normalized account API over a ledger: a read-only HTTP server (node:http). GET and HEAD only; bearer
 * auth by default; every error an RFC 9457 problem. See schemas/normalized-api.openapi.yaml.
 */
import { STATUS_CODES, createServer, maxHeaderSize } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { EnvironmentError, UsageError, createLogger, isLedgertapError } from '../core/index.js';
import type { LedgerStore } from '../ledger/index.js';
import { accepts } from './accept.js';
import { bearerToken, tokensEqual } from './auth.js';
import { ApiProblem, LEDGER_RETRY_AFTER } from './problem.js';
import { route } from './routes.js';
import type { RouteResult } from './routes.js';

const log = createLogger('ledgertap:server');

/** Options of {@link startLedgerServer}. */
export interface LedgerServerOptions {
  /** Bind address (default `127.0.0.1`). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /**
   * The bearer token every `/v1/*` request must present. Undefined means no auth, which is refused unless
   * `host` is a loopback address (and then requests must name a loopback Host, against DNS rebinding).
   */
  token?: string;
}

/** A running server. */
export interface LedgerServer {
  /** `http://host:port` (IPv6 hosts bracketed). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** True when requests need the bearer token. */
  readonly auth: boolean;
  /** Stops accepting, ends idle connections, waits for requests in flight. Does not close the store. */
  close(): Promise<void>;
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1'
  );
}

const ALLOWED_METHODS = ['GET', 'HEAD'];

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(hostHeader.trim());
  return m ? m[1] : undefined;
}

/** A request target's path, exactly as sent (still percent-encoded), and its query. */
interface RequestTarget {
  path: string;
  params: URLSearchParams;
}

/**
 * The path and query of a request target (origin-form `/p?q`, or absolute-form `http://h/p?q`); undefined
 * when it is neither. The path is taken as sent, not resolved as a URL reference: resolved, `//v1/accounts`
 * would name host `v1` and path `/accounts`, and a dot segment (`..`, or `%2E%2E` for an account or id of
 * that name) would climb to the parent (`…/records/trade/%2E%2E` answered the record listing).
 */
function requestTarget(target: string | undefined): RequestTarget | undefined {
  const text = target ?? '/';
  const m = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)?(\/[^?#]*)?(?:\?([^#]*))?(?:#.*)?$/.exec(text);
  if (!m || (m[1] === undefined && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text))) {
    // `*` (OPTIONS *) and other forms: no resource path.
    if (text === '*') return { path: '/*', params: new URLSearchParams() };
    return undefined;
  }
  // Characters a URL path keeps percent-encoded (as WHATWG URL serializes it), so the path can go into a
  // `Link: <…>` header and a problem's instance as is.
  const path = (m[1] ?? '/').replace(
    /["<>`{}|\\^]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return { path, params: new URLSearchParams(m[2] ?? '') };
}

/** The path of a request target, for a problem's instance. */
function safePathname(target: string | undefined): string {
  return requestTarget(target)?.path ?? '/';
}

function send(req: IncomingMessage, res: ServerResponse, result: RouteResult): void {
  const body = Buffer.from(result.body, 'utf8');
  res.statusCode = result.status;
  res.setHeader('content-type', result.contentType);
  res.setHeader('content-length', body.length);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function problem(req: IncomingMessage, res: ServerResponse, p: ApiProblem, instance: string): void {
  send(req, res, {
    status: p.status,
    contentType: 'application/problem+json',
    body: JSON.stringify(p.toDetails(instance)),
    headers: p.headers,
  });
}

/** Turns anything a handler threw into a problem; internals never reach the client. */
function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (isLedgertapError(error) && error.code.startsWith('ledger.'))
    return new ApiProblem(
      503,
      'ledger_unavailable',
      `The ledger failed to answer (${error.code}). Check the database; the request can be retried (Retry-After).`,
      { headers: { 'retry-after': LEDGER_RETRY_AFTER } },
    );
  return new ApiProblem(
    500,
    'internal',
    'The server failed on this request. Run serve with --verbose to see why.',
  );
}

/**
 * The problem of a request node:http refused before any handler saw it: a request line and headers over
 * {@link maxHeaderSize} (a long URL), a request that is not HTTP/1.1, one that took too long to arrive.
 */
function protocolProblem(error: NodeJS.ErrnoException): ApiProblem {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiProblem(
        431,
        'request_too_large',
        `The request line and headers exceed ${maxHeaderSize} bytes (a URL that long is not one of this API's). Shorten the URL: pass a cursor exactly as a page returned it, and a kind list only once.`,
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiProblem(
        408,
        'request_timeout',
        'The request did not arrive in time; send it again in one go.',
      );
    case 'HPE_INVALID_METHOD':
      return new ApiProblem(
        400,
        'bad_request',
        'The request method is not one HTTP/1.1 knows. The API is read-only; use GET or HEAD.',
        { allowed: ALLOWED_METHODS },
      );
    default:
      return new ApiProblem(
        400,
        'bad_request',
        `The request is not valid HTTP/1.1 (${error.code ?? 'unparsable'}: ${error.message.replace(/^Parse Error: /, '')}). Check the request line and headers.`,
      );
  }
}

/** A whole problem response written straight to a socket that carries no response yet, then closed. */
function rawProblem(socket: Duplex, p: ApiProblem): void {
  const { instance: _instance, ...details } = p.toDetails('');
  const body = Buffer.from(JSON.stringify(details), 'utf8');
  const head = [
    `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? 'Error'}`,
    'content-type: application/problem+json',
    `content-length: ${body.length}`,
    'cache-control: no-store',
    'x-content-type-options: nosniff',
    ...Object.entries(p.headers).map(([name, value]) => `${name}: ${value}`),
    'connection: close',
  ];
  socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
}

/**
 * Starts the API over `store` (which stays the caller's: close it after {@link LedgerServer.close}).
 * Errors: `usage.no_auth_public` (exit 2) for no token on a non-loopback host, `env.port_in_use` (exit 3),
 * `env.listen_failed` (exit 3).
 */
export async function startLedgerServer(
  store: LedgerStore,
  options: LedgerServerOptions = {},
): Promise<LedgerServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const token = options.token;
  if (token === undefined && !isLoopbackHost(host))
    throw new UsageError(
      'no_auth_public',
      `--no-auth with --host ${host}: the API would be open to the network.`,
      {
        hint: 'Keep auth on (the default), or bind --host 127.0.0.1.',
      },
    );
  const ctx = { store };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestTarget(req.url);
    if (url === undefined)
      return problem(
        req,
        res,
        new ApiProblem(400, 'bad_path', 'The request target is not a valid path.'),
        '/',
      );
    const instance = url.path;
    if (!ALLOWED_METHODS.includes(req.method ?? '')) {
      return problem(
        req,
        res,
        new ApiProblem(
          405,
          'method_not_allowed',
          `${req.method ?? '?'} ${instance}: the API is read-only; use GET or HEAD.`,
          {
            allowed: ALLOWED_METHODS,
            headers: { allow: ALLOWED_METHODS.join(', ') },
          },
        ),
        instance,
      );
    }
    if (token === undefined) {
      const name = hostnameOf(req.headers.host);
      if (name === undefined || !isLoopbackHost(name))
        return problem(
          req,
          res,
          new ApiProblem(
            421,
            'non_local_host',
            `Host ${JSON.stringify(req.headers.host ?? '')}: without auth this server answers only requests addressed to a loopback host (127.0.0.1, localhost, [::1]).`,
          ),
          instance,
        );
    } else if (instance !== '/healthz' && instance !== '/healthz/') {
      const presented = bearerToken(req.headers.authorization);
      if (presented === undefined)
        return problem(
          req,
          res,
          new ApiProblem(
            401,
            'unauthorized',
            'This API needs `Authorization: Bearer <token>`; the token is in the file `ledgertap serve` named when it started.',
            {
              headers: { 'www-authenticate': 'Bearer realm="ledgertap"' },
            },
          ),
          instance,
        );
      if (!tokensEqual(presented, token))
        return problem(
          req,
          res,
          new ApiProblem(
            401,
            'invalid_token',
            "The bearer token is not this server's. Read it again from the token file `ledgertap serve` named.",
            {
              headers: { 'www-authenticate': 'Bearer realm="ledgertap", error="invalid_token"' },
            },
          ),
          instance,
        );
    }
    try {
      const result = await route(ctx, url.path, url.params);
      if (!result)
        return problem(
          req,
          res,
          new ApiProblem(404, 'not_found', `${instance}: no such endpoint. GET /v1/openapi.yaml lists them.`),
          instance,
        );
      const mediaType = (result.contentType.split(';')[0] as string).trim();
      if (!accepts(req.headers.accept, mediaType))
        return problem(
          req,
          res,
          new ApiProblem(
            406,
            'not_acceptable',
            `${instance} is served as ${mediaType} only, which Accept: ${JSON.stringify((req.headers.accept ?? '').slice(0, 200))} refuses. Accept ${mediaType} (or */*).`,
            { allowed: [mediaType] },
          ),
          instance,
        );
      send(req, res, result);
    } catch (error) {
      if (!(error instanceof ApiProblem)) log('request %s %s failed: %O', req.method, req.url, error);
      problem(req, res, asProblem(error), instance);
    }
  }

  // Responses not yet written: when the server stops they say Connection: close, so a keep-alive client
  // does not send its next request on a connection about to end (it would meet a hang-up, not a refusal).
  const pending = new Set<ServerResponse>();
  let stopping = false;
  const server: Server = createServer({ requestTimeout: 60_000, headersTimeout: 20_000 }, (req, res) => {
    if (stopping) res.setHeader('connection', 'close');
    else {
      pending.add(res);
      res.once('close', () => pending.delete(res));
    }
    // A GET body is meaningless here; drain it so the connection stays usable.
    req.resume();
    handle(req, res).catch((error: unknown) => {
      log('response failed: %O', error);
      if (!res.headersSent) problem(req, res, asProblem(error), '/');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  // What node:http refuses itself it would answer with a bare status line: answer a problem instead.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    log('client error: %s', error.code ?? error.message);
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    rawProblem(socket, protocolProblem(error));
  });
  // CONNECT never reaches the request handler: without this, node:http drops the connection unanswered.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    rawProblem(
      socket,
      new ApiProblem(
        405,
        'method_not_allowed',
        'CONNECT: the API is no proxy and read-only; use GET or HEAD.',
        {
          allowed: ALLOWED_METHODS,
          headers: { allow: ALLOWED_METHODS.join(', ') },
        },
      ),
    );
  });
  // An Expect other than 100-continue: a problem rather than node:http's bare 417.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    problem(
      req,
      res,
      new ApiProblem(
        417,
        'expectation_failed',
        `Expect: ${JSON.stringify(req.headers.expect ?? '')} is not supported (only 100-continue is). Send the request without it.`,
      ),
      safePathname(req.url),
    );
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.removeListener('listening', onListening);
      if (error.code === 'EADDRINUSE')
        reject(
          new EnvironmentError('port_in_use', `serve: port ${port} on ${host} is already in use.`, {
            hint: 'Stop what listens there, or pass another --port (0 picks a free one).',
            cause: error,
          }),
        );
      else
        reject(
          new EnvironmentError(
            'listen_failed',
            `serve: cannot listen on ${host}:${port} (${error.code ?? error.message}).`,
            {
              hint: 'Check --host names an address of this machine and --port is allowed.',
              cause: error,
            },
          ),
        );
    };
    const onListening = (): void => {
      server.removeListener('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    auth: token !== undefined,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        stopping = true;
        for (const res of pending) if (!res.headersSent) res.setHeader('connection', 'close');
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
