/**
 * Simple Earn history (CONTRACT.md §4.12): subscriptions, redemptions and rewards of flexible and locked
 * products, in windows of at most 30 days, paged by `current`/`size` (max 100) with `total`. Flexible
 * rewards are read with `type=ALL` (always sent). Positions are part
 * of the balances snapshot (balances.ts).
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import type { EndpointSpec } from '../endpoints.js';
import { earnRedemption, earnReward, earnSubscription } from '../normalize.js';
import type { Params } from '../signing.js';
import { arrayField, totalField } from '../values.js';
import type { JsonObject } from '../values.js';
import { DAY, sig, sortUnique, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

export const EARN_WINDOW = 30 * DAY;
const SIZE = 100;
/**
 * Flexible reward types. `ALL` (documented in the enum, and the default since CJS 16.0.0) returns every
 * type in one walk, each row naming its type: a third of the weight of walking BONUS, REALTIME and
 * REWARDS separately as rotki does, with the type still always sent.
 */
export const FLEXIBLE_REWARD_TYPES = ['BONUS', 'REALTIME', 'REWARDS'] as const;
export const FLEXIBLE_REWARDS_QUERY = 'ALL';

type Product = 'flexible' | 'locked';
type RecordType = 'subscriptions' | 'redemptions' | 'rewards';

const SPECS: Record<Product, Record<RecordType, EndpointSpec>> = {
  flexible: {
    subscriptions: endpoints.flexibleSubscriptions,
    redemptions: endpoints.flexibleRedemptions,
    rewards: endpoints.flexibleRewards,
  },
  locked: {
    subscriptions: endpoints.lockedSubscriptions,
    redemptions: endpoints.lockedRedemptions,
    rewards: endpoints.lockedRewards,
  },
};

function normalizer(
  product: Product,
  type: RecordType,
  rewardType?: string,
): (row: JsonObject, account: string) => ApiRecord {
  if (type === 'subscriptions') return (row, account) => earnSubscription(row, product, account) as ApiRecord;
  if (type === 'redemptions') return (row, account) => earnRedemption(row, product, account) as ApiRecord;
  return (row, account) => earnReward(row, product, account, rewardType) as ApiRecord;
}

export function earnStream(
  product: Product,
  type: RecordType,
  from: (ctx: ReadContext) => number,
  rewardType?: string,
): StreamDef {
  const spec = SPECS[product][type];
  const normalize = normalizer(product, type, rewardType);
  return {
    key: `earn:${product}:${type}`,
    surface: 'earn',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: from(ctx),
          to: ctx.until,
          windowMs: EARN_WINDOW,
          overlapMs: DAY,
          async *fetchWindow(startTime, endTime): AsyncGenerator<ApiRecord[]> {
            for (let current = 1; ; current++) {
              const params: Params = { startTime, endTime, current, size: SIZE };
              if (rewardType) params['type'] = rewardType;
              const { body } = await ctx.client.call(spec, params, {
                ...sig(ctx),
                countRecords: (b) => arrayField(b, 'rows').length,
              });
              const rows = arrayField(body, 'rows');
              yield sortUnique(rows.map((r) => normalize(r, ctx.account)));
              const total = totalField(body);
              if (rows.length < SIZE || (total !== undefined && current * SIZE >= total)) return;
            }
          },
        },
        cursor,
      );
    },
  };
}
