/**
 * Fault injection for the web app (`--web-faults SPEC`), so replay and capture meet what a real front end
 * throws at them: the same grammar as `--faults` (api/faults.ts), with the kinds a web front end has.
 * `429` answers the web's own rate-limit envelope, `403` a WAF page, `5xx` a gateway page (502/504) or the
 * app's error envelope (500/503), `reset` destroys the connection, `truncate` cuts the body while
 * Content-Length promises all of it. `418` is an API-only ban and is refused here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UsageError } from '../../core/index.js';
import { FaultInjector, parseFaults, type FaultSpec } from '../api/faults.js';

/** Per web request: which fault fired (if any), counted by kind and endpoint in `/__sandbox/stats`. */
export interface WebStats {
  requests: number;
  byEndpoint: Map<string, number>;
  faults: Map<string, number>;
}

export function newWebStats(): WebStats {
  return { requests: 0, byEndpoint: new Map(), faults: new Map() };
}

/** Parses `--web-faults`; 418 (an API ban) has no web meaning and is refused with the item named. */
export function parseWebFaults(text: string | undefined): FaultSpec {
  const spec = parseFaults(text);
  if (spec.rules.some((r) => r.kind === '418')) {
    throw new UsageError('bad_faults', '--web-faults: 418 is an API ban; the web app has no such answer.', {
      hint: 'Use 429, 403, 5xx (or 500/502/503/504), reset, truncate and latency for the web app.',
    });
  }
  return spec;
}

/** Decides and applies web faults; `apply` returns true when it answered (or dropped) the request itself. */
export class WebFaults {
  private readonly injector: FaultInjector;
  private n = 0;

  constructor(
    spec: FaultSpec,
    seed: number,
    private readonly stats: WebStats,
  ) {
    // Its own stream: enabling web faults never changes which API requests fault.
    this.injector = new FaultInjector(spec, seed ^ 0x3eb);
  }

  async apply(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    this.stats.requests++;
    const key = `${req.method ?? 'GET'} ${path}`;
    this.stats.byEndpoint.set(key, (this.stats.byEndpoint.get(key) ?? 0) + 1);
    const delay = this.injector.latencyMs();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const fault = this.injector.pick(++this.n);
    if (!fault) return false;
    this.stats.faults.set(fault, (this.stats.faults.get(fault) ?? 0) + 1);
    const html = (status: number, title: string): void => {
      res
        .writeHead(status, { 'Content-Type': 'text/html' })
        .end(`<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`);
    };
    const envelope = (status: number, code: string, message: string): void => {
      res
        .writeHead(status, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ code, message, messageDetail: null, data: null, success: false }));
    };
    switch (fault) {
      case 'reset':
        req.socket.destroy();
        return true;
      case '403':
        html(403, '403 Forbidden');
        return true;
      case '502':
        html(502, '502 Bad Gateway');
        return true;
      case '504':
        html(504, '504 Gateway Time-out');
        return true;
      case '500':
        envelope(500, '000002', 'System abnormality.');
        return true;
      case '503':
        envelope(503, '000003', 'Service busy, please try again later.');
        return true;
      case '429':
        res.setHeader('Retry-After', '1');
        envelope(429, '100001003', 'Too many requests, please try again later.');
        return true;
      case 'truncate':
        truncateBody(res);
        return false;
      default:
        return false;
    }
  }
}

/** Lets the app answer, then sends only half of the body it wrote (Content-Length still promises all). */
function truncateBody(res: ServerResponse): void {
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  res.end = ((chunk?: unknown) => {
    const body = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : undefined;
    if (!body || body.length < 2) return end(chunk);
    if (!res.headersSent) res.setHeader('Content-Length', String(body.length));
    res.write(body.subarray(0, Math.floor(body.length / 2)));
    res.socket?.destroy();
    return res;
  }) as typeof res.end;
}
