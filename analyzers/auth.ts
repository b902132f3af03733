/**
 * Auth and token flow, the part no other traffic-to-API tool does (protocol-field-notes.md, gap 1):
 * an inventory of every credential-like value (cookies, headers, query and body fields); for each, where
 * it was issued (Set-Cookie, a JSON field, a response header, a redirect parameter, an HTML meta tag or
 * hidden input), who consumes it, its lifetime, rotation by a refresh call, derivation (a hash or encoding
 * of another credential, or a relation capture recorded before redaction) and its class (static, per
 * session, per request). Login, logout, refresh and CSRF bootstrap calls are named, and HMAC-style
 * request signing is detected. Redacted captures (`[REDACTED]`) are linked by names and order instead.
 */
import { createHash } from 'node:crypto';
import { parseRedactedPlaceholder } from '../core/index.js';
import type { Analyzer, FinishInput, RouteRef } from './analyzer.js';
import { evidenceAt, pushEvidence } from './analyzer.js';
import type { Observation } from './observe.js';
import { scannableJson, visitLeaves } from './observe.js';
import { sessionIssuance } from './session-issue.js';
import { webSocketCredentialUses } from './websocket-credentials.js';
import { credentialKindOf, isCredentialName, isRedactedValue } from './shapes.js';
import type {
  AuthCallModel,
  AuthModel,
  CredentialLocation,
  CredentialModel,
  Evidence,
  Finding,
  IssuanceModel,
  SigningModel,
} from './types.js';

interface Issue {
  via: IssuanceModel['via'];
  name: string;
  key: string;
  value: string;
  time: number;
  order: number;
  lifetime?: { seconds: number; source: string };
  evidence: Evidence;
  cleared?: boolean;
}

interface CredState {
  id: string;
  name: string;
  location: CredentialLocation;
  kind: string;
  uses: number;
  values: Set<string>;
  valuesOverflow: boolean;
  /** Uses whose value had not been seen before for this credential. */
  fresh: number;
  redacted: boolean;
  consumers: Map<string, number>;
  issuedBy: Map<string, { issue: Issue; linkedBy: IssuanceModel['linkedBy'] }>;
  evidence: Evidence[];
  firstOrder: number;
  /** Uses whose value looked like a timestamp within a day of the request. */
  timestampLike: number;
  sample?: string;
}

/** Analytics and preference cookies: not credentials. */
const NOT_CREDENTIAL_COOKIE =
  /^(_ga|_gid|_gat|_gcl_\w+|_fbp|_fbc|__utm\w*|_hj\w*|_uetsid|_uetvid|ajs_\w+|amplitude\w*|mp_\w+|optimizely\w*|_clck|_clsk|lang|locale|language|theme|timezone|tz|currency|cookie_consent|cookieconsent\w*|OptanonConsent|OptanonAlertBoxClosed|_dd_s|intercom-\w+|__cf_bm|_cfuvid)$/i;
// Vendor headers without the `x-` prefix count when they end in a token, session or API-key word:
// GitLab's `Private-Token`, vSphere's `vmware-api-session-id`, CircleCI's `Circle-Token`; and the bare
// names some vendors use (Tanium's `session`, `token`).
const CREDENTIAL_HEADERS =
  /^(session|session-?id|token|authorization|proxy-authorization|x-api-key|api-key|apikey|x-auth-token|x-access-token|x-csrf-token|x-xsrf-token|csrf-token|x-csrftoken|x-mbx-apikey|x-signature|x-timestamp|x-nonce|x-session-id|x-amz-security-token|x-goog-api-key|clienttype|x-trace-id-ignored|x-[\w-]*(token|key|auth|sign|signature|session|nonce|timestamp)[\w-]*|[\w-]*(csrf|xsrf)[\w-]*|[a-z][\w]*(-[\w]+)*-(token|session|session-?id|api-?key))$/i;
const REDIRECT_PARAMS =
  /^(code|access_token|id_token|token|refresh_token|session_token|ticket|auth|authuser_ignored)$/i;
const TIMESTAMP_NAME =
  /^(timestamp|ts|t|_t|_|time|nonce_ts|x-timestamp|x-[\w-]*timestamp|recvwindow_ignored)$/i;

/** A name test remembered per name (bounded): header and parameter names repeat on every entry. */
function cachedTest(re: RegExp): (name: string) => boolean {
  const verdicts = new Map<string, boolean>();
  return (name) => {
    const known = verdicts.get(name);
    if (known !== undefined) return known;
    const yes = re.test(name);
    if (verdicts.size < 10_000) verdicts.set(name, yes);
    return yes;
  };
}

const isCredentialHeader = cachedTest(CREDENTIAL_HEADERS);
const isIssuedHeader = cachedTest(/^x-[\w-]*(token|csrf|xsrf)/);
const isTimestampName = cachedTest(TIMESTAMP_NAME);
const isNotCredentialCookie = cachedTest(NOT_CREDENTIAL_COOKIE);

/** Names compared across locations: `X-XSRF-TOKEN` ~ `XSRF-TOKEN`, `access_token` ~ `accessToken`. */
function normName(name: string): string {
  return name
    .toLowerCase()
    .replace(/^x-/, '')
    .replace(/[^a-z0-9]/g, '');
}

/** The first query parameter named like a signature. */
function signatureParam(query: [string, string][]): [string, string] | undefined {
  for (const p of query) if (/^(signature|sign|sig|hmac)$/i.test(p[0])) return p;
  return undefined;
}

