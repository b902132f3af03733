/**
 * The demo's comparison with the sandbox's truth: the headline counts only the records the API or the CSV
 * exports reach (found by id or, for export-only records, by content); records only the web app reaches
 * are stated apart in the same line, in neither the total nor the found count, as `by route` shows them.
 */
import { describe, expect, it } from 'vitest';
import { compareWithTruth, truthLines } from '../../cli/commands/demo.js';

const lines = (records: object[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

const TRUTH = lines([
  { kind: 'trade', id: 'BNBBTC:1', time: 1_000_100, qty: '1', routes: { api: true, csv: true, web: true } },
  { kind: 'transfer', id: 'deposit:9', time: 2_000_400, asset: 'BTC', amount: '1', routes: { csv: true } },
  { kind: 'dividend', id: 'div:3', time: 3_000_000, asset: 'BNB', amount: '0.1', routes: { api: true } },
  { kind: 'p2p_order', id: 'p2p:4', time: 4_000_000, asset: 'USDT', routes: { web: true } },
  { kind: 'p2p_order', id: 'p2p:5', time: 5_000_000, asset: 'USDT', routes: { web: true } },
]);

// The export: the trade by its id, the deposit under the importer's own id (same second, same fields),
// one web-only order (another route's copy), the dividend missing.
const EXPORTED = lines([
  { kind: 'trade', id: 'BNBBTC:1', account: 'demo', time: 1_000_100, qty: '1.0', source: 'api' },
  {
    kind: 'transfer',
    id: 'csv:deposit:BTC:2000000',
    account: 'demo',
    time: 2_000_000,
    asset: 'BTC',
    amount: '1',
  },
  { kind: 'p2p_order', id: 'p2p:5', account: 'demo', time: 5_000_000, asset: 'USDT', source: 'web' },
]);

describe('demo: ledger vs sandbox truth', () => {
  it('counts only records the API or CSV routes reach; web-only ones apart', () => {
    const check = compareWithTruth(TRUTH, EXPORTED);
    expect(check).toEqual({
      truth: 5,
      reachable: 3,
      webOnly: 2,
      found: 1,
      foundByContent: 1,
      equal: 2,
      webOnlyPresent: 1,
      missing: ['dividend div:3'],
      byRoute: { 'api+csv': '1/1', csv: '1/1', api: '0/1', 'web only': '1/2' },
    });
    // The by-route totals add up to the headline's, the web-only slot aside.
    const totals = Object.entries(check.byRoute).map(([k, v]) => [k, Number(v.split('/')[1])] as const);
    expect(totals.filter(([k]) => k !== 'web only').reduce((a, [, n]) => a + n, 0)).toBe(check.reachable);
    expect(check.reachable + check.webOnly).toBe(check.truth);

    const [headline, byRoute] = truthLines(check);
    expect(headline).toMatch(
      /^ledger vs sandbox truth: 2 of 3 records the API or the CSV exports reach present \(1 matched by content/,
    );
    expect(headline).toContain('2 equal field by field');
    expect(headline).toContain(
      '; 2 more only the web app reaches, not counted (1 of them in the ledger anyway)',
    );
    expect(headline).not.toContain('of 5');
    expect(byRoute).toBe('by route: api+csv 1/1, csv 1/1, api 0/1, web only 1/2');
  });

  it('with no web-only records the headline says so and the totals are the truth', () => {
    const check = compareWithTruth(
      lines([{ kind: 'trade', id: 'BNBBTC:1', time: 1_000_100, qty: '1', routes: ['api', 'csv'] }]),
      lines([{ kind: 'trade', id: 'BNBBTC:1', time: 1_000_100, qty: '1' }]),
    );
    expect(check).toMatchObject({ truth: 1, reachable: 1, webOnly: 0, found: 1, equal: 1, missing: [] });
    expect(truthLines(check)[0]).toContain('1 of 1 records the API or the CSV exports reach present');
    expect(truthLines(check)[0]).toContain('; 0 more only the web app reaches, not counted');
  });
});
