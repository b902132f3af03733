/**
 * readSpotSnapshots against the sandbox (CONTRACT.md 4.21): one call of weight 2400 reads the month's
 * daily SPOT snapshots, oldest first, decimals canonical; the newest equals the spot balances of
 * /api/v3/account read through the same client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BinanceClient,
  binanceEndpoints as endpoints,
  hmacSigner,
  readSpotSnapshots,
} from '../../../connectors/index.js';
import { startSandbox } from '../../../sandbox/index.js';
import type { SandboxHandle } from '../../../sandbox/index.js';

const DAY = 86_400_000;
let sandbox: SandboxHandle;
let client: BinanceClient;
beforeAll(async () => {
  sandbox = await startSandbox({ profile: 'small', seed: 3 });
  client = new BinanceClient({
    baseUrl: sandbox.baseUrl,
    credentials: {
      apiKey: sandbox.apiKey,
      signer: hmacSigner(sandbox.apiSecret),
      keyType: 'hmac',
      origin: 'test',
    },
  });
  await client.serverTime.sync();
});
afterAll(() => sandbox.close());

describe('readSpotSnapshots', () => {
  it('reads the last month in one call; the newest snapshot is the current spot wallet', async () => {
    const snapshots = await readSpotSnapshots(client);
    const stats = (await (await fetch(`${sandbox.adminUrl}/stats`)).json()) as {
      byEndpoint: Record<string, { requests: number; weight: number }>;
    };
    expect(stats.byEndpoint['GET /sapi/v1/accountSnapshot']).toEqual({
      requests: 1,
      weight: 2400,
      errors: 0,
    });
    expect(snapshots.length).toBeGreaterThanOrEqual(29);
    const yesterdayEnd = Math.floor(Date.now() / DAY) * DAY - 1000;
    expect(snapshots.at(-1)!.time).toBe(yesterdayEnd);
    snapshots.forEach((s, i) => {
      if (i > 0) expect(s.time - snapshots[i - 1]!.time).toBe(DAY);
      expect(s.totalAssetOfBtc).toMatch(/^\d+(\.\d*[1-9])?$/);
      for (const b of s.balances)
        expect(`${b.free} ${b.locked}`).toMatch(/^\d+(\.\d*[1-9])? \d+(\.\d*[1-9])?$/);
    });
    const { body } = await client.call(endpoints.account, { omitZeroBalances: true });
    const spot = (body as { balances: Array<{ asset: string; free: string; locked: string }> }).balances
      .filter((b) => !b.asset.startsWith('LD') || b.asset === 'LDO')
      .map((b) => [b.asset, Number(b.free), Number(b.locked)])
      .sort(([a], [b]) => (a! < b! ? -1 : 1));
    expect(snapshots.at(-1)!.balances.map((b) => [b.asset, Number(b.free), Number(b.locked)])).toEqual(spot);
  });

  it('a window of a week returns that week', async () => {
    const end = Math.floor(Date.now() / DAY) * DAY - 10 * DAY;
    const week = await readSpotSnapshots(client, { startTime: end - 7 * DAY, endTime: end, limit: 7 });
    expect(week.map((s) => s.time)).toEqual(
      Array.from({ length: 7 }, (_, i) => end - 7 * DAY + (i + 1) * DAY - 1000),
    );
  });
});