/** The value of the first `Location` response header. */
function locationHeader(headers: Observation['responseHeaders']): string | undefined {
  for (const h of headers) if (h.name.toLowerCase() === 'location') return h.value;
  return undefined;
}

/** Whether any name matches (a loop, not `some` with a closure: this runs on every entry). */
function someMatch(names: string[], re: RegExp): boolean {
  for (const n of names) if (re.test(n)) return true;
  return false;
}

/** The first request header (in header order) named like a signature: `x-…-signature`, `x-…-sign`. */
function signatureHeader(headers: Map<string, string>): [string, string] | undefined {
  for (const entry of headers) if (/^x-[\w-]*(signature|sign)$/.test(entry[0])) return entry;
  return undefined;
}

function stripScheme(value: string): string {
  return value.replace(/^(bearer|token|basic|jwt)\s+/i, '');
}

function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0]?.startsWith('eyJ')) return undefined;
  try {
    const json = Buffer.from(parts[1] as string, 'base64url').toString('utf8');
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

interface SetCookie {
  name: string;
  value: string;
  expires?: number;
  maxAge?: number;
  index: number;
  source: 'cookies' | 'headers';
}

function parseSetCookies(obs: Observation): SetCookie[] {
  const out: SetCookie[] = [];
  const res = obs.entry.response ?? { cookies: [], headers: [] };
  const seen = new Set<string>();
  (res.cookies ?? []).forEach((c, i) => {
    if (!c || typeof c.name !== 'string') return;
    const sc: SetCookie = { name: c.name, value: String(c.value ?? ''), index: i, source: 'cookies' };
    if (c.expires) {
      const t = Date.parse(c.expires);
      if (!Number.isNaN(t)) sc.expires = t;
    }
    seen.add(c.name);
    out.push(sc);
  });
  (res.headers ?? []).forEach((h, i) => {
    if (String(h.name).toLowerCase() !== 'set-cookie') return;
    // Some producers fold several Set-Cookie headers into one value separated by newlines.
    for (const line of String(h.value).split('\n')) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const sc: SetCookie = { name, value: pair.slice(eq + 1).trim(), index: i, source: 'headers' };
      for (const a of attrs) {
        const [k, v] = a.split('=').map((x) => x.trim());
        if (!k || v === undefined) continue;
        if (k.toLowerCase() === 'max-age' && /^-?\d+$/.test(v)) sc.maxAge = Number(v);
        if (k.toLowerCase() === 'expires') {
          const t = Date.parse(v);
          if (!Number.isNaN(t)) sc.expires = t;
        }
      }
      const prior = out.find((o) => o.name === name);
      if (prior) {
        if (sc.maxAge !== undefined) prior.maxAge = sc.maxAge;
        if (sc.expires !== undefined && prior.expires === undefined) prior.expires = sc.expires;
      } else if (!seen.has(name)) out.push(sc);
    }
  });
  return out;
}

function requestCookies(obs: Observation): { name: string; value: string; pointer: string }[] {
  const req = obs.entry.request;
  if (Array.isArray(req.cookies) && req.cookies.length > 0) {
    return req.cookies.map((c, i) => ({
      name: String(c.name),
      value: String(c.value ?? ''),
      pointer: `/request/cookies/${i}/value`,
    }));
  }
  const header = obs.requestHeaders.get('cookie');
  if (!header) return [];
  const idx = (req.headers ?? []).findIndex((h) => String(h.name).toLowerCase() === 'cookie');
  return header
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.includes('='))
    .map((p) => ({
      name: p.slice(0, p.indexOf('=')),
      value: p.slice(p.indexOf('=') + 1),
      pointer: `/request/headers/${idx}/value`,
    }));
}

const TRANSFORMS: [string, (v: string) => string][] = [
  ['md5', (v) => createHash('md5').update(v).digest('hex')],
  ['sha1', (v) => createHash('sha1').update(v).digest('hex')],
  ['sha256', (v) => createHash('sha256').update(v).digest('hex')],
  ['base64', (v) => Buffer.from(v, 'utf8').toString('base64')],
  ['base64url', (v) => Buffer.from(v, 'utf8').toString('base64url')],
  ['hex', (v) => Buffer.from(v, 'utf8').toString('hex')],
  ['urlencode', (v) => encodeURIComponent(v)],
];

/**
 * What issuance and consumption are matched on: the value itself, or for a keyed placeholder
 * (`[redacted:<kind>:<fingerprint>]`, ledgertap's own redaction) its fingerprint, which is the same for
 * equal values whatever the kind (a token issued in JSON and sent as a header). A bare `[REDACTED]`
 * says nothing about the value (undefined: linked by name instead), and neither does a value under 4
 * characters (`1`, `true`).
 */
