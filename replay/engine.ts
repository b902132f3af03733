/**
 * The replay engine: for each read operation of a model, re-issue its captured request with a live
 * session, follow pagination when asked, and compare what comes back with what analysis inferred.
 * Sequential on purpose: a replay is the holder reading their own account, not a load test.
 */
import { createLogger, systemClock } from '../core/index.js';
import type { HarEntry } from '../har/index.js';
import type { ProtocolModel, ProtocolOperation, ProtocolPagination } from '../model/index.js';
import { CookieJar } from './cookies.js';
import { indexCredentials, type CredentialIndex } from './credentials.js';
import { matrixSlots } from './matrix-credentials.js';
import { findDrift } from './drift.js';
import { judgeLogin } from './login-outcome.js';
import { countItems, nextPage, type PageRequest } from './paging.js';
import { planReplay } from './policy.js';
import {
  bodyHasRedactedValues,
  issuedValues,
  maskHeaders,
  maskedUrl,
  prepareRequest,
  type PreparedRequest,
} from './request.js';
import { replayWebSockets, type IssuedResponse } from './websocket.js';
import { DEFAULT_RETRY, retryAfterMs, retryDelayMs, TRANSIENT_STATUS } from './retry.js';
import type {
  Drift,
  LoginCredentials,
  ReplayExchange,
  ReplayOptions,
  ReplayResult,
  ReplayRun,
} from './types.js';

const log = createLogger('replay');

interface Sent {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  durationMs: number;
  startedAt: number;
}

interface Runtime {
  model: ProtocolModel;
  samples: Map<string, HarEntry>;
  jar: CookieJar;
  credentials: CredentialIndex;
  options: ReplayOptions;
  fetch: typeof fetch;
  now: () => number;
  warnings: string[];
  session: ReplayRun['session'];
  /** Operations whose live answer issues a credential a WebSocket endpoint needs (a listenKey). */
  issuers: Set<string>;
  /** Their live answers in this run. */
  issued: Map<string, IssuedResponse>;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Transient failures of reads sent again (replay/retry.ts). */
  retries: number;
}

/**
 * Sends one request. A read (`retry`) that meets a transient failure (replay/retry.ts) is sent again with
 * backoff; the last failure is what the caller sees.
 */
async function send(
  rt: Runtime,
  request: PreparedRequest,
  operationId: string,
  retry = false,
): Promise<Sent> {
  const policy = rt.options.retry ?? DEFAULT_RETRY;
  const startedAt = rt.now();
  const t0 = performance.now();
  let response: Response;
  let text: string;
  for (let attempt = 0; ; attempt++) {
    const timeout = AbortSignal.timeout(rt.options.timeoutMs ?? 15_000);
    const signal = rt.options.signal ? AbortSignal.any([rt.options.signal, timeout]) : timeout;
    const again = retry && attempt < policy.retries && !rt.options.signal?.aborted;
    try {
      response = await rt.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        redirect: 'manual',
        signal,
      });
      // A body cut short throws here, like a dropped connection.
      text = await response.text();
    } catch (error) {
      const failure = withNetworkCause(error);
      if (!again) throw failure;
      await backoff(rt, operationId, attempt, undefined, failure.message);
      continue;
    }
    if (again && TRANSIENT_STATUS.has(response.status)) {
      const after = retryAfterMs(response.headers.get('retry-after'), rt.now());
      await backoff(rt, operationId, attempt, after, `HTTP ${response.status}`);
      continue;
    }
    break;
  }
  const durationMs = Math.round(performance.now() - t0);
  rt.jar.applySetCookie(request.url, response.headers.getSetCookie());
  // Auth calls carry the password and the fresh tokens: they never reach the live HAR.
  if (rt.options.onExchange && !operationId.startsWith('auth:')) {
    // A credential this call issues (a listenKey) is masked in its answer as it is where it is used.
    const issued = issuedValues(operationId, rt.credentials, text, response.headers);
    // So is a live session id the request carried in its path, echoed in links of the answer.
    const secrets = request.secrets ?? [];
    const mask = (t: string): string => {
      let out = t;
      for (const v of issued) out = out.split(v).join('***');
      for (const v of secrets) if (v.length >= 4) out = out.split(v).join('***');
      return out;
    };
    const body = mask(text);
    const exchange: ReplayExchange = {
      operationId,
      startedAt,
      durationMs,
      request: {
        method: request.method,
        url: maskedUrl(request.url, rt.credentials),
        headers: maskHeaders(request.headers, rt.credentials),
        ...(request.body !== undefined ? { body: request.body } : {}),
      },
      response: {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers]
          .filter(([n]) => n.toLowerCase() !== 'set-cookie')
          .map(([n, v]): [string, string] => [n, issued.includes(v) ? '***' : mask(v)]),
        body,
        mimeType: response.headers.get('content-type') ?? '',
      },
    };
    await rt.options.onExchange(exchange);
  }
  log(
    '%s %s -> %d (%d ms)',
    request.method,
    maskedUrl(request.url, rt.credentials),
    response.status,
    durationMs,
  );
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    text,
    durationMs,
    startedAt,
  };
}

