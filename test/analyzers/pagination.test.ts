import { describe, expect, it } from 'vitest';
import { analyzeLogs } from '../../analyzers/index.js';
import { entry, har } from './build.js';
import { analyzeFixture } from './fixtures.js';

describe('pagination (pagination.har)', () => {
  const r = analyzeFixture('pagination');
  const of = (op: string) => r.pagination.find((p) => p.operationId === op);

  it.each([
    [
      'get_v1_items',
      { style: 'offset-limit', parameters: ['offset', 'limit'], hasMoreField: 'total', observed: true },
    ],
    [
      'get_v1_meetings',
      {
        style: 'page-size',
        parameters: ['page_number', 'page_size'],
        hasMoreField: 'page_count',
        observed: true,
      },
    ],
    [
      'get_v1_events',
      {
        style: 'cursor',
        parameters: ['cursor'],
        cursorSource: 'next_cursor',
        hasMoreField: 'has_more',
        observed: true,
      },
    ],
    ['get_v1_logs', { style: 'link-header', cursorSource: 'header:Link', observed: true }],
    [
      'get_sapi_v1_capital_deposit_hisrec',
      { style: 'time-window', parameters: ['startTime', 'endTime'], observed: true },
    ],
    ['get_api_v3_myTrades', { style: 'id-cursor', parameters: ['fromId'], observed: true }],
    [
      'post_graphql_repos',
      {
        style: 'graphql-pageinfo',
        parameters: ['after'],
        hasMoreField: 'data.viewer.repositories.pageInfo.hasNextPage',
        observed: true,
      },
    ],
  ])('%s', (op, expected) => {
    expect(of(op)).toMatchObject(expected);
    expect(of(op)?.confidence).toBeGreaterThanOrEqual(0.85);
  });

  it('finds nothing on calls that do not page', () => {
    const none = analyzeLogs([
      har([
        entry({ url: 'https://api.example.test/v1/me', response: { id: 1 } }),
        entry({ url: 'https://api.example.test/v1/me', response: { id: 1 } }),
      ]).log,
    ]);
    expect(none.pagination).toEqual([]);
  });

  it('declares pagination from names alone with a lower confidence when only one page was seen', () => {
    const one = analyzeLogs([
      har([
        entry({
          url: 'https://api.example.test/v1/items?offset=0&limit=50',
          response: { items: [], total: 0 },
        }),
      ]).log,
    ]);
    expect(one.pagination[0]).toMatchObject({ style: 'offset-limit', observed: false });
    expect(one.pagination[0]?.confidence).toBeLessThan(0.85);
  });
});

describe('GraphQL pageInfo on a first page sent without variables', () => {
  // A Relay connection query declares `$after`/`$first` but a first page sends `"variables": {}` (Linear's
  // SDK, recorded in test/fixtures/har-public/j1-linear-graphql-2.har): the declaration names the cursor.
  const query = (vars: string) =>
    `query teams(${vars}) {\n  teams(after: $after, first: $first) {\n    nodes { id }\n    pageInfo { endCursor hasNextPage }\n  }\n}\n`;
  const page = {
    data: { teams: { nodes: [{ id: 't1' }], pageInfo: { endCursor: 't1', hasNextPage: false } } },
  };

  it('takes the paging variables the query declares', () => {
    const r = analyzeLogs([
      har([
        entry({
          method: 'POST',
          url: 'https://api.example.test/graphql',
          requestBody: { query: query('$after: String, $filter: TeamFilter, $first: Int'), variables: {} },
          response: page,
        }),
      ]).log,
    ]);
    expect(r.pagination).toMatchObject([
      {
        style: 'graphql-pageinfo',
        parameters: ['after', 'first'],
        observed: false,
        hasMoreField: 'data.teams.pageInfo.hasNextPage',
      },
    ]);
  });

  it('takes the variable a paging argument is bound to (`after: $membersWithRole`)', () => {
    // GitHub's GraphQL members query (test/fixtures/har-public/j1-github-graphql-members.har).
    const r = analyzeLogs([
      har([
        entry({
          method: 'POST',
          url: 'https://api.example.test/graphql',
          requestBody: {
            query:
              'query ($login: String!, $membersWithRole: String) {\n  organization(login: $login) {\n    membersWithRole(first: 100, after: $membersWithRole) { pageInfo { endCursor hasNextPage } }\n  }\n}',
            variables: { login: 'octo-org' },
          },
          response: {
            data: {
              organization: { membersWithRole: { pageInfo: { endCursor: 'Y3Vy', hasNextPage: false } } },
            },
          },
        }),
      ]).log,
    ]);
    expect(r.pagination).toMatchObject([
      { style: 'graphql-pageinfo', parameters: ['membersWithRole'], observed: false },
    ]);
  });

  it('reports nothing when the query declares no paging variable', () => {
    const r = analyzeLogs([
      har([
        entry({
          method: 'POST',
          url: 'https://api.example.test/graphql',
          requestBody: {
            query:
              'query teams($filter: TeamFilter) {\n  teams(filter: $filter, first: 50) {\n    nodes { id }\n    pageInfo { endCursor hasNextPage }\n  }\n}\n',
            variables: {},
          },
          response: page,
        }),
      ]).log,
    ]);
    expect(r.pagination).toEqual([]);
  });
});
