/**
 * A minimal signed HTTP client written in the test from CONTRACT.md 2.2, independent of connectors/ and
 * of the sandbox's own verifier: percent-encode each value, join k=v with &, sign query+body, append
 * `signature`, send X-MBX-APIKEY.
 */
import { createHmac, sign as cryptoSign } from 'node:crypto';
import { parseJsonLossless, type JsonValue } from '../../core/index.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../sandbox/index.js';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: JsonValue;
}

export function encodeParams(params: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
}

export function signPayload(sandbox: Pick<SandboxHandle, 'keyType' | 'apiSecret'>, payload: string): string {
  if (sandbox.keyType === 'hmac')
    return createHmac('sha256', sandbox.apiSecret).update(payload).digest('hex');
  const sig = cryptoSign(
    sandbox.keyType === 'ed25519' ? null : 'sha256',
    Buffer.from(payload),
    sandbox.apiSecret,
  );
  return encodeURIComponent(sig.toString('base64'));
}

export interface CallOptions {
  method?: string;
  /** Params sent in a form body instead of the query (POST). */
  body?: Record<string, string | number | boolean | undefined>;
  /** Override the timestamp (default: now). */
  timestamp?: number;
  apiKey?: string | null;
  /** Replace the computed signature. */
  signature?: string;
  noTimestamp?: boolean;
  noSignature?: boolean;
  headers?: Record<string, string>;
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let json: JsonValue = null;
  try {
    json = parseJsonLossless(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A signed request (USER_DATA). */
export async function signed(
  sandbox: SandboxHandle,
  path: string,
  params: Record<string, string | number | boolean | undefined> = {},
  options: CallOptions = {},
): Promise<Reply> {
  const all = { ...params, ...(options.noTimestamp ? {} : { timestamp: options.timestamp ?? Date.now() }) };
  const query = encodeParams(options.body ? params : all);
  const body = options.body
    ? encodeParams({
        ...options.body,
        ...(options.noTimestamp ? {} : { timestamp: options.timestamp ?? Date.now() }),
      })
    : '';
  const sig = options.signature ?? signPayload(sandbox, query + body);
  const withSig = options.noSignature ? query : `${query}${query ? '&' : ''}signature=${sig}`;
  const url = `${sandbox.baseUrl}${path}${withSig ? `?${withSig}` : ''}`;
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey !== null) headers['X-MBX-APIKEY'] = options.apiKey ?? sandbox.apiKey;
  if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, {
    method: options.method ?? (options.body ? 'POST' : 'GET'),
    headers,
    ...(body ? { body } : {}),
  });
  return reply(res);
}

/** An unsigned request (NONE security or admin). */
export async function plain(url: string, init: RequestInit = {}): Promise<Reply> {
  return reply(await fetch(url, init));
}

/** The fixed snapshot tests use, so every run sees the same account. */
export const AS_OF = Date.UTC(2026, 10, 1);

export async function start(options: SandboxOptions = {}): Promise<SandboxHandle> {
  return startSandbox({ profile: 'tiny', seed: 7, ...options });
}

/** `{code,msg}` of an error reply. */
export function errorOf(r: Reply): { code: number; msg: string } {
  return r.json as { code: number; msg: string };
}