/**
 * fetch's own message is "fetch failed" whatever happened; undici keeps the reason in `cause` (connect
 * ECONNREFUSED 127.0.0.1:8080, getaddrinfo ENOTFOUND, a certificate error). Results and warnings say it.
 */
function withNetworkCause(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const cause = (error as { cause?: { message?: unknown; code?: unknown } }).cause;
  const detail = cause && typeof cause === 'object' ? (cause.message ?? cause.code) : undefined;
  if (typeof detail !== 'string' || detail === '' || error.message.includes(detail)) return error;
  return new Error(`${error.message}: ${detail}`, { cause: error });
}

/** Waits before the next try of a read, and counts it. */
async function backoff(
  rt: Runtime,
  operationId: string,
  attempt: number,
  retryAfter: number | undefined,
  why: string,
): Promise<void> {
  const policy = rt.options.retry ?? DEFAULT_RETRY;
  const ms = retryDelayMs(attempt, retryAfter, policy);
  rt.retries += 1;
  log('%s: %s; retry %d in %d ms', operationId, why, attempt + 1, ms);
  await rt.sleep(ms, rt.options.signal);
}

/** Fills the login call's username and password fields (JSON or form) with the user's credentials. */
export function fillLoginBody(body: string, credentials: LoginCredentials): string {
  const userKey = /^(email|e-?mail|user(name)?|login|account|phone|mobile|identifier)$/i;
  const passKey = /^(pass(word)?|pwd|passwd|secret)$/i;
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const fill = (o: Record<string, unknown>): void => {
      for (const [k, v] of Object.entries(o)) {
        if (passKey.test(k)) o[k] = credentials.password;
        else if (userKey.test(k)) o[k] = credentials.username;
        else if (typeof v === 'object' && v !== null && !Array.isArray(v)) fill(v as Record<string, unknown>);
      }
    };
    fill(json);
    return JSON.stringify(json);
  } catch {
    const form = new URLSearchParams(body);
    for (const k of [...form.keys()]) {
      if (passKey.test(k)) form.set(k, credentials.password);
      else if (userKey.test(k)) form.set(k, credentials.username);
    }
    return form.toString();
  }
}

/** Logins one run may send when sessions keep expiring: enough to recover, too few to look like an attack. */
const MAX_LOGINS_PER_RUN = 3;

