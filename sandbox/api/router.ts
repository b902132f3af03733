/**
 * The signed API's request pipeline: faults, bans, weights and rate limits, API key, timestamp and
 * signature checks (CONTRACT.md 2-3), then the endpoint. Every rejection is the exchange's error body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringifyJsonWithBigInt } from '../../core/index.js';
import type { SandboxState } from '../state.js';
import type { EndpointDef } from './context.js';
import { SPOT_ENDPOINTS, SPOT_WRITE_ENDPOINTS } from './endpoints-spot.js';
import { SAPI_ENDPOINTS, SAPI_WRITE_ENDPOINTS } from './endpoints-sapi.js';
import { ApiFailure, Errors } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { RateLimiter } from './limits.js';
import type { LimitSpec } from './limits.js';
import { Params } from './params.js';
import { signaturePayload, verifySignature } from './signature.js';

const MAX_BODY = 1 << 20;
const API_KEY_FORMAT = /^[A-Za-z0-9]{64}$/;

type AnyEndpoint =
  EndpointDef | (Pick<EndpointDef, 'method' | 'path' | 'limit' | 'weight' | 'permission'> & { write: true });

export class ApiRouter {
  private readonly endpoints = new Map<string, AnyEndpoint>();
  private readonly paths = new Set<string>();
  private requestNo = 0;

  constructor(
    private readonly state: SandboxState,
    readonly limiter: RateLimiter,
    private readonly faults: FaultInjector,
  ) {
    for (const e of [...SPOT_ENDPOINTS, ...SAPI_ENDPOINTS]) this.add(e);
    for (const e of [...SPOT_WRITE_ENDPOINTS, ...SAPI_WRITE_ENDPOINTS]) this.add({ ...e, write: true });
  }

  private add(e: AnyEndpoint): void {
    this.endpoints.set(`${e.method} ${e.path}`, e);
    this.paths.add(e.path);
  }

  /** True for paths this router serves (/api and /sapi). */
  owns(path: string): boolean {
    return path.startsWith('/api/') || path.startsWith('/sapi/');
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const state = this.state;
    const stats = state.stats;
    const n = ++this.requestNo;
    stats.requests++;
    const ip = req.socket.remoteAddress ?? 'unknown';
    const delay = this.faults.latencyMs();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const rawBody = await readBody(req);
    if (rawBody === undefined) {
      res
        .writeHead(413, { 'Content-Type': 'text/html' })
        .end('<html><body><h1>413 Request Entity Too Large</h1></body></html>');
      return;
    }
    const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    const endpoint = this.endpoints.get(`${req.method ?? 'GET'} ${url.pathname}`);
    const specs = this.limiter.specs;
    const spec: LimitSpec =
      specs[endpoint?.limit ?? (url.pathname.startsWith('/sapi/') ? 'sapi-ip' : 'api-ip')];
    const statKey = `${req.method} ${url.pathname}`;
    const epStats = stats.endpoint(statKey);
    epStats.requests++;
    const headers: Record<string, string> = {};
    let truncate = false;
    try {
      const fault = this.faults.pick(n);
      if (fault) {
        stats.fault(fault);
        const now = state.now();
        switch (fault) {
          case 'reset':
            req.socket.destroy();
            return;
          case '403':
            res
              .writeHead(403, { 'Content-Type': 'text/html' })
              .end(
                '<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center></body></html>',
              );
            return;
          case '502':
          case '504':
            res
              .writeHead(Number(fault), { 'Content-Type': 'text/html' })
              .end(
                `<html><body><h1>${fault} ${fault === '502' ? 'Bad Gateway' : 'Gateway Time-out'}</h1></body></html>`,
              );
            return;
          case '500':
            throw Errors.unknown();
          case '503':
            throw Errors.serverBusy();
          case '429':
            this.limiter.markLimited(ip, now + 1000);
            throw Errors.tooMuchWeight(spec.limit, spec.intervalText, 1);
          case '418': {
            const until = this.limiter.ban(ip, now);
            throw Errors.banned(until, Math.ceil((until - now) / 1000));
          }
          case 'truncate':
            truncate = true;
            break;
        }
      }
      const now = state.now();
      this.limiter.checkBan(ip, now);
      // RAW_REQUESTS counts every /api request of the IP, whatever its weight or outcome.
      if (url.pathname.startsWith('/api/')) this.limiter.charge(specs['api-raw'], ip, 1, ip, now);
      if (!endpoint) {
        if (this.paths.has(url.pathname))
          throw new ApiFailure(405, -1000, `Request method '${req.method}' not supported`);
        throw Errors.notFound();
      }
      const params = Params.parse(rawQuery, rawBody);
      const weight = typeof endpoint.weight === 'function' ? endpoint.weight(params) : endpoint.weight;
      const bucketKey =
        spec.kind === 'api-ip'
          ? ip
          : spec.kind === 'sapi-ip'
            ? `${ip}|${url.pathname}`
            : `uid|${url.pathname}`;
      const used = this.limiter.charge(spec, bucketKey, weight, ip, now);
      if (spec.header) headers[spec.header] = String(used);
      epStats.weight += weight;
      const write = 'write' in endpoint;
      if (write || endpoint.security !== 'NONE')
        this.authenticate(req, params, rawQuery, rawBody, now, url.pathname.startsWith('/api/'));
      // After authentication: the rule is per account, and only a request the account sent counts.
      const minIntervalMs = write ? undefined : endpoint.minIntervalMs;
      const spacingKey = minIntervalMs ? `uid|${url.pathname}` : undefined;
      if (spacingKey) this.limiter.checkSpacing(spacingKey, minIntervalMs!, ip, now);
      if (write) {
        if (!endpoint.permission || !state.key.permissions[endpoint.permission]) throw Errors.rejectedKey();
        throw Errors.writeNotSupported();
      }
      // A read that needs more than "Enable Reading" (wallet/balance: Universal Transfer).
      if (endpoint.permission && !state.key.permissions[endpoint.permission]) throw Errors.rejectedKey();
      let body: unknown = endpoint.handle({
        account: state.account,
        params,
        now,
        key: state.key,
        index: state.index,
        limits: specs,
      });
      if (endpoint.strictParams) params.assertAllRead();
      if (spacingKey) this.limiter.served(spacingKey, now);
      // X-MBX-TIME-UNIT: MICROSECOND switches /api time fields to µs (CONTRACT.md 1).
      const unit = req.headers['x-mbx-time-unit'];
      if (
        url.pathname.startsWith('/api/') &&
        typeof unit === 'string' &&
        unit.toUpperCase() === 'MICROSECOND'
      )
        body = toMicroseconds(body);
      send(res, 200, body, headers, truncate);
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      epStats.errors++;
      stats.error(error.code);
      if (error.status === 429) stats.rateLimited429++;
      if (error.status === 418) stats.banned418++;
      if (spec.header && headers[spec.header] === undefined && spec.kind === 'api-ip')
        headers[spec.header] = String(this.limiter.used(spec, ip, state.now()));
      send(
        res,
        error.status,
        { code: error.code, msg: error.msg },
        { ...headers, ...error.headers },
        truncate,
      );
    }
  }

  /** API key, mandatory signing params, timing window (2.4), signature (2.2). */
  private authenticate(
    req: IncomingMessage,
    params: Params,
    rawQuery: string,
    rawBody: string,
    now: number,
    isApi: boolean,
  ): void {
    const key = this.state.key;
    const header = req.headers['x-mbx-apikey'];
    const apiKey = Array.isArray(header) ? header[0] : header;
    if (apiKey === undefined || !API_KEY_FORMAT.test(apiKey)) throw Errors.badApiKeyFormat();
    if (apiKey !== key.apiKey) throw Errors.rejectedKey();
    const { payload, signature, count } = signaturePayload(rawQuery, rawBody);
    if (count > 1) throw Errors.duplicateParam();
    if (signature === undefined || signature === '') throw Errors.mandatory('signature');
    let timestamp = params.long('timestamp', true)!;
    // /api accepts microsecond timestamps (CONTRACT.md 1).
    if (isApi && timestamp >= 1e15) timestamp = Math.floor(timestamp / 1000);
    const recvRaw = params.str('recvWindow');
    let recvWindow = 5000;
    if (recvRaw !== undefined) {
      const ok = isApi ? /^[0-9]{1,20}(\.[0-9]{1,3})?$/.test(recvRaw) : /^[0-9]{1,20}$/.test(recvRaw);
      if (!ok)
        throw Errors.illegalChars('recvWindow', isApi ? '^[0-9]{1,20}(\\.[0-9]{1,3})?$' : '^[0-9]{1,20}$');
      recvWindow = Number(recvRaw);
      if (recvWindow > 60000) throw Errors.badRecvWindow();
    }
    if (timestamp >= now + 1000) throw Errors.timestampAhead();
    if (now - timestamp > recvWindow) throw Errors.timestampOutside();
    const verifyKey =
      key.type === 'hmac'
        ? { type: key.type, secret: key.apiSecret }
        : { type: key.type, publicKey: key.publicKey! };
    if (!verifySignature(verifyKey, payload, signature)) throw Errors.badSignature();
  }
}

const TIME_FIELDS = new Set(['time', 'updateTime', 'workingTime', 'serverTime', 'transactTime']);

/** Multiplies the time fields of a response by 1000 (µs), recursively. */
function toMicroseconds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toMicroseconds);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = TIME_FIELDS.has(k) && typeof v === 'number' ? v * 1000 : toMicroseconds(v);
  return out;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooBig ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
  truncate: boolean,
): void {
  const text = Buffer.from(stringifyJsonWithBigInt(body), 'utf8');
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': String(text.length),
    ...headers,
  });
  if (truncate && text.length > 1) {
    // Promise the whole body, send half, drop the connection: what a cut-off response looks like.
    res.write(text.subarray(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
    return;
  }
  res.end(text);
}
