/**
 * Web sessions: login challenges (password, then a 6-digit second factor), session tokens carried in an
 * HttpOnly `p20t` cookie, a readable `cr00` cookie whose md5 the page's script sends as the `csrftoken`
 * header, expiry, refresh with rotation and logout. Every token issued is kept in {@link SessionStore.issued}
 * so the admin `/__sandbox/sessions` can list them (capture leak tests compare HAR files against it).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import { WEB_CODES, WebApiError } from './envelope.js';

/** The session cookie (HttpOnly) and the CSRF cookie (readable by the page's script). */
export const SESSION_COOKIE = 'p20t';
export const CSRF_COOKIE = 'cr00';
/** The request header carrying md5(hex) of the CSRF cookie's value. */
export const CSRF_HEADER = 'csrftoken';

/** One session token the app issued, as `/__sandbox/sessions` lists it. */
export interface IssuedSession {
  /** The `p20t` cookie value (the secret a capture must never leak). */
  token: string;
  /** The `cr00` cookie value; `md5(csrfCookie)` is the `csrftoken` header. */
  csrfCookie: string;
  email: string;
  issuedAt: number;
  /** Requests are refused with `100001005` after this instant. */
  expiresAt: number;
  /** A refresh is accepted until this instant (the token is still the refresh credential after expiry). */
  refreshUntil: number;
  /** `active`, `rotated` (replaced by a refresh), or `revoked` (logout). Expiry is a function of the time. */
  state: 'active' | 'rotated' | 'revoked';
  /** The token this one replaced (refresh chain). */
  replaces?: string;
}

/** A pending login waiting for its second factor. */
interface Challenge {
  email: string;
  expiresAt: number;
  attempts: number;
}

/** Credentials and timings of the store. */
export interface SessionStoreOptions {
  email: string;
  password: string;
  /** The 6-digit second-factor code, or undefined to log in with the password alone. */
  twoFactorCode: string | undefined;
  sessionTtlMs: number;
  refreshWindowMs: number;
  clock: Clock;
  /** Called whenever a session is issued or changes state (rotated, revoked). */
  onChange?: (session: IssuedSession) => void;
}

const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_TWO_FACTOR_ATTEMPTS = 5;
/** Wrong passwords for one email within the window lock its login for the window (as exchanges do). */
const MAX_PASSWORD_FAILURES = 5;
const PASSWORD_LOCK_MS = 15 * 60_000;

