/**
 * Replay re-issues the read calls of a ProtocolModel against the live service, with a fresh session,
 * to fetch live data and to re-validate what analysis inferred. Outcomes are values (DESIGN.md
 * convention 7): drift, a skipped write, a rejected session are results, not throws.
 */
import type { Clock } from '../core/index.js';

/** One way the live service no longer matches the model. */
export interface Drift {
  kind:
    | 'field_added'
    | 'field_removed'
    | 'field_renamed'
    | 'type_changed'
    | 'status_changed'
    | 'endpoint_gone'
    | 'media_type_changed'
    | 'auth_rejected';
  /** JSON Pointer into the response body (`''` for the whole response). */
  pointer: string;
  expected?: string;
  actual?: string;
  /** One sentence a report prints as is. */
  summary: string;
}

interface ResultBase {
  operationId: string;
  method: string;
  /** The URL as sent, with credential values masked. */
  url: string;
}

export type ReplayResult =
  | (ResultBase & { kind: 'ok'; status: number; durationMs: number; pages: number; items: number })
  | (ResultBase & {
      kind: 'drift';
      status: number;
      durationMs: number;
      pages: number;
      items: number;
      drifts: Drift[];
    })
  | (ResultBase & { kind: 'skipped'; reason: string })
  | (ResultBase & { kind: 'failed'; error: string; status?: number });

/** A cookie held by the replay session. */
export interface ReplayCookie {
  name: string;
  value: string;
  domain?: string;
  path?: string;
  /** Epoch ms; undefined for session cookies. */
  expires?: number;
}

/** Credentials for re-running the model's login call (never written anywhere). */
export interface LoginCredentials {
  username: string;
  password: string;
}

export interface ReplayProgress {
  done: number;
  total: number;
  operationId: string;
  outcome: ReplayResult['kind'];
}

/** Options of `replayModel`. All optional; `resolveReplayOptions` fills the defaults. */
export interface ReplayOptions {
  /** Replace the origin of every captured URL (scheme, host, port), e.g. a staging host. Default: as captured. */
  baseUrl?: string;
  /** Only these operation ids. Default: every read operation. */
  operations?: string[];
  /**
   * Write operations the user named and confirmed. Without this, writes are never sent (DESIGN.md section 4).
   * Default: none.
   */
  allowWrites?: string[];
  /** Follow the inferred pagination to read every page. Default false (first page only). */
  allPages?: boolean;
  /** Most pages per operation when following pagination. Default 50. */
  maxPages?: number;
  /** Per-request timeout. Default 15 000 ms. */
  timeoutMs?: number;
  /** Cookies of a logged-in session (from a browser profile, a cookie file, or an earlier login). */
  cookies?: ReplayCookie[];
  /** Extra headers for every request (e.g. `Authorization: Bearer …` the user supplies). */
  headers?: Record<string, string>;
  /** Re-run the model's login call with these when the session is missing or rejected. */
  login?: LoginCredentials;
  /** Injected for tests and for the clock-offset logic; defaults: global fetch and the system clock. */
  fetch?: typeof fetch;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: ReplayProgress) => void;
  /** Called for each page received, for writing live data (a HAR of the replayed reads). */
  onExchange?: (exchange: ReplayExchange) => void | Promise<void>;
}

/** A request and response as replayed, with credentials masked: what `--out-har` writes. */
export interface ReplayExchange {
  operationId: string;
  startedAt: number;
  durationMs: number;
  request: { method: string; url: string; headers: [string, string][]; body?: string };
  response: {
    status: number;
    statusText: string;
    headers: [string, string][];
    body: string;
    mimeType: string;
  };
}

/** The whole run: results in model order, and what happened to the session. */
export interface ReplayRun {
  startedAt: number;
  finishedAt: number;
  results: ReplayResult[];
  summary: { ok: number; drift: number; skipped: number; failed: number };
  session: { loggedIn: boolean; refreshed: number; cookies: number };
  warnings: string[];
}
