/**
 * `GET /sapi/v1/asset/dribblet` (CONTRACT.md §4.10): the dust-to-BNB log. The API keeps only the last
 * 100 sweeps and nothing before 2020-12-01, and takes no paging: one call without a window returns all
 * it has (weight 1), so each run reads it whole; each detail row becomes a `dust` record.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { dust } from '../normalize.js';
import type { Params } from '../signing.js';
import { arrayField } from '../values.js';
import { sig, sortUnique } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

/** "Only records after 2020-12-01" (CONTRACT.md §4.10). */
export const DUST_API_START = Date.UTC(2020, 11, 1);

export function dustStream(since: () => number | undefined): StreamDef {
  return {
    key: 'dust',
    surface: 'dust',
    async *run(ctx: ReadContext, _cursor: JsonValue | undefined): AsyncGenerator<Page> {
      const from = since();
      const params: Params =
        from !== undefined && from > DUST_API_START ? { startTime: from, endTime: ctx.until } : {};
      const { body } = await ctx.client.call(endpoints.dust, params, {
        ...sig(ctx),
        countRecords: (b) =>
          arrayField(b, 'userAssetDribblets').reduce(
            (n, g) => n + arrayField(g, 'userAssetDribbletDetails').length,
            0,
          ),
      });
      const out: ApiRecord[] = [];
      for (const group of arrayField(body, 'userAssetDribblets')) {
        for (const detail of arrayField(group, 'userAssetDribbletDetails'))
          out.push(dust(detail, group, ctx.account));
      }
      yield { records: sortUnique(out), cursor: { at: ctx.until } };
    },
  };
}