/** md5 hex of a string (UTF-8): what the page's script sends as `csrftoken`. */
export function csrfHeaderFor(csrfCookie: string): string {
  return createHash('md5').update(csrfCookie, 'utf8').digest('hex');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  /** Every session token issued, oldest first (never pruned: the sandbox lives for one test run). */
  readonly issued: IssuedSession[] = [];
  private readonly byToken = new Map<string, IssuedSession>();
  private readonly challenges = new Map<string, Challenge>();
  /** Recent wrong-password times per lower-cased email (bounded: only the last few are kept). */
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: SessionStoreOptions) {}

  /** Checks email and password; returns a verify token for the second factor, or a session when there is none. */
  login(email: unknown, password: unknown): { verifyToken: string } | { session: IssuedSession } {
    if (
      typeof email !== 'string' ||
      typeof password !== 'string' ||
      email.length === 0 ||
      password.length === 0
    ) {
      throw new WebApiError(400, WEB_CODES.illegalParameter, 'email and password are required.');
    }
    const who = email.trim().toLowerCase();
    const now = this.options.clock.now();
    const recent = (this.failures.get(who) ?? []).filter((t) => t > now - PASSWORD_LOCK_MS);
    if (recent.length >= MAX_PASSWORD_FAILURES) {
      // Locked, even for the right password: the lock ends a window after the last failure counted.
      const minutes = Math.ceil(((recent[recent.length - 1] as number) + PASSWORD_LOCK_MS - now) / 60_000);
      throw new WebApiError(
        200,
        WEB_CODES.tooManyAttempts,
        `Too many failed login attempts. Try again in ${minutes} minute(s).`,
      );
    }
    const okEmail = sameSecret(who, this.options.email.toLowerCase());
    const okPassword = sameSecret(password, this.options.password);
    if (!okEmail || !okPassword) {
      recent.push(now);
      // Any email counts (an attacker probes many); the map stays small since only the last few are kept.
      if (this.failures.size < 10_000 || this.failures.has(who))
        this.failures.set(who, recent.slice(-MAX_PASSWORD_FAILURES));
      throw new WebApiError(200, WEB_CODES.badCredentials, 'Incorrect email or password.');
    }
    this.failures.delete(who);
    if (this.options.twoFactorCode === undefined) return { session: this.issue(this.options.email) };
    const verifyToken = randomBytes(16).toString('hex');
    this.challenges.set(verifyToken, {
      email: this.options.email,
      expiresAt: this.options.clock.now() + CHALLENGE_TTL_MS,
      attempts: 0,
    });
    return { verifyToken };
  }

  /** Checks the second-factor code of a pending login; issues the session. */
  verify(verifyToken: unknown, code: unknown): IssuedSession {
    if (typeof verifyToken !== 'string' || typeof code !== 'string') {
      throw new WebApiError(400, WEB_CODES.illegalParameter, 'verifyToken and code are required.');
    }
    const challenge = this.challenges.get(verifyToken);
    if (!challenge || challenge.expiresAt <= this.options.clock.now()) {
      this.challenges.delete(verifyToken);
      throw new WebApiError(
        200,
        WEB_CODES.verifyTokenInvalid,
        'The verification has expired. Please log in again.',
      );
    }
    if (!sameSecret(code.trim(), this.options.twoFactorCode ?? '')) {
      challenge.attempts++;
      if (challenge.attempts >= MAX_TWO_FACTOR_ATTEMPTS) {
        this.challenges.delete(verifyToken);
        throw new WebApiError(200, WEB_CODES.tooManyAttempts, 'Too many wrong codes. Please log in again.');
      }
      throw new WebApiError(200, WEB_CODES.badTwoFactorCode, 'Incorrect verification code.');
    }
    this.challenges.delete(verifyToken);
    return this.issue(challenge.email);
  }

  /**
   * The session a private request belongs to: the `p20t` cookie must name an active, unexpired session,
   * the `cr00` cookie must be that session's, and the `csrftoken` header must be md5 of it.
   * With `allowExpired` (refresh) an expired token is accepted inside the refresh window.
   */
  authenticate(
    cookies: Map<string, string>,
    csrfHeader: string | undefined,
    allowExpired = false,
  ): IssuedSession {
    const token = cookies.get(SESSION_COOKIE);
    const session = token === undefined ? undefined : this.byToken.get(token);
    if (!session || session.state !== 'active') {
      throw new WebApiError(401, WEB_CODES.notLoggedIn, 'Please log in first.');
    }
    const now = this.options.clock.now();
    if (now >= session.expiresAt && !(allowExpired && now < session.refreshUntil)) {
      throw new WebApiError(
        401,
        WEB_CODES.sessionExpired,
        'Your session has expired. Please refresh or log in again.',
      );
    }
    const csrfCookie = cookies.get(CSRF_COOKIE);
    if (
      csrfCookie === undefined ||
      csrfHeader === undefined ||
      !sameSecret(csrfCookie, session.csrfCookie) ||
      !sameSecret(csrfHeader.toLowerCase(), csrfHeaderFor(session.csrfCookie))
    ) {
      throw new WebApiError(
        403,
        WEB_CODES.csrfInvalid,
        'Illegal request: csrftoken is missing or does not match.',
      );
    }
    return session;
  }

  /** Rotates a session: a new token and CSRF cookie; the old token stops working at once. */
  refresh(session: IssuedSession): IssuedSession {
    session.state = 'rotated';
    this.options.onChange?.(session);
    return this.issue(session.email, session.token);
  }

  /** Ends a session. */
  logout(session: IssuedSession): void {
    session.state = 'revoked';
    this.options.onChange?.(session);
  }

  private issue(email: string, replaces?: string): IssuedSession {
    const now = this.options.clock.now();
    const session: IssuedSession = {
      token: `web.${randomBytes(32).toString('hex')}`,
      csrfCookie: randomBytes(16).toString('hex'),
      email,
      issuedAt: now,
      expiresAt: now + this.options.sessionTtlMs,
      refreshUntil: now + this.options.sessionTtlMs + this.options.refreshWindowMs,
      state: 'active',
      ...(replaces ? { replaces } : {}),
    };
    this.issued.push(session);
    this.byToken.set(session.token, session);
    this.options.onChange?.(session);
    return session;
  }
}

/** Parses a Cookie header (RFC 6265 section 5.4); the first value of a repeated name wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** Set-Cookie values for a session (both cookies live as long as the refresh window). */
export function sessionCookies(session: IssuedSession, now: number): string[] {
  const maxAge = Math.max(0, Math.floor((session.refreshUntil - now) / 1000));
  return [
    `${SESSION_COOKIE}=${session.token}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax`,
    `${CSRF_COOKIE}=${session.csrfCookie}; Path=/; Max-Age=${maxAge}; SameSite=Lax`,
    `logined=y; Path=/; Max-Age=${maxAge}; SameSite=Lax`,
  ];
}

/** Set-Cookie values that clear the session (logout). */
export function clearedCookies(): string[] {
  return [SESSION_COOKIE, CSRF_COOKIE, 'logined'].map(
    (name) => `${name}=; Path=/; Max-Age=0; ${name === SESSION_COOKIE ? 'HttpOnly; ' : ''}SameSite=Lax`,
  );
}
