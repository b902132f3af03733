/**
 * readWalletTotals is optional (CONTRACT.md 8, wallet/balance permission): with the read-only key a sync
 * accepts, the sandbox refuses it (-2015) and the read answers undefined instead of failing; with a key
 * that may read it, it returns the wallets. The sync itself never calls it, so it cannot break a sync.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BinanceClient, hmacSigner, readWalletTotals } from '../../../connectors/index.js';
import { startSandbox } from '../../../sandbox/index.js';
import type { SandboxHandle } from '../../../sandbox/index.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { syncFixture } from './harness.js';
import type { SyncFixture } from './harness.js';

const tmp = useTempDirs('ledgertap-wallets-');
const sandboxes: SandboxHandle[] = [];
const fixtures: SyncFixture[] = [];
afterEach(async () => {
  await Promise.all([
    ...sandboxes.splice(0).map((s) => s.close()),
    ...fixtures.splice(0).map((f) => f.close()),
  ]);
});

async function clientFor(sandbox: SandboxHandle): Promise<BinanceClient> {
  const client = new BinanceClient({
    baseUrl: sandbox.baseUrl,
    credentials: {
      apiKey: sandbox.apiKey,
      signer: hmacSigner(sandbox.apiSecret),
      keyType: 'hmac',
      origin: 'test',
    },
  });
  await client.serverTime.sync();
  return client;
}

describe('readWalletTotals', () => {
  it('a read-only key: undefined, after exactly one refused call', async () => {
    const sandbox = await startSandbox({ profile: 'tiny' });
    sandboxes.push(sandbox);
    expect(await readWalletTotals(await clientFor(sandbox))).toBeUndefined();
    const stats = (await (await fetch(`${sandbox.adminUrl}/stats`)).json()) as {
      byEndpoint: Record<string, { requests: number; errors: number }>;
    };
    expect(stats.byEndpoint['GET /sapi/v1/asset/wallet/balance']).toMatchObject({ requests: 1, errors: 1 });
  });

  it('a key with Universal Transfer: the wallets, canonical decimals', async () => {
    const sandbox = await startSandbox({ profile: 'tiny', keyPermissions: ['transfer'] });
    sandboxes.push(sandbox);
    const wallets = await readWalletTotals(await clientFor(sandbox), { quoteAsset: 'USDT' });
    expect(wallets?.map((w) => w.walletName)).toContain('Funding');
    const spot = wallets!.find((w) => w.walletName === 'Spot')!;
    expect(spot.activate).toBe(true);
    expect(Number(spot.balance)).toBeGreaterThan(0);
    expect(spot.balance).toMatch(/^\d+(\.\d*[1-9])?$/);
  });

  it('a sync with the read-only key never calls it', async () => {
    const f = await syncFixture(await tmp());
    fixtures.push(f);
    const run = await f.sync('--json', '--surfaces', 'balances');
    expect(run.code, run.stderr).toBe(0);
    const stats = (await (await fetch(`${f.sandbox.adminUrl}/stats`)).json()) as {
      byEndpoint: Record<string, unknown>;
      errorsByCode: Record<string, number>;
    };
    expect(stats.byEndpoint['GET /sapi/v1/asset/wallet/balance']).toBeUndefined();
    expect(stats.errorsByCode['-2015']).toBeUndefined();
  });
});
