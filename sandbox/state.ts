/**
 * The running sandbox's shared state: the account, the key, counters for `/__sandbox/stats`, the web
 * session registry (the web app fills it; `/__sandbox/sessions` lists it) and the export handlers other
 * modules register for `/__sandbox/export/<kind>.csv`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxAccount } from './data/model.js';
import type { SandboxKey } from './api/keys.js';
import type { AccountIndex } from './api/context.js';
import { newWebStats } from './web/faults.js';

/** One web session the web app issued. */
export interface WebSession {
  token: string;
  user: string;
  createdAt: number;
  expiresAt: number;
  /** Free-form detail the web app wants tests to see (e.g. the login step that issued it). */
  detail?: Record<string, unknown>;
}

/** Writes one CSV export; `url` carries its query (time range etc.). */
export type SandboxExportHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { account: SandboxAccount; url: URL; state: SandboxState },
) => void | Promise<void>;

export interface EndpointStats {
  requests: number;
  weight: number;
  errors: number;
}

export class SandboxStats {
  requests = 0;
  readonly byEndpoint = new Map<string, EndpointStats>();
  readonly errorsByCode = new Map<number, number>();
  rateLimited429 = 0;
  banned418 = 0;
  signatureRejections = 0;
  timestampRejections = 0;
  apiKeyRejections = 0;
  readonly faults = new Map<string, number>();
  /** Web app requests (counted apart: they carry no API weight). */
  readonly web = newWebStats();

  endpoint(key: string): EndpointStats {
    let e = this.byEndpoint.get(key);
    if (!e) {
      e = { requests: 0, weight: 0, errors: 0 };
      this.byEndpoint.set(key, e);
    }
    return e;
  }

  fault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  error(code: number): void {
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
    if (code === -1022) this.signatureRejections++;
    if (code === -1021) this.timestampRejections++;
    if (code === -2014 || code === -2015) this.apiKeyRejections++;
  }
}

export interface SandboxCredentials {
  webUser: string;
  webPassword: string;
  /** The web login's second-factor code, published by the web app (absent when it has none). */
  webTwoFactorCode?: string;
  apiKey: string;
  apiSecret: string;
  keyType: SandboxKey['type'];
}

export class SandboxState {
  readonly stats = new SandboxStats();
  /** Web sessions by token: the web app adds and removes entries. */
  readonly sessions = new Map<string, WebSession>();
  readonly exportHandlers = new Map<string, SandboxExportHandler>();

  constructor(
    readonly account: SandboxAccount,
    readonly index: AccountIndex,
    readonly key: SandboxKey,
    readonly credentials: SandboxCredentials,
    /** `--web-api-version`: which generation of the web app's private API the web app serves. */
    readonly webApiVersion: 1 | 2,
    /** Server time = Date.now() + clockSkewMs. */
    readonly clockSkewMs: number,
  ) {}

  now(): number {
    return Date.now() + this.clockSkewMs;
  }

  /** Registers the handler of `/__sandbox/export/<kind>.csv` (kind: lower-case letters, digits, `-`, `_`). */
  registerExport(kind: string, handler: SandboxExportHandler): void {
    if (!/^[a-z0-9_-]+$/.test(kind)) throw new TypeError(`export kind must match [a-z0-9_-]+: ${kind}`);
    this.exportHandlers.set(kind, handler);
  }
}
