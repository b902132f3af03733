/**
 * What the sync needs from the ledger, as a structural type: connectors/ may not import ledger/
 * (DESIGN.md section 2), and ledger's LedgerStore satisfies this interface as is. The CLI hands the
 * store in.
 */
import type { AccountKind, AccountRecord } from '../../schemas/index.js';

/** One audit-log entry (ledger's AuditInput, the fields the sync fills). */
export interface SyncAuditInput {
  at?: number;
  account?: string;
  consentId?: number;
  route: string;
  method: string;
  endpoint: string;
  params?: Record<string, unknown>;
  status?: number;
  weight?: number;
  records?: number;
  durationMs?: number;
  error?: string;
}

/** The writes of one transaction. */
export interface SyncTx {
  putRecords(
    records: ReadonlyArray<AccountRecord & { source: 'api' | 'web' | 'csv' }>,
  ): Promise<{ total: number; counts: Record<string, number> }>;
  setCheckpoint(stream: string, value: unknown): Promise<void>;
  appendAudit(entry: SyncAuditInput): Promise<number>;
}

/** The store the sync writes to. */
export interface SyncStore {
  transaction<T>(fn: (tx: SyncTx) => Promise<T>): Promise<T>;
  getCheckpoint(stream: string): Promise<unknown>;
  listCheckpoints(prefix?: string): Promise<Array<{ stream: string; value: unknown; updatedAt: number }>>;
  appendAudit(entry: SyncAuditInput): Promise<number>;
  iterateRecords(query?: {
    account?: string;
    kind?: AccountKind | AccountKind[];
    source?: 'api' | 'web' | 'csv';
  }): AsyncIterable<{ record: AccountRecord }>;
}
