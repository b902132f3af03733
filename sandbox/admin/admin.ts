/**
 * The admin surface under `/__sandbox/` (never rate-limited, never faulted):
 *   GET /__sandbox/truth        JSON lines: every record in the normalized model, with `routes`
 *   GET /__sandbox/stats        requests, weights per limit and endpoint, 429s, 418s, rejections, minimum weight
 *   GET /__sandbox/sessions     web sessions the web app issued
 *   GET /__sandbox/credentials  webUser, webPassword, apiKey (and apiSecret, keyType) for the autopilot
 *   GET /__sandbox/export/<kind>.csv   CSV exports registered with `registerExport`
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringifyJsonWithBigInt } from '../../core/index.js';
import { truthRecords } from '../data/truth.js';
import type { SandboxState } from '../state.js';
import type { RateLimiter } from '../api/limits.js';
import { minimumWeight, type MinimumWeight } from './min-weight.js';

export const ADMIN_PREFIX = '/__sandbox';

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = stringifyJsonWithBigInt(body, 2);
  res
    .writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store' })
    .end(text);
}

/** Streams the truth as JSON lines, honouring backpressure (the large profile has millions of records). */
async function streamTruth(
  res: ServerResponse,
  state: SandboxState,
  kinds: Set<string> | undefined,
): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson;charset=UTF-8', 'Cache-Control': 'no-store' });
  let buffer = '';
  for (const record of truthRecords(state.account)) {
    if (kinds && !kinds.has(record.kind)) continue;
    buffer += `${JSON.stringify(record)}\n`;
    if (buffer.length > 1 << 16) {
      const ok = res.write(buffer);
      buffer = '';
      if (!ok) await new Promise<void>((resolve) => res.once('drain', resolve));
      if (res.destroyed) return;
    }
  }
  res.end(buffer);
}

export class AdminRoutes {
  private minimum: MinimumWeight | undefined;

  constructor(
    private readonly state: SandboxState,
    private readonly limiter: RateLimiter,
    private readonly urls: () => { baseUrl: string; webUrl: string; adminUrl: string },
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice(ADMIN_PREFIX.length) || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, {
        error: 'method_not_allowed',
        message: `${req.method} ${url.pathname}: the admin surface is read-only.`,
      });
      return;
    }
    const state = this.state;
    if (path === '/' || path === '') {
      json(res, 200, {
        ...this.urls(),
        endpoints: [
          '/__sandbox/truth',
          '/__sandbox/stats',
          '/__sandbox/sessions',
          '/__sandbox/credentials',
          '/__sandbox/export/<kind>.csv',
        ],
        exports: [...state.exportHandlers.keys()],
        profile: state.account.profile,
        seed: state.account.seed,
        asOf: state.account.asOf,
      });
      return;
    }
    if (path === '/truth') {
      const kinds = url.searchParams.get('kind');
      await streamTruth(res, state, kinds ? new Set(kinds.split(',')) : undefined);
      return;
    }
    if (path === '/stats') {
      json(res, 200, this.stats());
      return;
    }
    if (path === '/sessions') {
      json(res, 200, { sessions: [...state.sessions.values()] });
      return;
    }
    if (path === '/credentials') {
      const c = state.credentials;
      json(res, 200, { ...c, ...(state.key.keyFiles ? { keyFiles: state.key.keyFiles } : {}) });
      return;
    }
    const m = /^\/export\/([a-z0-9_-]+)\.csv$/.exec(path);
    if (m) {
      const handler = state.exportHandlers.get(m[1]!);
      if (!handler) {
        json(res, 404, {
          error: 'no_export',
          message: `no CSV export "${m[1]}" is registered.`,
          exports: [...state.exportHandlers.keys()],
        });
        return;
      }
      await handler(req, res, { account: state.account, url, state });
      return;
    }
    json(res, 404, { error: 'not_found', message: `${url.pathname}: no such admin endpoint.` });
  }

  stats(): Record<string, unknown> {
    const s = this.state.stats;
    this.minimum ??= minimumWeight(this.state.account);
    const weightByLimit: Record<string, number> = {};
    for (const [id, used] of this.limiter.usedTotals) {
      const kind = id.split('|')[0]!;
      weightByLimit[kind] = (weightByLimit[kind] ?? 0) + used;
    }
    return {
      requests: s.requests,
      weightByLimit,
      byEndpoint: Object.fromEntries(s.byEndpoint),
      rateLimited429: s.rateLimited429,
      banned418: s.banned418,
      signatureRejections: s.signatureRejections,
      timestampRejections: s.timestampRejections,
      apiKeyRejections: s.apiKeyRejections,
      errorsByCode: Object.fromEntries(s.errorsByCode),
      faultsInjected: Object.fromEntries(s.faults),
      web: {
        requests: s.web.requests,
        byEndpoint: Object.fromEntries(s.web.byEndpoint),
        faultsInjected: Object.fromEntries(s.web.faults),
      },
      minimumWeight: this.minimum,
    };
  }
}
