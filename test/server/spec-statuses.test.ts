/**
 * The served OpenAPI document declares every status the live server answers each operation with, so a
 * client generated from it handles them: each operation is called the way integrators get it wrong (no
 * token, an unknown parameter, an Accept it cannot serve, an unknown account) against a real SQLite ledger,
 * and each status that comes back must be a declared response of that operation. The cursor's declared
 * length is the longest the server issues.
 */
import { describe, expect, it } from 'vitest';
import { bundledNormalizedApiSpec } from '../../server/index.js';
import { MAX_CURSOR_LENGTH } from '../../server/cursor.js';
import { call, sqliteCase, syntheticTrade, useServedLedger } from './helpers.js';

const TOKEN = 'spec-token-0123456789abcdefghijklmnop';

type Operation = { responses: Record<string, unknown>; parameters?: { $ref?: string; name?: string }[] };
type Spec = {
  paths: Record<string, Record<string, Operation>>;
  components: { parameters: Record<string, { schema: { maxLength?: number } }> };
};

describe('the served OpenAPI document declares what the server answers', () => {
  const served = useServedLedger(sqliteCase, TOKEN);
  const spec = bundledNormalizedApiSpec() as unknown as Spec;

  /** The operation's path with its parameters filled in: a stored trade of `account`. */
  function concrete(template: string, account: string): string {
    return template
      .replace('{account}', encodeURIComponent(account))
      .replace('{kind}', 'trade')
      .replace('{id}', encodeURIComponent(syntheticTrade(1).id));
  }

  it('every status of every operation, called right and called wrong, is a declared response', async () => {
    const undeclared: string[] = [];
    let calls = 0;
    for (const [template, item] of Object.entries(spec.paths)) {
      const op = item['get'];
      if (!op) continue;
      const tries: { why: string; path: string; token?: string; headers?: Record<string, string> }[] = [
        { why: 'right', path: concrete(template, 'main'), token: TOKEN },
        { why: 'no token', path: concrete(template, 'main') },
        { why: 'unknown parameter', path: `${concrete(template, 'main')}?bogus=1`, token: TOKEN },
        {
          why: 'Accept text/html',
          path: concrete(template, 'main'),
          token: TOKEN,
          headers: { accept: 'text/html' },
        },
      ];
      if (template.includes('{account}'))
        tries.push({ why: 'unknown account', path: concrete(template, 'nobody'), token: TOKEN });
      for (const t of tries) {
        const r = await call(`${served.server.url}${t.path}`, {
          ...(t.token ? { token: t.token } : {}),
          ...(t.headers ? { headers: t.headers } : {}),
        });
        calls++;
        if (!(String(r.status) in op.responses))
          undeclared.push(`GET ${template} (${t.why}): ${r.status} is not declared`);
      }
    }
    expect(calls).toBeGreaterThan(20);
    expect(undeclared).toEqual([]);
  });

  it('declares the cursor as long as the longest the server issues', () => {
    expect(spec.components.parameters['Cursor']?.schema.maxLength).toBe(MAX_CURSOR_LENGTH);
  });
});