async function runAuthCall(rt: Runtime, role: 'login' | 'refresh'): Promise<boolean> {
  if (role === 'login' && !rt.options.login) return false;
  const entry = rt.samples.get(`auth:${role}`);
  const attempts = rt.session.login?.attempts ?? 0;
  // Credentials the server refused once are never sent again in the run: each refused call would
  // otherwise resend a wrong password, and a few of those lock the holder's account on many sites.
  if (role === 'login' && rt.session.login?.outcome === 'refused') return false;
  if (role === 'login' && attempts >= MAX_LOGINS_PER_RUN) {
    const warning = `the session kept expiring: ${MAX_LOGINS_PER_RUN} logins sent, no more in this run (the calls after them went without a session)`;
    if (!rt.warnings.includes(warning)) rt.warnings.push(warning);
    return false;
  }
  if (!entry) {
    if (role === 'login')
      rt.session.login = {
        outcome: 'not_sent',
        reason: rt.model.auth.calls.some((c) => c.role === 'login')
          ? 'the captured login call was not found'
          : 'the model has no login call',
        attempts,
      };
    return false;
  }
  const request = prepareRequest(entry, rt.jar, rt.credentials, {
    ...(rt.options.baseUrl ? { baseUrl: rt.options.baseUrl } : {}),
    ...(rt.options.headers ? { headers: rt.options.headers } : {}),
    now: rt.now(),
  });
  if (role === 'login' && request.body !== undefined && rt.options.login)
    request.body = fillLoginBody(request.body, rt.options.login);
  if (bodyHasRedactedValues(request.body)) {
    rt.warnings.push(`the captured ${role} call holds redacted values replay cannot fill`);
    if (role === 'login')
      rt.session.login = {
        outcome: 'not_sent',
        reason: 'the captured login call holds redacted values replay cannot fill',
        attempts,
      };
    return false;
  }
  try {
    const sent = await send(rt, request, `auth:${role}`);
    if (role === 'login') {
      const judged = judgeLogin(sent.status, sent.statusText, sent.text);
      rt.session.login = { ...judged, attempts: attempts + 1 };
      if (judged.outcome === 'accepted') rt.session.loggedIn = true;
      else
        rt.warnings.push(
          `the login call was refused (${sent.status}${judged.reason ? ` ${judged.reason}` : ''})`,
        );
      return judged.outcome === 'accepted';
    }
    const ok = sent.status >= 200 && sent.status < 400;
    if (ok) rt.session.refreshed += 1;
    else rt.warnings.push(`the ${role} call answered ${sent.status}`);
    return ok;
  } catch (error) {
    if (role === 'login')
      rt.session.login = { outcome: 'failed', reason: (error as Error).message, attempts: attempts + 1 };
    rt.warnings.push(`the ${role} call failed: ${(error as Error).message}`);
    return false;
  }
}

function jsonBodySchema(
  operation: ProtocolOperation,
  status: number,
): { schema: Record<string, unknown>; mediaType: string } | undefined {
  const response = operation.responses.find((r) => r.status === status);
  const body = response?.bodies.find((b) => /json/i.test(b.mediaType)) ?? response?.bodies[0];
  return body ? { schema: body.schema, mediaType: body.mediaType } : undefined;
}

/** Compares one live response with the model: the status first, then the media type, then the body. */
export function evaluateResponse(
  operation: ProtocolOperation,
  status: number,
  contentType: string,
  text: string,
): Drift[] {
  const expected = operation.responses.map((r) => r.status);
  if (!expected.includes(status)) {
    const wasOk = expected.some((s) => s >= 200 && s < 300);
    if (wasOk && (status === 404 || status === 410 || status === 405)) {
      return [
        {
          kind: 'endpoint_gone',
          pointer: '',
          expected: expected.join(','),
          actual: String(status),
          summary: `${operation.method} ${operation.pathTemplate} now answers ${status}: the endpoint moved or was removed; capture again to find where it went.`,
        },
      ];
    }
    if (status === 401 || status === 403 || status === 419 || status === 440) {
      return [
        {
          kind: 'auth_rejected',
          pointer: '',
          expected: expected.join(','),
          actual: String(status),
          summary: `${operation.method} ${operation.pathTemplate} rejected the session (${status}).`,
        },
      ];
    }
    return [
      {
        kind: 'status_changed',
        pointer: '',
        expected: expected.join(','),
        actual: String(status),
        summary: `${operation.method} ${operation.pathTemplate} answered ${status}; the capture saw ${expected.join(', ')}.`,
      },
    ];
  }
  const body = jsonBodySchema(operation, status);
  if (!body) return [];
  const isJson = /json/i.test(contentType);
  if (/json/i.test(body.mediaType) && !isJson && text.trim() !== '') {
    return [
      {
        kind: 'media_type_changed',
        pointer: '',
        expected: body.mediaType,
        actual: contentType || 'none',
        summary: `${operation.method} ${operation.pathTemplate} answered ${contentType || 'no content type'} instead of ${body.mediaType}.`,
      },
    ];
  }
  if (!isJson || text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [
      {
        kind: 'media_type_changed',
        pointer: '',
        expected: body.mediaType,
        actual: 'invalid JSON',
        summary: `${operation.method} ${operation.pathTemplate} sent a body that is not valid JSON.`,
      },
    ];
  }
  return findDrift(value, body.schema);
}

function paginationOf(model: ProtocolModel, operationId: string): ProtocolPagination | undefined {
  return model.pagination
    .filter(
      (p) =>
        p.operationId === operationId &&
        ['page-size', 'offset-limit', 'cursor', 'graphql-pageinfo'].includes(p.style),
    )
    .sort((a, b) => b.confidence - a.confidence)[0];
}

