/**
 * The API as a demanding integrator meets it, over real HTTP against a real SQLite ledger: time parameters as
 * clients really send them, requests node:http refuses before any handler runs, odd request targets and
 * cursors of records whose ids are long.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import type { LedgerStore } from '../../ledger/index.js';
import { startLedgerServer } from '../../server/index.js';
import type { LedgerServer } from '../../server/index.js';
import { parseTimeParam } from '../../server/query.js';
import { call, expectSchema, putAll, sqliteCase, syntheticTrade } from './helpers.js';
import type { Fetched, LedgerPlace } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';

interface Page {
  records: { kind: string; id: string; time: number }[];
  cursor: string | null;
  next: string | null;
}

describe('serve API against hostile and careless clients', () => {
  let place: LedgerPlace;
  let store: LedgerStore;
  let server: LedgerServer;
  const get = (path: string): Promise<Fetched> => call(`${server.url}${path}`, { token: TOKEN });

  async function pageAll(path: string): Promise<Page['records']> {
    const out: Page['records'] = [];
    let next: string | null = path;
    for (let pages = 0; next; pages++) {
      if (pages > 1000) throw new Error('paging does not end');
      const res = await get(next);
      expect(res.status, res.text).toBe(200);
      expectSchema('RecordPage', res.json);
      const page = res.json as Page;
      out.push(...page.records);
      next = page.next;
    }
    return out;
  }

  beforeAll(async () => {
    place = await sqliteCase.place();
    store = await openLedger(place.location);
    await putAll(
      store,
      Array.from({ length: 30 }, (_, i) => syntheticTrade(i + 1)),
    );
    server = await startLedgerServer(store, { token: TOKEN });
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await place?.cleanup();
  });

  describe('time parameters', () => {
    it('takes epoch milliseconds of any length: since=0 means from the beginning', async () => {
      const all = await pageAll('/v1/accounts/main/records');
      expect(all).toHaveLength(30);
      expect(await pageAll('/v1/accounts/main/records?since=0')).toEqual(all);
      expect(await pageAll('/v1/accounts/main/records?since=86400000&limit=7')).toEqual(all);
      // 1 ms after the 10th trade: 13 digits, as before.
      const cut = Date.UTC(2025, 0, 1) + 10_000 + 1;
      expect(await pageAll(`/v1/accounts/main/records?since=0&until=${cut}`)).toEqual(
        all.filter((r) => r.time < cut),
      );
      const ledger = await get('/v1/accounts/main/ledger?since=0');
      expect(ledger.status, ledger.text).toBe(200);
      expectSchema('LedgerPage', ledger.json);
    });

    it('reads an ISO offset sent with an unencoded + (which a query string decodes to a space)', async () => {
      const since = Date.UTC(2025, 0, 1) + 20_000;
      const expected = await pageAll(`/v1/accounts/main/records?since=${since}`);
      expect(expected.length).toBe(11);
      // 2025-01-01T02:00:20+02:00 is 2025-01-01T00:00:20Z.
      expect(await pageAll('/v1/accounts/main/records?since=2025-01-01T02:00:20+02:00')).toEqual(expected);
      expect(await pageAll('/v1/accounts/main/records?since=2025-01-01T02:00:20%2B02:00')).toEqual(expected);
      expect(await pageAll('/v1/accounts/main/records?since=2025-01-01T02:00:20+0200')).toEqual(expected);
    });

    it.each([
      ['a word', 'yesterday'],
      ['a negative number', '-1'],
      ['past year 9999', '9999999999999999'],
      ['17 digits', '12345678901234567'],
      ['a space without an offset', '2025-01-01T02:00:20 junk'],
      ['an impossible date', '2025-02-30'],
    ])('still refuses %s with a 400 problem naming the parameter', async (_name, value) => {
      const res = await get(`/v1/accounts/main/records?since=${encodeURIComponent(value)}`);
      expect(res.status, res.text).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.json).toMatchObject({ code: 'server.bad_time', parameter: 'since' });
    });

    it('parses time parameters (unit)', () => {
      expect(parseTimeParam('0')).toBe(0);
      expect(parseTimeParam('86400000')).toBe(86_400_000);
      expect(parseTimeParam('1735689600000')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('1735689600')).toBe(Date.UTC(2025, 0, 1)); // 10 digits: epoch seconds
      expect(parseTimeParam('2025-01-01T02:00:00 02:00')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('2025-01-01T02:00:00+02:00')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('2024-12-31T22:00:00-02:00')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('2025-01-01')).toBe(Date.UTC(2025, 0, 1));
      expect(parseTimeParam('2025-01-01 02:00')).toBe(Date.UTC(2025, 0, 1, 2));
      expect(parseTimeParam('x1')).toBeUndefined();
      expect(parseTimeParam('')).toBeUndefined();
    });
  });
});
