/**
 * The replay session's cookie jar: starts from the user's logged-in cookies and follows Set-Cookie, so a
 * refresh call that rotates the session token is honoured (RFC 6265, the parts a replay needs).
 */
import { parseSetCookieLine } from '../core/index.js';
import type { ReplayCookie } from './types.js';

export class CookieJar {
  private readonly cookies = new Map<string, ReplayCookie>();

  constructor(
    initial: ReplayCookie[] = [],
    private readonly now: () => number = Date.now,
  ) {
    for (const cookie of initial) this.set(cookie);
  }

  private key(c: { name: string; domain?: string; path?: string }): string {
    return `${c.name}\u0000${(c.domain ?? '').replace(/^\./, '').toLowerCase()}\u0000${c.path ?? '/'}`;
  }

  set(cookie: ReplayCookie): void {
    if (cookie.expires !== undefined && cookie.expires <= this.now()) {
      this.cookies.delete(this.key(cookie));
      return;
    }
    this.cookies.set(this.key(cookie), cookie);
  }

  /** Cookies that apply to a URL: domain-match (or host-only when no domain), path prefix, not expired. */
  forUrl(url: URL): ReplayCookie[] {
    const host = url.hostname.toLowerCase();
    const out: ReplayCookie[] = [];
    for (const c of this.cookies.values()) {
      if (c.expires !== undefined && c.expires <= this.now()) continue;
      const domain = (c.domain ?? '').replace(/^\./, '').toLowerCase();
      if (domain && host !== domain && !host.endsWith(`.${domain}`)) continue;
      if (c.path && c.path !== '/' && !url.pathname.startsWith(c.path)) continue;
      out.push(c);
    }
    return out;
  }

  /** The value of a cookie by name (case-insensitive), for deriving headers such as a CSRF token. */
  valueOf(name: string, url?: URL): string | undefined {
    const lower = name.toLowerCase();
    const pool = url ? this.forUrl(url) : [...this.cookies.values()];
    return pool.find((c) => c.name.toLowerCase() === lower)?.value;
  }

  header(url: URL): string | undefined {
    const cookies = this.forUrl(url);
    return cookies.length ? cookies.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  /** Applies the Set-Cookie headers of a response received from `url`. */
  applySetCookie(url: URL, setCookies: string[]): number {
    let changed = 0;
    for (const line of setCookies) {
      const parsed = parseSetCookie(line, url, this.now());
      if (!parsed) continue;
      this.set(parsed);
      changed += 1;
    }
    return changed;
  }

  get size(): number {
    return this.cookies.size;
  }
}

/** One Set-Cookie line as a jar cookie; Max-Age wins over Expires, the domain defaults to the host. */
export function parseSetCookie(line: string, url: URL, now: number): ReplayCookie | undefined {
  const parsed = parseSetCookieLine(line);
  if (!parsed) return undefined;
  const cookie: ReplayCookie = { name: parsed.name, value: parsed.value };
  cookie.domain = parsed.domain ? parsed.domain.replace(/^\./, '') : url.hostname;
  if (parsed.path) cookie.path = parsed.path;
  if (parsed.maxAge !== undefined) cookie.expires = now + parsed.maxAge * 1000;
  else if (parsed.expires !== undefined && !Number.isNaN(parsed.expires)) cookie.expires = parsed.expires;
  return cookie;
}

/**
 * Reads cookies a user exported: Playwright/Puppeteer storage state (`{cookies:[…]}`), a JSON array of
 * cookies, or a Netscape cookies.txt (curl, browser extensions).
 */
export function parseCookieFile(text: string): ReplayCookie[] | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return undefined;
    }
    const list = Array.isArray(value) ? value : (value as { cookies?: unknown }).cookies;
    if (!Array.isArray(list)) return undefined;
    const out: ReplayCookie[] = [];
    for (const item of list as Record<string, unknown>[]) {
      if (typeof item?.name !== 'string' || typeof item.value !== 'string') return undefined;
      const expires = typeof item.expires === 'number' && item.expires > 0 ? item.expires * 1000 : undefined;
      out.push({
        name: item.name,
        value: item.value,
        ...(typeof item.domain === 'string' ? { domain: item.domain.replace(/^\./, '') } : {}),
        ...(typeof item.path === 'string' ? { path: item.path } : {}),
        ...(expires ? { expires } : {}),
      });
    }
    return out;
  }
  const out: ReplayCookie[] = [];
  for (const line of trimmed.split(/\r?\n/)) {
    if (!line || (line.startsWith('#') && !line.startsWith('#HttpOnly_'))) continue;
    const fields = line.replace(/^#HttpOnly_/, '').split('\t');
    if (fields.length < 7) return undefined;
    const [domain, , path, , expires, name, value] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const ms = Number(expires) * 1000;
    out.push({ name, value, domain: domain.replace(/^\./, ''), path, ...(ms > 0 ? { expires: ms } : {}) });
  }
  return out;
}