async function replayOperation(
  rt: Runtime,
  operation: ProtocolOperation,
  entry: HarEntry,
): Promise<ReplayResult> {
  const base = { operationId: operation.id, method: operation.method };
  const matrix = matrixSlots(operation);
  const build = (): PreparedRequest =>
    prepareRequest(entry, rt.jar, rt.credentials, {
      ...(rt.options.baseUrl ? { baseUrl: rt.options.baseUrl } : {}),
      ...(rt.options.headers ? { headers: rt.options.headers } : {}),
      now: rt.now(),
      ...(matrix.length > 0 ? { matrix } : {}),
    });
  let request = build();
  const url = maskedUrl(request.url, rt.credentials);
  if (request.needs) return { ...base, url, kind: 'skipped', reason: request.needs };
  for (const reason of request.pathMissing ?? []) rt.warnings.push(`${operation.id}: ${reason}`);
  if (bodyHasRedactedValues(request.body)) {
    return {
      ...base,
      url,
      kind: 'skipped',
      reason: 'the captured body holds redacted values replay cannot fill',
    };
  }
  let sent: Sent;
  try {
    const isRead = operation.classification.effect === 'read';
    sent = await send(rt, request, operation.id, isRead);
    const rejected =
      (sent.status === 401 || sent.status === 403) &&
      !operation.responses.some((r) => r.status === sent.status);
    if (rejected && ((await runAuthCall(rt, 'refresh')) || (await runAuthCall(rt, 'login')))) {
      request = build();
      sent = await send(rt, request, operation.id, isRead);
    }
  } catch (error) {
    return { ...base, url, kind: 'failed', error: (error as Error).message };
  }
  if (rt.issuers.has(operation.id))
    rt.issued.set(operation.id, { status: sent.status, text: sent.text, headers: sent.headers });
  const contentType = sent.headers.get('content-type') ?? '';
  const drifts = evaluateResponse(operation, sent.status, contentType, sent.text);
  let pages = 1;
  let items = 0;
  let durationMs = sent.durationMs;
  let body: unknown;
  try {
    body = /json/i.test(contentType) ? JSON.parse(sent.text) : undefined;
  } catch {
    body = undefined;
  }
  items = countItems(body);
  const pagination =
    rt.options.allPages && drifts.length === 0 ? paginationOf(rt.model, operation.id) : undefined;
  if (pagination) {
    let page: PageRequest = {
      url: request.url,
      ...(request.body !== undefined ? { body: request.body } : {}),
    };
    const maxPages = rt.options.maxPages ?? 50;
    while (pages < maxPages) {
      const next = nextPage(pagination, page, body, items);
      if (!next) break;
      page = next;
      try {
        const more = await send(
          rt,
          { ...request, url: next.url, ...(next.body !== undefined ? { body: next.body } : {}) },
          operation.id,
          operation.classification.effect === 'read',
        );
        durationMs += more.durationMs;
        if (more.status !== sent.status) break;
        body = JSON.parse(more.text) as unknown;
        const got = countItems(body);
        pages += 1;
        items += got;
        drifts.push(
          ...evaluateResponse(operation, more.status, more.headers.get('content-type') ?? '', more.text),
        );
        if (got === 0) break;
      } catch (error) {
        rt.warnings.push(`${operation.id}: page ${pages + 1} failed: ${(error as Error).message}`);
        break;
      }
    }
  }
  const unique = dedupeDrifts(drifts);
  if (unique.length > 0)
    return { ...base, url, kind: 'drift', status: sent.status, durationMs, pages, items, drifts: unique };
  return { ...base, url, kind: 'ok', status: sent.status, durationMs, pages, items };
}

