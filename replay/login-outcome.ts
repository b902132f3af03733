/**
 * What became of the model's login call under `replay --login`, judged from its answer, and how the
 * session fared afterwards. The drift report and the CLI both say this; neither re-derives it.
 */
import type { LoginOutcome, ReplayRun } from './types.js';

/** Keys of a JSON login answer that carry the server's own words for a refusal. */
const REASON_KEYS = ['message', 'msg', 'error_description', 'error', 'reason', 'detail'];
/** Keys whose `false` means the server refused the login inside a 200 answer. */
const FLAG_KEYS = ['ok', 'success'];

/** The server's reason in a JSON body (a short string field), never a token: only the keys above are read. */
function reasonIn(body: Record<string, unknown>): string | undefined {
  for (const key of REASON_KEYS) {
    const value = body[key];
    if (typeof value === 'string' && value.trim()) return value.trim().slice(0, 200);
  }
  return undefined;
}

/**
 * Judges one answer of the login call. A 2xx or 3xx is accepted unless its JSON body says
 * `ok: false` or `success: false` (sites that answer every login 200 and put the verdict inside).
 */
export function judgeLogin(status: number, statusText: string, text: string): Omit<LoginOutcome, 'attempts'> {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  const reason = (body && reasonIn(body)) ?? (statusText || undefined);
  const refusedInside = body !== undefined && FLAG_KEYS.some((k) => body[k] === false);
  const ok = status >= 200 && status < 400 && !refusedInside;
  return { outcome: ok ? 'accepted' : 'refused', status, ...(!ok && reason ? { reason } : {}) };
}

/**
 * Calls that came back with the session refused (an `auth_rejected` drift), out of those that got an
 * answer: an accepted login with most calls refused means the site wants more than the password.
 */
export function sessionRefusals(run: ReplayRun): { refused: number; answered: number } {
  const refused = run.results.filter(
    (r) => r.kind === 'drift' && r.drifts.some((d) => d.kind === 'auth_rejected'),
  ).length;
  const answered = run.results.filter((r) => r.kind === 'ok' || r.kind === 'drift').length;
  return { refused, answered };
}

/** True when the login was accepted yet the server refused the session on at least half the calls. */
export function loginNotHonoured(run: ReplayRun): boolean {
  const { refused, answered } = sessionRefusals(run);
  return run.session.login?.outcome === 'accepted' && refused > 0 && refused * 2 >= answered;
}

/** One clause on the session, for a report: where it came from and, under --login, what the login got. */
export function describeSession(run: ReplayRun): string {
  const login = run.session.login;
  const refreshes = `${run.session.refreshed} refresh(es)`;
  if (!login) {
    return run.session.cookies > 0 || run.session.refreshed > 0
      ? `from the given cookies, ${refreshes}`
      : `none (no cookies given, no --login), ${refreshes}`;
  }
  const answer = [login.status !== undefined ? String(login.status) : '', login.reason ?? '']
    .filter(Boolean)
    .join(' ');
  switch (login.outcome) {
    case 'accepted': {
      if (loginNotHonoured(run)) {
        const { refused, answered } = sessionRefusals(run);
        return `the login call was accepted (${answer}), but the server refused the session on ${refused} of ${answered} calls (a second factor after the password?), ${refreshes}`;
      }
      return `logged in by replay (the login call answered ${answer}), ${refreshes}`;
    }
    case 'refused':
      return `the login was refused (${answer || 'no reason given'}), so the calls went without a session, ${refreshes}`;
    case 'failed':
      return `the login call failed (${login.reason ?? 'no answer'}), so the calls went without a session, ${refreshes}`;
    case 'not_sent':
      return `no login was sent (${login.reason ?? 'no login call'}), ${refreshes}`;
  }
}