function linkKey(value: string): string | undefined {
  const keyed = parseRedactedPlaceholder(value);
  if (keyed) return `\u0000${keyed.fingerprint}`;
  if (isRedactedValue(value) || value.length < 4) return undefined;
  return value;
}
export const authAnalyzer: Analyzer = {
  name: 'auth',
  description:
    'credential inventory, issuers, consumers, lifetimes, rotation, derivation, login/logout/refresh/CSRF calls, request signing',
  create(ctx) {
    const creds = new Map<string, CredState>();
    /**
     * The same credentials by location, then name: looked up per use, where building the `location:name`
     * id string on every use cost more than the lookup. `creds` keeps the order of first use.
     */
    const credsAt = new Map<CredentialLocation, Map<string, CredState>>();
    /** Issued values → issues (bounded); and issues by normalized name for redacted captures. */
    const byValue = new Map<string, Issue[]>();
    const byName = new Map<string, Issue[]>();
    const issueRoute = new Map<Issue, string>();
    const clearedCookies: { key: string; name: string; evidence: Evidence }[] = [];
    const callHints: { key: string; role: AuthCallModel['role']; evidence: Evidence; names: string[] }[] = [];
    const signing = new Map<
      string,
      {
        key: string;
        signature: string;
        timestamp?: string;
        apiKey?: string;
        encoding: string;
        evidence: Evidence[];
        count: number;
      }
    >();
    let order = 0;
    let trackedValues = 0;

    const issuedNames = new Map<string, Set<string>>();
    const jsonScans = new Map<string, { n: number; hits: number }>();
    const addIssue = (issue: Issue, routeKey: string | undefined): void => {
      if (routeKey) {
        issueRoute.set(issue, routeKey);
        const names = issuedNames.get(routeKey) ?? new Set<string>();
        if (names.size < 50) names.add(normName(issue.name));
        issuedNames.set(routeKey, names);
      }
      const norm = normName(issue.name);
      const list = byName.get(norm) ?? [];
      if (list.length < 50) list.push(issue);
      byName.set(norm, list);
      const key = linkKey(issue.value);
      if (key !== undefined && trackedValues < ctx.maxTrackedValues) {
        const l = byValue.get(key) ?? [];
        if (l.length === 0) trackedValues++;
        if (l.length < 10) l.push(issue);
        byValue.set(key, l);
      }
    };

    const consume = (
      obs: Observation,
      routeKey: string | undefined,
      location: CredentialLocation,
      name: string,
      rawValue: string,
      pointer: string,
      bodyPointer?: string,
    ): void => {
      const lname = location === 'header' || location === 'authorization' ? name.toLowerCase() : name;
      let named = credsAt.get(location);
      let c = named?.get(lname);
      if (!c) {
        if (creds.size >= 500) return;
        const id = `${location}:${lname}`;
        c = {
          id,
          name: lname,
          location,
          kind: credentialKindOf(lname, rawValue),
          uses: 0,
          values: new Set(),
          valuesOverflow: false,
          fresh: 0,
          redacted: false,
          consumers: new Map(),
          issuedBy: new Map(),
          evidence: [],
          firstOrder: order,
          timestampLike: 0,
        };
        creds.set(id, c);
        if (!named) credsAt.set(location, (named = new Map()));
        named.set(lname, c);
      }
      c.uses++;
      const value = stripScheme(rawValue);
      if (isRedactedValue(value)) c.redacted = true;
      if (!c.values.has(value)) {
        c.fresh++;
        if (!c.valuesOverflow) {
          c.values.add(value);
          if (c.values.size > 256) {
            c.valuesOverflow = true;
            c.values.clear();
          }
        }
      }
      c.sample ??= value;
      if (/^\d{10}(\d{3})?$/.test(value) && Number.isFinite(obs.time)) {
        const t = value.length === 13 ? Number(value) : Number(value) * 1000;
        if (Math.abs(t - obs.time) < 86_400_000) c.timestampLike++;
      }
      if (routeKey && (c.consumers.size < 200 || c.consumers.has(routeKey)))
        c.consumers.set(routeKey, (c.consumers.get(routeKey) ?? 0) + 1);
      // Only the first three uses are kept: no evidence object for the rest (most uses of a token).
      if (c.evidence.length < 3) pushEvidence(c.evidence, evidenceAt(obs, pointer, bodyPointer), 3);
      const linked = linkKey(value);
      const issued = linked === undefined ? undefined : byValue.get(linked);
      if (issued)
        for (const issue of issued) {
          const k = issueKey(issue);
          if (!c.issuedBy.has(k)) c.issuedBy.set(k, { issue, linkedBy: 'value' });
        }
    };

    /**
     * An issue's key, built once: every use of an issued token looks up its issues, and building the
     * string per use (for up to 10 issues per value) was a visible share of the auth analyzer's time.
     */
    const issueKeys = new WeakMap<Issue, string>();
    const issueKey = (i: Issue): string => {
      let k = issueKeys.get(i);
      if (k === undefined) {
        k = `${i.evidence.capture}:${i.evidence.entry}:${i.via}:${i.name}`;
        issueKeys.set(i, k);
      }
      return k;
    };

    return {
      observe(obs: Observation, route: RouteRef | undefined) {
        if (obs.noise) return;
        order++;
        const rk = route?.key;
        const req = obs.entry.request;
        // Consumers: cookies, credential headers, query and body fields.
        for (const c of requestCookies(obs)) {
          if (isNotCredentialCookie(c.name)) continue;
          consume(obs, rk, 'cookie', c.name, c.value, c.pointer);
        }
        (req.headers ?? []).forEach((h, i) => {
          const n = String(h.name).toLowerCase();
          if (n === 'cookie') return;
          if (n === 'authorization' || isCredentialHeader(n))
            consume(
              obs,
              rk,
              n === 'authorization' ? 'authorization' : 'header',
              n,
              String(h.value ?? ''),
              `/request/headers/${i}/value`,
            );
        });
        // WebSocket: credentials in the path (`/ws/{listenKey}`) and in sent messages.
        for (const u of webSocketCredentialUses(obs, (v) => {
          const k = linkKey(v);
          return k === undefined ? undefined : byValue.get(k)?.[0]?.name;
        }))
          consume(obs, rk, u.location, u.name, u.value, u.pointer, u.bodyPointer);
        // Matrix parameters: a servlet's `;jsessionid=` (or `;sid=`, `;phpsessid=`) carries the session in
        // the URL, the same value its Set-Cookie issued.
        for (const m of obs.matrix ?? [])
          if (isCredentialName(m.name)) consume(obs, rk, 'path-matrix', m.name, m.value, '/request/url');
        const tsParams: string[] = [];
        for (let i = 0; i < obs.query.length; i++) {
          const [k, v] = obs.query[i] as [string, string];
          const tsName = isTimestampName(k);
          if (tsName || isCredentialName(k))
            consume(obs, rk, 'query', k, v, `/request/queryString/${i}/value`);
          if (tsName && /^\d{10,13}$/.test(v)) tsParams.push(k);
        }
        const body = obs.requestBody;
        if (body.kind === 'form' || body.kind === 'multipart') {
          for (const [k, v] of body.fields) {
            const tsName = isTimestampName(k);
            if (tsName || isCredentialName(k))
              consume(obs, rk, 'body', k, v, '/request/postData/text', `/${k}`);
            if (tsName && /^\d{10,13}$/.test(v)) tsParams.push(k);
          }
        } else if (scannableJson(body)) {
          visitLeaves(
            body.value,
            (pointer, key, leaf) => {
              if (typeof leaf === 'string' && isCredentialName(key) && leaf.length > 0)
                consume(obs, rk, 'body', key, leaf, '/request/postData/text', pointer());
            },
            { maxLeaves: 500, maxDepth: 6 },
          );
        }
        // HMAC-style signing: a signature that changes per request beside a timestamp.
        const sig =
          signatureParam(obs.query) ??
          signatureHeader(obs.requestHeaders) ??
          (body.kind === 'form' ? body.fields.find(([k]) => /^(signature|sign|sig)$/i.test(k)) : undefined);
        if (sig && rk) {
          const [sname, svalue] = sig;
          const ts = tsParams[0] ?? [...obs.requestHeaders.keys()].find((k) => /timestamp/.test(k));
          const apiKey = [...obs.requestHeaders.keys()].find((k) => /api-?key|apikey|access-key/.test(k));
          const encoding = /^[0-9a-f]{64}$/i.test(svalue)
            ? 'hex-64 (HMAC-SHA256)'
            : /^[0-9a-f]{40}$/i.test(svalue)
              ? 'hex-40 (HMAC-SHA1)'
              : /^[0-9a-f]{128}$/i.test(svalue)
                ? 'hex-128 (HMAC-SHA512)'
                : /^[A-Za-z0-9+/_-]{20,}={0,2}$/.test(svalue)
                  ? 'base64'
                  : isRedactedValue(svalue)
                    ? 'redacted'
                    : 'unknown';
          const k = `${sname}|${ts ?? ''}`;
          const s = signing.get(k) ?? {
            key: rk,
            signature: sname,
            encoding,
            evidence: [],
            count: 0,
            ...(ts ? { timestamp: ts } : {}),
            ...(apiKey ? { apiKey } : {}),
          };
          s.count++;
          pushEvidence(s.evidence, evidenceAt(obs, '/request/url'), 3);
          signing.set(k, s);
          const ops = (s as { ops?: Set<string> }).ops ?? new Set<string>();
          if (ops.size < 100) ops.add(rk);
          (s as { ops?: Set<string> }).ops = ops;
        }
        // Issuers: Set-Cookie, credential headers, JSON fields, redirect parameters, HTML meta and inputs.
        for (const sc of parseSetCookies(obs)) {
          if (isNotCredentialCookie(sc.name)) continue;
          const pointer =
            sc.source === 'cookies'
              ? `/response/cookies/${sc.index}/value`
              : `/response/headers/${sc.index}/value`;
          const cleared =
            sc.value === '' ||
            sc.value === 'deleted' ||
            (sc.maxAge !== undefined && sc.maxAge <= 0) ||
            (sc.expires !== undefined && Number.isFinite(obs.time) && sc.expires < obs.time);
          const issue: Issue = {
            via: 'set-cookie',
            name: sc.name,
            key: `cookie:${sc.name}`,
            value: sc.value,
            time: obs.time,
            order,
            evidence: evidenceAt(obs, pointer),
          };
          if (sc.maxAge !== undefined && sc.maxAge > 0)
            issue.lifetime = { seconds: sc.maxAge, source: 'max-age' };
          else if (sc.expires !== undefined && Number.isFinite(obs.time) && sc.expires > obs.time)
            issue.lifetime = { seconds: Math.round((sc.expires - obs.time) / 1000), source: 'cookie-expiry' };
          if (cleared) {
            issue.cleared = true;
            if (rk) clearedCookies.push({ key: rk, name: sc.name, evidence: issue.evidence });
            continue;
          }
          addIssue(issue, rk);
        }
        obs.responseHeaders.forEach((h, i) => {
          const n = String(h.name).toLowerCase();
          if (n === 'set-cookie' || !(isCredentialHeader(n) || isIssuedHeader(n))) return;
          addIssue(
            {
              via: 'header',
              name: n,
              key: `header:${n}`,
              value: stripScheme(String(h.value)),
              time: obs.time,
              order,
              evidence: evidenceAt(obs, `/response/headers/${i}/value`),
            },
            rk,
          );
        });
        const location = obs.entry.response?.redirectURL || locationHeader(obs.responseHeaders);
        if (location) {
          try {
            const u = new URL(location, obs.origin);
            const params = new URLSearchParams(u.search);
            for (const [k, v] of new URLSearchParams(u.hash.replace(/^#/, ''))) params.append(k, v);
            for (const [k, v] of params) {
              if (REDIRECT_PARAMS.test(k) || isCredentialName(k)) {
                addIssue(
                  {
                    via: 'redirect-param',
                    name: k,
                    key: `query:${k}`,
                    value: v,
                    time: obs.time,
                    order,
                    evidence: evidenceAt(obs, '/response/redirectURL'),
                  },
                  rk,
                );
              }
            }
          } catch {
            /* not a URL */
          }
        }
        const rb = obs.responseBody;
        // Responses of routes that never carried a credential-named field are scanned one in 16 after the
        // first three; routes that did (login, refresh) are scanned every time, so rotation is never missed.
        const scan = rk ? (jsonScans.get(rk) ?? { n: 0, hits: 0 }) : { n: 0, hits: 0 };
        scan.n++;
        if (rk && (jsonScans.size < 50_000 || jsonScans.has(rk))) jsonScans.set(rk, scan);
        const scanThis = scan.hits > 0 || scan.n <= 3 || scan.n % 16 === 0;
        if (scannableJson(rb) && scanThis) {
          visitLeaves(
            rb.value,
            (pointer, key, leaf, parent) => {
              if (
                typeof leaf !== 'string' ||
                leaf.length < 6 ||
                !isCredentialName(key) ||
                /expire|type|scope|url|uri$/i.test(key)
              )
                return;
              scan.hits++;
              const issue: Issue = {
                via: 'json-field',
                name: key,
                key: `json:${key}`,
                value: leaf,
                time: obs.time,
                order,
                evidence: evidenceAt(obs, '/response/content/text', pointer()),
              };
              const p = parent as Record<string, unknown>;
              const expiresIn = p.expires_in ?? p.expiresIn ?? p.expires ?? p.ttl;
              // The JWT is decoded only when no expires_in sibling already gives the lifetime.
              const fromSibling = typeof expiresIn === 'number' && expiresIn > 0 && !/refresh/i.test(key);
              const claims = fromSibling ? undefined : decodeJwtClaims(leaf);
              if (fromSibling) issue.lifetime = { seconds: expiresIn, source: 'expires_in' };
              else if (claims && typeof claims.exp === 'number') {
                const base =
                  typeof claims.iat === 'number'
                    ? claims.iat
                    : Number.isFinite(obs.time)
                      ? obs.time / 1000
                      : undefined;
                if (base !== undefined)
                  issue.lifetime = { seconds: Math.round(claims.exp - base), source: 'jwt-exp' };
              }
              addIssue(issue, rk);
            },
            { maxLeaves: 2000, maxDepth: 8 },
          );
        } else if (rb.kind === 'html') {
          const text = rb.text;
          const meta =
            /<meta\s+[^>]*name=["']([^"']*(?:csrf|xsrf|token)[^"']*)["'][^>]*content=["']([^"']*)["'][^>]*>|<meta\s+[^>]*content=["']([^"']*)["'][^>]*name=["']([^"']*(?:csrf|xsrf|token)[^"']*)["'][^>]*>/gi;
          let count = 0;
          for (let m = meta.exec(text); m && count < 50; m = meta.exec(text), count++) {
            const name = m[1] ?? m[4] ?? '';
            const value = m[2] ?? m[3] ?? '';
            addIssue(
              {
                via: 'html-meta',
                name,
                key: `meta:${name}`,
                value,
                time: obs.time,
                order,
                evidence: evidenceAt(obs, '/response/content/text'),
              },
              rk,
            );
          }
          const input = /<input\s+[^>]*type=["']hidden["'][^>]*>/gi;
          count = 0;
          for (let m = input.exec(text); m && count < 100; m = input.exec(text), count++) {
            const tag = m[0];
            const name = /name=["']([^"']*)["']/i.exec(tag)?.[1];
            const value = /value=["']([^"']*)["']/i.exec(tag)?.[1] ?? '';
            if (name && isCredentialName(name))
              addIssue(
                {
                  via: 'html-hidden-input',
                  name,
                  key: `input:${name}`,
                  value,
                  time: obs.time,
                  order,
                  evidence: evidenceAt(obs, '/response/content/text'),
                },
                rk,
              );
          }
        }
        // Call roles from names: these are confirmed at finish by what they issue or clear.
        const path = `/${obs.segments.join('/')}`.toLowerCase();
        const form =
          body.kind === 'form'
            ? Object.fromEntries(body.fields)
            : scannableJson(body) && body.value && typeof body.value === 'object'
              ? (body.value as Record<string, unknown>)
              : {};
        const grant = typeof form.grant_type === 'string' ? form.grant_type : '';
        const formKeys: string[] = [];
        for (const k in form) if (formKeys.push(k) >= 200) break;
        const hasPassword = someMatch(formKeys, /passw|pwd/i);
        const ev = evidenceAt(obs, '/request/url');
        if (rk) {
          if (grant === 'refresh_token' || /refresh/.test(path) || someMatch(formKeys, /refresh_?token/i))
            callHints.push({ key: rk, role: 'refresh', evidence: ev, names: [] });
          else if (
            grant === 'authorization_code' ||
            (/oauth\d?\/token$|\/token$/.test(path) && grant && grant !== 'password')
          )
            callHints.push({ key: rk, role: 'token-exchange', evidence: ev, names: [] });
          else if (
            hasPassword ||
            grant === 'password' ||
            (/(^|\/)(login|signin|sign-in|sessions?|authenticate|auth)(\/|$)/.test(path) &&
              obs.method === 'POST')
          )
            callHints.push({ key: rk, role: 'login', evidence: ev, names: [] });
          if (/(^|\/)(logout|signout|sign-out|log-out)(\/|$)/.test(path))
            callHints.push({ key: rk, role: 'logout', evidence: ev, names: [] });
        }
      },
      finish(input: FinishInput) {
        const opOf = (key: string | undefined): string | undefined =>
          key ? input.operationOf(key) : undefined;
        const findings: Finding[] = [];
        // Link by name what value equality could not (redacted or re-encoded values), in order: the latest
        // issue of a matching name before the credential's first use.
        const pairs: [RegExp, RegExp][] = [
          [/^authorization$/, /^(access_?token|token|id_?token|jwt|auth_?token|bearer)$/],
          [/csrf|xsrf/, /csrf|xsrf|authenticity/],
        ];
        for (const c of creds.values()) {
          if (c.issuedBy.size > 0) continue;
          const norm = normName(c.name);
          let candidates = byName.get(norm) ?? [];
          if (candidates.length === 0) {
            for (const [re1, re2] of pairs) {
              if (!re1.test(norm)) continue;
              for (const [n, list] of byName) if (re2.test(n)) candidates = [...candidates, ...list];
            }
          }
          const before = candidates.filter((i) => i.order <= c.firstOrder).sort((a, b) => b.order - a.order);
          const pick = before[0] ?? candidates.sort((a, b) => a.order - b.order)[0];
          if (pick) c.issuedBy.set(issueKey(pick), { issue: pick, linkedBy: 'name' });
        }
        // Relations recorded by capture before redaction: `issued` and `derived`.
        const byFingerprint = new Map<string, CredState>();
        for (const c of creds.values()) {
          for (const v of c.values) {
            const fp = parseRedactedPlaceholder(v)?.fingerprint;
            if (fp) byFingerprint.set(fp, c);
          }
        }
        const findCred = (ref: string): CredState | undefined => {
          const fp = parseRedactedPlaceholder(ref)?.fingerprint ?? ref;
          return (
            byFingerprint.get(fp) ??
            [...creds.values()].find(
              (c) =>
                c.id === ref ||
                ref.toLowerCase().endsWith(`.${c.name.toLowerCase()}`) ||
                ref.toLowerCase().endsWith(`:${c.name.toLowerCase()}`),
            )
          );
        };
        const derived = new Map<CredState, NonNullable<CredentialModel['derivedFrom']>>();
        for (const { capture, relation } of input.relations) {
          const to = findCred(relation.to);
          if (!to) continue;
          if (relation.type === 'derived') {
            const from = findCred(relation.from);
            if (from && from !== to)
              derived.set(to, {
                credential: from.id,
                transform: relation.transform ?? 'unknown',
                linkedBy: 'relation',
              });
          } else if (relation.type === 'issued' && relation.entryIndex !== undefined) {
            const issue: Issue = {
              via: 'header',
              name: relation.from,
              key: relation.from,
              value: '',
              time: NaN,
              order: 0,
              evidence: { capture, entry: relation.entryIndex, pointer: '/response' },
            };
            to.issuedBy.set(`rel:${capture}:${relation.entryIndex}`, { issue, linkedBy: 'relation' });
          }
        }
        // Derivation by value: a credential equal to md5/sha1/sha256/base64/hex of another's value.
        const clear = [...creds.values()]
          .filter((c) => c.sample && !isRedactedValue(c.sample) && c.sample.length >= 4)
          .slice(0, 300);
        const transformed = new Map<string, { cred: CredState; transform: string }>();
        for (const c of clear)
          for (const [name, fn] of TRANSFORMS) {
            const t = fn(c.sample as string);
            if (t !== c.sample) transformed.set(t.toLowerCase(), { cred: c, transform: name });
          }
        for (const c of clear) {
          if (derived.has(c)) continue;
          const hit = transformed.get((c.sample as string).toLowerCase());
          if (hit && hit.cred !== c)
            derived.set(c, { credential: hit.cred.id, transform: hit.transform, linkedBy: 'value' });
        }
        // Double-submit CSRF: a header that repeats a cookie (`XSRF-TOKEN` → `X-XSRF-TOKEN`), by value or,
        // when redacted, by name.
        for (const c of creds.values()) {
          if (derived.has(c) || c.location !== 'header' || c.kind !== 'csrf') continue;
          const sameValue = (k: CredState): boolean =>
            c.sample !== undefined &&
            k.sample !== undefined &&
            linkKey(c.sample) !== undefined &&
            linkKey(c.sample) === linkKey(k.sample);
          const cookie = [...creds.values()].find(
            (k) =>
              k.location === 'cookie' &&
              (normName(k.name) === normName(c.name) || (k.kind === 'csrf' && sameValue(k))),
          );
          if (!cookie) continue;
          const byValue = sameValue(cookie);
          derived.set(c, {
            credential: cookie.id,
            transform: 'identity (double-submit cookie)',
            linkedBy: byValue ? 'value' : 'name',
          });
        }
        const credentials: CredentialModel[] = [];
        for (const c of [...creds.values()].sort((a, b) => a.id.localeCompare(b.id))) {
          const distinct = c.valuesOverflow ? 257 : c.values.size;
          const issues = [...c.issuedBy.values()].sort((a, b) => a.issue.order - b.issue.order);
          let klass: CredentialModel['class'] = 'unknown';
          if (c.kind === 'timestamp' || c.timestampLike >= Math.max(2, c.uses * 0.8)) klass = 'per-request';
          else if (c.uses >= 2 && c.fresh >= c.uses * 0.9 && !c.redacted) klass = 'per-request';
          else if (issues.length > 0) klass = 'per-session';
          else if (c.uses >= 2 && distinct === 1 && !c.redacted) klass = 'static';
          else if (c.uses >= 2 && distinct > 1) klass = 'per-session';
          let kind = c.kind;
          if (klass === 'per-request' && c.timestampLike >= c.uses * 0.8) kind = 'timestamp';
          const rotatedBy = new Set<string>();
          const sameName = issues.filter((i) => i.linkedBy !== 'relation');
          if (new Set(sameName.map((i) => i.issue.value)).size > 1 || (c.redacted && sameName.length > 1)) {
            for (const i of sameName.slice(1)) {
              const op = opOf(issueRoute.get(i.issue));
              if (op) rotatedBy.add(op);
            }
          }
          // Name-linked issues of a rotated credential: later issuers of the same name rotate it too.
          const norm = normName(issues[0]?.issue.name ?? c.name);
          const sameNameIssues = (byName.get(norm) ?? []).filter(
            (i) => i.order > (issues[0]?.issue.order ?? Infinity),
          );
          for (const i of sameNameIssues) {
            if (i.value !== issues[0]?.issue.value) {
              const op = opOf(issueRoute.get(i));
              if (op) rotatedBy.add(op);
            }
          }
          const lifetime = issues.find((i) => i.issue.lifetime)?.issue.lifetime ?? jwtLifetime(c.sample);
          const m: CredentialModel = {
            id: c.id,
            name: c.name,
            location: c.location,
            kind,
            class: klass,
            distinctValues: distinct,
            uses: c.uses,
            redacted: c.redacted,
            issuedBy: issues.slice(0, 5).map(({ issue, linkedBy }) => {
              const op = opOf(issueRoute.get(issue));
              const im: IssuanceModel = {
                via: linkedBy === 'relation' ? 'relation' : issue.via,
                name: issue.name,
                linkedBy,
                evidence: [issue.evidence],
              };
              if (op) im.operationId = op;
              return im;
            }),
            consumers: [
              ...new Set([...c.consumers.keys()].map((k) => opOf(k)).filter((x): x is string => !!x)),
            ].sort(),
            rotatedBy: [...rotatedBy].sort(),
            confidence:
              Math.round(
                (c.location === 'cookie' || c.location === 'authorization' || issues.length > 0
                  ? 0.9
                  : isCredentialName(c.name)
                    ? 0.75
                    : 0.5) * 100,
              ) / 100,
            evidence: c.evidence,
          };
          if (lifetime) m.lifetime = lifetime;
          const d = derived.get(c);
          if (d) m.derivedFrom = d;
          credentials.push(m);
        }
        // Attach credentials to operations.
        const opById = new Map(input.operations.map((o) => [o.id, o]));
        for (const c of credentials) for (const op of c.consumers) opById.get(op)?.credentials.push(c.id);
        // Auth calls.
        const calls = new Map<string, AuthCallModel>();
        const addCall = (
          role: AuthCallModel['role'],
          op: string | undefined,
          credIds: string[],
          confidence: number,
          ev: Evidence,
        ): void => {
          if (!op) return;
          const k = `${role}:${op}`;
          const existing = calls.get(k);
          if (existing) {
            for (const id of credIds) if (!existing.credentials.includes(id)) existing.credentials.push(id);
            existing.confidence = Math.max(existing.confidence, confidence);
            pushEvidence(existing.evidence, ev, 3);
            return;
          }
          calls.set(k, { role, operationId: op, credentials: [...credIds], confidence, evidence: [ev] });
        };
        const issuedByOp = new Map<string, string[]>();
        for (const c of credentials)
          for (const i of c.issuedBy)
            if (i.operationId)
              issuedByOp.set(i.operationId, [...(issuedByOp.get(i.operationId) ?? []), c.id]);
        for (const h of callHints) {
          const op = opOf(h.key);
          if (!op) continue;
          const names = issuedNames.get(h.key) ?? new Set<string>();
          const byIssuedName = credentials
            .filter((c) => c.issuedBy.some((i) => names.has(normName(i.name))))
            .map((c) => c.id);
          const issued = [...new Set([...(issuedByOp.get(op) ?? []), ...byIssuedName])].sort();
          if (h.role === 'logout') addCall('logout', op, [], 0.85, h.evidence);
          else addCall(h.role, op, issued, issued.length > 0 ? 0.9 : 0.6, h.evidence);
        }
        for (const cc of clearedCookies) {
          const op = opOf(cc.key);
          const cred = credentials.find((c) => c.location === 'cookie' && c.name === cc.name);
          if (op) addCall('logout', op, cred ? [cred.id] : [], 0.8, cc.evidence);
        }
        for (const c of credentials) {
          if (c.kind !== 'csrf') continue;
          const first = c.issuedBy[0];
          if (first?.operationId)
            addCall(
              'csrf-bootstrap',
              first.operationId,
              [c.id],
              first.linkedBy === 'value' ? 0.9 : 0.65,
              first.evidence[0] as Evidence,
            );
        }
        // A login without a password field in view: the first operation whose issue feeds a session credential.
        if (![...calls.values()].some((c) => c.role === 'login')) {
          const session = credentials.filter(
            (c) => c.class === 'per-session' && c.issuedBy[0]?.operationId && c.kind !== 'csrf',
          );
          const first = session.sort(
            (a, b) => (a.issuedBy[0]?.evidence[0]?.entry ?? 0) - (b.issuedBy[0]?.evidence[0]?.entry ?? 0),
          )[0];
          const op = first?.issuedBy[0]?.operationId;
          const opm = op ? opById.get(op) : undefined;
          // A call that already sends an API key or a session credential is not a login: Binance's
          // `POST /api/v3/userDataStream` issues a listenKey to a caller authenticated by X-MBX-APIKEY.
          const authenticated =
            op !== undefined &&
            credentials.some(
              (c) =>
                c.kind !== 'csrf' &&
                c.id !== first?.id &&
                c.consumers.includes(op) &&
                c.class !== 'per-request',
            );
          if (first && opm && opm.method !== 'GET' && !authenticated)
            addCall('login', op, [first.id], 0.55, first.issuedBy[0]?.evidence[0] as Evidence);
        }
        // Calls whose only effect is issuing a credential others consume are session calls, not writes.
        const roleOf = new Set(
          [...calls.values()].filter((c) => c.role !== 'logout').map((c) => c.operationId),
        );
        for (const opm of input.operations) {
          const session = sessionIssuance(opm, credentials);
          if (!session) continue;
          opm.classification = session.classification;
          // Evidence: where its answer issued the credential (the response field or header).
          const ev = credentials
            .find((c) => c.id === session.issued[0])
            ?.issuedBy.find((i) => i.operationId === opm.id)?.evidence[0];
          if (!roleOf.has(opm.id) && ev) addCall('session-issue', opm.id, session.issued, 0.8, ev);
        }
        const signingModels: SigningModel[] = [...signing.values()].map((s) => {
          const ops = [...((s as { ops?: Set<string> }).ops ?? new Set<string>())]
            .map((k) => opOf(k))
            .filter((x): x is string => !!x);
          const m: SigningModel = {
            operationIds: [...new Set(ops)].sort(),
            signature: s.signature,
            encoding: s.encoding,
            confidence: s.timestamp ? 0.9 : 0.6,
            evidence: s.evidence,
          };
          if (s.timestamp) m.timestamp = s.timestamp;
          if (s.apiKey) m.key = s.apiKey;
          return m;
        });
        for (const s of signingModels) {
          findings.push({
            kind: 'auth.signing',
            summary: `Requests to ${s.operationIds.length} operation(s) are signed: ${s.signature} (${s.encoding})${s.timestamp ? ` over a ${s.timestamp} parameter` : ''}${s.key ? `, with the key in ${s.key}` : ''}.`,
            evidence: s.evidence,
            confidence: s.confidence,
          });
        }
        for (const c of credentials) {
          const issuer = c.issuedBy[0];
          findings.push({
            kind: 'auth.credential',
            summary: `${c.location} ${c.name} (${c.kind}, ${c.class}) is sent to ${c.consumers.length} operation(s)${issuer ? `, issued by ${issuer.operationId ?? 'an earlier call'} via ${issuer.via}${issuer.linkedBy === 'name' ? ' (linked by name)' : ''}` : ''}${c.lifetime ? `, living ${c.lifetime.seconds} s (${c.lifetime.source})` : ''}${c.derivedFrom ? `, derived from ${c.derivedFrom.credential} by ${c.derivedFrom.transform}` : ''}.`,
            evidence: [...(issuer?.evidence ?? []), ...c.evidence].slice(0, 4),
            confidence: c.confidence,
          });
        }
        for (const call of calls.values()) {
          findings.push({
            kind: `auth.${call.role}`,
            summary: `${call.operationId} is the ${call.role} call${call.credentials.length > 0 ? `, issuing ${call.credentials.join(', ')}` : ''}.`,
            evidence: call.evidence,
            confidence: call.confidence,
            operationId: call.operationId,
          });
        }
        const auth: AuthModel = {
          credentials,
          calls: [...calls.values()].sort(
            (a, b) => a.role.localeCompare(b.role) || a.operationId.localeCompare(b.operationId),
          ),
          signing: signingModels,
        };
        return { auth, findings };
      },
    };
  },
};

function jwtLifetime(sample: string | undefined): { seconds: number; source: string } | undefined {
  if (!sample) return undefined;
  const claims = decodeJwtClaims(sample);
  if (claims && typeof claims.exp === 'number' && typeof claims.iat === 'number')
    return { seconds: claims.exp - claims.iat, source: 'jwt-exp' };
  return undefined;
}