function dedupeDrifts(drifts: Drift[]): Drift[] {
  const seen = new Set<string>();
  return drifts.filter((d) => {
    const key = `${d.kind}|${d.pointer.replace(/\/\d+(?=\/|$)/g, '/*')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Replays the read operations of `model` from their captured samples. Never throws for what the service
 * answers: every outcome is a result. Throws only when aborted.
 */
export async function replayModel(
  model: ProtocolModel,
  samples: Map<string, HarEntry>,
  options: ReplayOptions = {},
): Promise<ReplayRun> {
  const clock = options.clock ?? systemClock;
  const rt: Runtime = {
    model,
    samples,
    jar: new CookieJar(options.cookies ?? [], () => clock.now()),
    credentials: indexCredentials(model),
    options,
    fetch: options.fetch ?? globalThis.fetch,
    now: () => clock.now(),
    warnings: [],
    session: { loggedIn: false, refreshed: 0, cookies: 0, givenCookies: options.cookies?.length ?? 0 },
    issuers: webSocketIssuers(model),
    issued: new Map(),
    sleep: (ms, signal) => clock.sleep(ms, signal),
    retries: 0,
  };
  const startedAt = clock.now();
  if (options.login && (options.cookies?.length ?? 0) === 0) {
    if (!(await runAuthCall(rt, 'login')))
      rt.warnings.push(
        rt.session.login?.outcome === 'refused'
          ? 'the login with the given credentials was refused; replaying without a session'
          : 'could not log in; replaying without a session',
      );
  }
  const plan = planReplay(model, options);
  const results: ReplayResult[] = [];
  let done = 0;
  const only = options.operations?.length ? new Set(options.operations) : undefined;
  const wsTotal =
    options.webSockets === false ? 0 : (model.websockets ?? []).filter((w) => !only || only.has(w.id)).length;
  const total = plan.length + wsTotal;
  for (const step of plan) {
    options.signal?.throwIfAborted();
    const entry = samples.get(step.operation.id);
    let result: ReplayResult;
    if (!step.send) {
      result = {
        operationId: step.operation.id,
        method: step.operation.method,
        url: step.operation.origin + step.operation.pathTemplate,
        kind: 'skipped',
        reason: step.reason,
      };
    } else if (!entry) {
      result = {
        operationId: step.operation.id,
        method: step.operation.method,
        url: step.operation.origin + step.operation.pathTemplate,
        kind: 'skipped',
        reason: 'no captured request to replay it from (is the capture file where the model says?)',
      };
    } else {
      result = await replayOperation(rt, step.operation, entry);
    }
    results.push(result);
    done += 1;
    options.onProgress?.({ done, total, operationId: step.operation.id, outcome: result.kind });
  }
  const websockets =
    options.webSockets !== false && (model.websockets?.length ?? 0) > 0
      ? await replayWebSockets(
          {
            model,
            samples,
            jar: rt.jar,
            credentials: rt.credentials,
            options,
            now: rt.now,
            warnings: rt.warnings,
            issue: (operationId) => issueFor(rt, operationId),
          },
          (r) => {
            done += 1;
            options.onProgress?.({ done, total, operationId: r.endpointId, outcome: r.kind });
          },
        )
      : undefined;
  rt.session.cookies = rt.jar.size;
  const summary = { ok: 0, drift: 0, skipped: 0, failed: 0 };
  for (const r of results) summary[r.kind] += 1;
  return {
    startedAt,
    finishedAt: clock.now(),
    results,
    summary,
    session: rt.session,
    warnings: rt.warnings,
    retries: rt.retries,
    ...(websockets ? { websockets } : {}),
  };
}

/** Operations that issue a credential some WebSocket endpoint consumes (a listenKey in its path). */
function webSocketIssuers(model: ProtocolModel): Set<string> {
  const out = new Set<string>();
  const wsIds = new Set((model.websockets ?? []).map((w) => w.id));
  for (const c of model.auth.credentials)
    if (c.consumers.some((id) => wsIds.has(id)))
      for (const i of c.issuedBy) if (i.operationId) out.add(i.operationId);
  return out;
}

/** The live answer of an issuing call: this run's, else sent now from its captured request. */
async function issueFor(rt: Runtime, operationId: string): Promise<IssuedResponse | { error: string }> {
  const cached = rt.issued.get(operationId);
  if (cached) return cached;
  const entry = rt.samples.get(operationId);
  if (!entry) return { error: 'no captured request to re-issue it from' };
  const request = prepareRequest(entry, rt.jar, rt.credentials, {
    ...(rt.options.baseUrl ? { baseUrl: rt.options.baseUrl } : {}),
    ...(rt.options.headers ? { headers: rt.options.headers } : {}),
    now: rt.now(),
  });
  if (bodyHasRedactedValues(request.body))
    return { error: 'the captured body holds redacted values replay cannot fill' };
  try {
    // Named as an auth call: the fresh credential in its answer never reaches the live HAR.
    const sent = await send(rt, request, `auth:${operationId}`);
    const out = { status: sent.status, text: sent.text, headers: sent.headers };
    rt.issued.set(operationId, out);
    return out;
  } catch (error) {
    return { error: (error as Error).message };
  }
}
