/**
 * One Set-Cookie header line (RFC 6265 section 5.2) as its parts. Capture turns them into HAR cookies,
 * replay into its cookie jar; each decides what the attributes mean for it.
 */
export interface SetCookieLine {
  name: string;
  value: string;
  /** As written, when present (the last occurrence wins). */
  path?: string;
  domain?: string;
  /** `Expires` as epoch ms; NaN when present but not a date. */
  expires?: number;
  /** `Max-Age` in seconds, when it is an integer. */
  maxAge?: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite?: string;
}

/** Parses one Set-Cookie line; undefined when it has no `name=`. */
export function parseSetCookieLine(line: string): SetCookieLine | undefined {
  const [pair, ...attributes] = line.split(';');
  const eq = pair?.indexOf('=') ?? -1;
  if (!pair || eq <= 0) return undefined;
  const cookie: SetCookieLine = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    httpOnly: false,
    secure: false,
  };
  for (const attribute of attributes) {
    const [rawKey = '', ...rest] = attribute.split('=');
    const key = rawKey.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (key === 'path') cookie.path = value;
    else if (key === 'domain') cookie.domain = value;
    else if (key === 'expires') cookie.expires = Date.parse(value);
    else if (key === 'max-age' && /^-?\d+$/.test(value)) cookie.maxAge = Number(value);
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'samesite') cookie.sameSite = value;
  }
  return cookie;
}
