/**
 * The sandbox generator at scale: time and peak RSS to generate a profile, checked against the targets
 * (large: >= 1 million trades over >= 500 symbols incl. delisted, in under a minute, bounded memory),
 * and the truth streamed once to prove it reconciles at that size.
 *
 *   npx tsx bench/sandbox-gen.ts [--profile tiny|small|medium|large] [--seed N] [--no-truth]
 *
 * Baseline (same run): the small profile; the ratio is the per-trade generation cost of the measured
 * profile over small's, so 1.0 means linear scaling.
 */
import { DecimalTotals } from '../core/index.js';
import { generateSandboxAccount, sandboxTruthRecords, type SandboxModel } from '../sandbox/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const profile = arg('profile', 'large') as SandboxModel.ProfileName;
const seed = Number(arg('seed', '1'));
const asOf = Date.UTC(2026, 10, 1);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const value = fn();
  return [value, performance.now() - t0];
}

const [baseline, baselineMs] = timed(() => generateSandboxAccount({ profile: 'small', seed, asOf }));
const baselinePerTrade = baselineMs / baseline.trades.count;
const rssBefore = process.memoryUsage().rss;
const [account, ms] = timed(() => generateSandboxAccount({ profile, seed, asOf }));
peakRss = Math.max(peakRss, process.memoryUsage().rss);

const symbols = account.symbols.length;
const delisted = account.symbols.filter((s) => !s.listed).length;
const years =
  (account.asOf - Math.min(...account.deposits.map((d) => d.raw.insertTime))) / (365.25 * 86_400_000);
console.log(`profile ${profile} (seed ${seed})`);
console.log(
  `  generated in ${(ms / 1000).toFixed(2)} s; peak RSS ${(peakRss / 1e6).toFixed(0)} MB (${((peakRss - rssBefore) / 1e6).toFixed(0)} MB above the baseline run)`,
);
console.log(
  `  trades ${account.trades.count}, orders ${account.orders.count}, symbols ${symbols} (${delisted} delisted)`,
);
console.log(
  `  deposits ${account.deposits.length} (${account.deposits.filter((d) => d.raw.transferType === 1).length} internal) over ${years.toFixed(1)} years, withdrawals ${account.withdrawals.length}, converts ${account.converts.length}, dust groups ${account.dribblets.length}`,
);
console.log(
  `  earn: flexible subs ${account.flexibleSubscriptions.length}, rewards ${account.flexibleRewards.length}; locked subs ${account.lockedSubscriptions.length}, rewards ${account.lockedRewards.length}; auto-invest ${account.autoInvestExecutions.length}; p2p ${account.c2cOrders.length}; fiat ${account.fiatOrders.length + account.fiatPayments.length}; dividends ${account.dividends.length}; transfers ${account.universalTransfers.length}`,
);
const perTrade = ms / account.trades.count;
console.log(
  `  baseline (small, ${baseline.trades.count} trades): ${baselineMs.toFixed(0)} ms; per-trade cost ratio ${(perTrade / baselinePerTrade).toFixed(2)}`,
);

if (!process.argv.includes('--no-truth')) {
  const [totals, truthMs] = timed(() => {
    const history = new DecimalTotals();
    let records = 0;
    for (const r of sandboxTruthRecords(account)) {
      records++;
      if (r.kind === 'trade') {
        const sign = r.side === 'buy' ? 1 : -1;
        history.add(r.baseAsset, sign > 0 ? r.qty : `-${r.qty}`);
        history.add(r.quoteAsset, sign > 0 ? `-${r.quoteQty}` : r.quoteQty);
        if (r.fee !== '0') history.add(r.feeAsset, `-${r.fee}`);
      }
    }
    return { records, history };
  });
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.log(
    `  truth: ${totals.records} records streamed in ${(truthMs / 1000).toFixed(2)} s; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`,
  );
}
clearInterval(sampler);

if (profile === 'large') {
  const ok =
    account.trades.count >= 1_000_000 && symbols >= 500 && delisted > 0 && ms < 60_000 && years >= 7.9;
  console.log(
    ok ? '  targets met: >= 1M trades, >= 500 symbols incl. delisted, 8 years, < 60 s' : '  TARGETS MISSED',
  );
  if (!ok) process.exitCode = 1;
}
