/**
 * Replay re-issues the read calls of a ProtocolModel against the live service, with a fresh session,
 * to fetch live data and to re-validate what analysis inferred. Outcomes are values (DESIGN.md
 * convention 7): drift, a skipped write, a rejected session are results, not throws.
 */
import type { Clock } from '../core/index.js';
import type { RetryPolicy } from './retry.js';

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
  /**
   * Retries of reads after a transient failure (reset, cut body, timeout, 429/5xx), with backoff and
   * Retry-After. Default replay/retry.ts DEFAULT_RETRY (3 retries); `{ ...DEFAULT_RETRY, retries: 0 }` for none.
   */
  retry?: RetryPolicy;
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
  /**
   * Called for each page received, for writing live data (a HAR of the replayed reads), and for each
   * WebSocket connection dialled, with its frames (`webSocket`; none when the handshake was refused).
   */
  onExchange?: (exchange: ReplayExchange) => void | Promise<void>;
  /** WebSocket replay (replay/websocket.ts); `false` leaves the model's WebSocket endpoints out. Default: on. */
  webSockets?: WebSocketReplayOptions | false;
}

/** Options of WebSocket replay. All optional. */
export interface WebSocketReplayOptions {
  /**
   * Replace scheme, host and port of every WebSocket URL (`ws://127.0.0.1:9443`). Default: derived from
   * `baseUrl` (http → ws, https → wss) when that is given, else as captured.
   */
  baseUrl?: string;
  /** How long to collect received frames per endpoint. Default 5 000 ms. */
  durationMs?: number;
  /** Stop collecting an endpoint after this many received messages. Default 200. */
  maxMessages?: number;
  /** Largest frame accepted; a larger one ends the connection (close 1009). Default 1 MiB. */
  maxFrameBytes?: number;
  /** Handshake timeout. Default: `timeoutMs` (15 000 ms). */
  connectTimeoutMs?: number;
}

/** One way a live WebSocket endpoint no longer matches the model. */
export interface WebSocketDrift {
  kind:
    | 'kind_added'
    | 'kind_missing'
    | 'field_added'
    | 'field_removed'
    | 'field_renamed'
    | 'type_changed'
    | 'schema_violation'
    | 'framing_changed'
    | 'connection_refused'
    | 'connection_closed'
    | 'auth_rejected'
    | 'endpoint_gone'
    | 'subscription_unacknowledged'
    | 'subscription_rejected'
    | 'request_unanswered'
    | 'request_rejected';
  /** The message kind concerned (`receive:trade`), when there is one. */
  messageKind?: string;
  /** JSON Pointer into the message (`''` for the whole message or the connection). */
  pointer: string;
  expected?: string;
  actual?: string;
  /** One sentence a report prints as is. */
  summary: string;
}

/** A captured message replay did not send, and why (a write, an unsubscribe, a redacted value, …). */
export interface WebSocketHeldBack {
  /** `<endpoint id>/<kind name>`: the name `--allow-write` takes for a write. */
  message: string;
  reason: string;
}

/** What one WebSocket connection exchanged. */
export interface WebSocketSessionStats {
  durationMs: number;
  /** Why collection ended. */
  stoppedBy: 'time' | 'count' | 'server-close' | 'frame-limit' | 'error' | 'aborted';
  /**
   * Set when a socket.io endpoint was replayed over HTTP long-polling: the capture's client polled, or
   * the server refused the WebSocket upgrade. Absent over WebSocket.
   */
  transport?: 'polling';
  close?: { by: 'client' | 'server'; code: number; reason: string };
  /** `acks`: answers to the server's own socket.io emits that asked for one (replayed as captured). */
  sent: { messages: number; heartbeats: number; acks: number };
  received: {
    messages: number;
    bytes: number;
    /** Binary frames: counted and sized, never parsed. */
    binary: number;
    heartbeats: number;
    /** Pings answered (protocol ping frames and application-level pings). */
    pingsAnswered: number;
    /** Text frames that look like JSON and do not parse. */
    unparsed: number;
  };
  /** Received messages per kind of the model (`receive:trade`) or new kind (`new:…`). */
  kinds: { kind: string; messages: number }[];
  /** Subscribed kinds not seen within the window whose captured rate does not make that a drift. */
  notSeen: string[];
  heldBack: WebSocketHeldBack[];
}

interface WebSocketResultBase {
  endpointId: string;
  /** The URL as dialled, with credential values masked. */
  url: string;
}

export type WebSocketReplayResult =
  | (WebSocketResultBase & { kind: 'ok' } & WebSocketSessionStats)
  | (WebSocketResultBase & { kind: 'drift'; drifts: WebSocketDrift[] } & WebSocketSessionStats)
  | (WebSocketResultBase & { kind: 'skipped'; reason: string })
  | (WebSocketResultBase & { kind: 'failed'; error: string });

/** The WebSocket part of a run. */
export interface WebSocketReplayRun {
  results: WebSocketReplayResult[];
  summary: { ok: number; drift: number; skipped: number; failed: number };
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
    /**
     * Why no answer came (a WebSocket handshake the server closed, reset or let time out), with status 0:
     * written as Chrome DevTools writes a failed request's `response._error`.
     */
    error?: string;
  };
  /**
   * A replayed WebSocket connection (`operationId` is the endpoint id; the response is the 101). A
   * handshake that did not open is one too: the server's non-101 answer (or status 0 and `error`) and
   * no messages.
   */
  webSocket?: {
    messages: ReplayWebSocketFrame[];
    /** Frames past the bound kept per connection (`maxMessages` plus the most messages replay sends). */
    dropped: number;
  };
}

/** One frame of a replayed WebSocket connection, as DevTools writes `_webSocketMessages`. */
export interface ReplayWebSocketFrame {
  type: 'send' | 'receive';
  /** Epoch seconds. */
  time: number;
  /** 1 text, 2 binary (data in base64), 9 ping, 10 pong. */
  opcode: number;
  data: string;
}

/** What became of the model's login call when credentials were given (`replay --login`). */
export interface LoginOutcome {
  /**
   * accepted: answered 2xx/3xx without `ok|success: false` in its JSON body; refused: any other answer;
   * failed: no answer (network error, timeout); not_sent: no login call in the model or its capture,
   * or a captured body with values replay cannot fill.
   */
  outcome: 'accepted' | 'refused' | 'failed' | 'not_sent';
  /** HTTP status of the last answer. */
  status?: number;
  /** Why it was refused, failed or not sent: the server's message or status text, the network error. */
  reason?: string;
  /** Login calls sent (a rejected session triggers another). */
  attempts: number;
}

/** The whole run: results in model order, and what happened to the session. */
export interface ReplayRun {
  startedAt: number;
  finishedAt: number;
  results: ReplayResult[];
  summary: { ok: number; drift: number; skipped: number; failed: number };
  session: {
    /** True when a login call was accepted (see `login` for what the server said). */
    loggedIn: boolean;
    refreshed: number;
    /** Cookies in the jar at the end. */
    cookies: number;
    /** Cookies given to the run (browser profile, cookie file). */
    givenCookies: number;
    /** Present when credentials were given: the last login call's outcome. */
    login?: LoginOutcome;
  };
  warnings: string[];
  /** Transient failures of reads that were sent again. */
  retries: number;
  /** The model's WebSocket endpoints replayed; absent when the model has none or they were left out. */
  websockets?: WebSocketReplayRun;
}
