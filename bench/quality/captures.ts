/**
 * The labelled set of bench/quality.ts: captures of five public APIs with public OpenAPI specs, each with
 * the templates, credentials, auth-flow links and pagination a correct analysis must find.
 *
 * SYNTHESIZED, not recorded: no network is allowed here, so each capture is built faithfully from the
 * API's public documentation and OpenAPI description (paths, id formats, auth headers, pagination
 * conventions and response fields as documented), with made-up values:
 *  - GitHub REST: https://github.com/github/rest-api-description (api.github.com.json);
 *    pagination by Link rel=next (docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api).
 *  - Okta Management API: https://github.com/okta/okta-management-openapi-spec; opaque ids (`00u…`),
 *    `Authorization: SSWS`, Link rel=next with `after` (developer.okta.com/docs/api/#pagination).
 *  - Zoom API: https://developers.zoom.us/docs/api/ (OpenAPI downloadable there); OAuth token call,
 *    `page_number`/`page_size`, `next_page_token`.
 *  - Stripe API: https://github.com/stripe/openapi; `cus_`/`ch_` ids, `starting_after` + `has_more`.
 *  - Binance Spot API: ../../../shared/reference/binance (official swagger and Postman collections);
 *    HMAC-SHA256 `signature` over `timestamp`, `X-MBX-APIKEY`, `fromId`, `startTime`/`endTime`.
 */
import { createHash, createHmac } from 'node:crypto';
import type { HarEntry } from '../../har/index.js';

export interface Labels {
  /** `GET /repos/{}/{}/issues`: parameter names do not matter, positions do. */
  templates: string[];
  /** Credential ids (`authorization:authorization`, `header:x-mbx-apikey`, `cookie:sid`). */
  credentials: string[];
  /** `credential <- METHOD /template`: the call that issued it. */
  flows: string[];
  /** `GET /template style`. */
  pagination: string[];
}

export interface LabelledCapture {
  name: string;
  entries: HarEntry[];
  labels: Labels;
}

let clock = Date.parse('2026-02-01T00:00:00Z');
let seed = 7;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const alnum = (n: number): string =>
  Array.from(
    { length: n },
    () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[Math.floor(rnd() * 62)],
  ).join('');
const hex = (n: number): string =>
  Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');

interface Spec {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  form?: Record<string, string>;
  status?: number;
  response?: unknown;
  responseHeaders?: Record<string, string>;
}

function e(spec: Spec): HarEntry {
  clock += 700;
  const u = new URL(spec.url);
  const text = spec.response === undefined ? '' : JSON.stringify(spec.response);
  const reqText = spec.form
    ? new URLSearchParams(spec.form).toString()
    : spec.body === undefined
      ? undefined
      : JSON.stringify(spec.body);
  return {
    startedDateTime: new Date(clock).toISOString(),
    time: 50,
    request: {
      method: spec.method ?? 'GET',
      url: spec.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: Object.entries({
        'User-Agent': 'client',
        Accept: 'application/json',
        ...(spec.headers ?? {}),
      }).map(([name, value]) => ({ name, value })),
      queryString: [...u.searchParams].map(([name, value]) => ({ name, value })),
      ...(reqText !== undefined
        ? {
            postData: {
              mimeType: spec.form ? 'application/x-www-form-urlencoded' : 'application/json',
              text: reqText,
            },
          }
        : {}),
      headersSize: -1,
      bodySize: reqText?.length ?? 0,
    },
    response: {
      status: spec.status ?? 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: Object.entries({
        'Content-Type': 'application/json; charset=utf-8',
        ...(spec.responseHeaders ?? {}),
      }).map(([name, value]) => ({ name, value })),
      content: { size: text.length, mimeType: 'application/json', text },
      redirectURL: '',
      headersSize: -1,
      bodySize: text.length,
    },
  };
}

function github(): LabelledCapture {
  const api = 'https://api.github.com';
  const auth = { Authorization: `Bearer ghp_${alnum(36)}` };
  const owners = ['octocat', 'torvalds', 'sindresorhus', 'gaearon'];
  const repos = ['hello-world', 'linux', 'got', 'overreact'];
  const user = (login: string) => ({
    login,
    id: Math.floor(rnd() * 1e7),
    node_id: `MDQ6VXNlcj${alnum(6)}`,
    type: 'User',
    site_admin: false,
    name: rnd() > 0.5 ? null : login,
    created_at: '2011-01-25T18:44:36Z',
  });
  const issue = (n: number, owner: string, repo: string) => ({
    id: Math.floor(rnd() * 1e9),
    number: n,
    title: `Issue ${n}`,
    state: rnd() > 0.5 ? 'open' : 'closed',
    locked: false,
    user: user(owner),
    labels: [],
    comments: Math.floor(rnd() * 10),
    created_at: '2026-01-01T00:00:00Z',
    closed_at: rnd() > 0.5 ? null : '2026-01-02T00:00:00Z',
    html_url: `https://github.com/${owner}/${repo}/issues/${n}`,
  });
  const entries: HarEntry[] = [e({ url: `${api}/user`, headers: auth, response: user('octocat') })];
  owners.forEach((o, i) => {
    const r = repos[i] as string;
    entries.push(e({ url: `${api}/users/${o}`, headers: auth, response: user(o) }));
    entries.push(
      e({
        url: `${api}/users/${o}/repos?per_page=30`,
        headers: auth,
        response: [
          {
            id: i,
            name: r,
            full_name: `${o}/${r}`,
            private: false,
            owner: user(o),
            fork: false,
            stargazers_count: Math.floor(rnd() * 1000),
          },
        ],
      }),
    );
    entries.push(
      e({
        url: `${api}/repos/${o}/${r}`,
        headers: auth,
        response: {
          id: i,
          name: r,
          full_name: `${o}/${r}`,
          owner: user(o),
          default_branch: 'main',
          open_issues_count: 3,
          topics: [],
        },
      }),
    );
    for (let page = 1; page <= 3; page++) {
      entries.push(
        e({
          url: `${api}/repos/${o}/${r}/issues?per_page=2&page=${page}`,
          headers: auth,
          response: [issue(page * 2, o, r), issue(page * 2 + 1, o, r)],
          responseHeaders:
            page < 3
              ? {
                  Link: `<${api}/repos/${o}/${r}/issues?per_page=2&page=${page + 1}>; rel="next", <${api}/repos/${o}/${r}/issues?per_page=2&page=3>; rel="last"`,
                }
              : {},
        }),
      );
    }
    for (const n of [1, 2])
      entries.push(
        e({
          url: `${api}/repos/${o}/${r}/issues/${n * 7 + i}`,
          headers: auth,
          response: issue(n * 7 + i, o, r),
        }),
      );
    entries.push(
      e({
        url: `${api}/repos/${o}/${r}/pulls/${100 + i}`,
        headers: auth,
        response: {
          id: i,
          number: 100 + i,
          state: 'open',
          title: 'PR',
          user: user(o),
          merged: false,
          draft: rnd() > 0.5,
        },
      }),
    );
  });
  entries.push(
    e({
      method: 'POST',
      url: `${api}/repos/octocat/hello-world/issues`,
      headers: auth,
      body: { title: 'Found a bug', body: 'x', labels: ['bug'] },
      status: 201,
      response: issue(42, 'octocat', 'hello-world'),
    }),
  );
  return {
    name: 'github-rest',
    entries,
    labels: {
      templates: [
        'GET /user',
        'GET /users/{}',
        'GET /users/{}/repos',
        'GET /repos/{}/{}',
        'GET /repos/{}/{}/issues',
        'GET /repos/{}/{}/issues/{}',
        'GET /repos/{}/{}/pulls/{}',
        'POST /repos/{}/{}/issues',
      ],
      credentials: ['authorization:authorization'],
      flows: [],
      pagination: ['GET /repos/{}/{}/issues page-size', 'GET /repos/{}/{}/issues link-header'],
    },
  };
}

function okta(): LabelledCapture {
  const api = 'https://dev-1234.okta.example.test';
  const auth = { Authorization: `SSWS 00${alnum(40)}` };
  const uid = () => `00u${alnum(17)}`;
  const gid = () => `00g${alnum(17)}`;
  const users = [uid(), uid(), uid(), uid(), uid()];
  const groups = [gid(), gid(), gid()];
  const user = (id: string) => ({
    id,
    status: 'ACTIVE',
    created: '2026-01-01T00:00:00.000Z',
    activated: null,
    lastLogin: rnd() > 0.5 ? null : '2026-01-03T00:00:00.000Z',
    profile: {
      firstName: 'A',
      lastName: 'B',
      email: `${id}@example.test`,
      login: `${id}@example.test`,
      mobilePhone: null,
    },
    _links: { self: { href: `${api}/api/v1/users/${id}` } },
  });
  const entries: HarEntry[] = [];
  entries.push(
    e({
      url: `${api}/api/v1/users?limit=2`,
      headers: auth,
      response: users.slice(0, 2).map(user),
      responseHeaders: { Link: `<${api}/api/v1/users?after=${users[1]}&limit=2>; rel="next"` },
    }),
  );
  entries.push(
    e({
      url: `${api}/api/v1/users?after=${users[1]}&limit=2`,
      headers: auth,
      response: users.slice(2, 4).map(user),
      responseHeaders: { Link: `<${api}/api/v1/users?after=${users[3]}&limit=2>; rel="next"` },
    }),
  );
  entries.push(
    e({
      url: `${api}/api/v1/users?after=${users[3]}&limit=2`,
      headers: auth,
      response: users.slice(4).map(user),
    }),
  );
  for (const u of users) {
    entries.push(e({ url: `${api}/api/v1/users/${u}`, headers: auth, response: user(u) }));
    entries.push(
      e({
        url: `${api}/api/v1/users/${u}/groups`,
        headers: auth,
        response: groups
          .slice(0, 2)
          .map((g) => ({ id: g, type: 'OKTA_GROUP', profile: { name: 'Everyone', description: null } })),
      }),
    );
  }
  for (const g of groups)
    entries.push(
      e({ url: `${api}/api/v1/groups/${g}/users`, headers: auth, response: users.slice(0, 2).map(user) }),
    );
  entries.push(e({ url: `${api}/api/v1/users/me`, headers: auth, response: user(users[0] as string) }));
  entries.push(
    e({
      method: 'POST',
      url: `${api}/api/v1/users/${users[2]}/lifecycle/deactivate`,
      headers: auth,
      response: {},
    }),
  );
  return {
    name: 'okta-management',
    entries,
    labels: {
      templates: [
        'GET /api/v1/users',
        'GET /api/v1/users/{}',
        'GET /api/v1/users/{}/groups',
        'GET /api/v1/groups/{}/users',
        'GET /api/v1/users/me',
        'POST /api/v1/users/{}/lifecycle/deactivate',
      ],
      credentials: ['authorization:authorization'],
      flows: [],
      pagination: ['GET /api/v1/users cursor', 'GET /api/v1/users link-header'],
    },
  };
}

function zoom(): LabelledCapture {
  const api = 'https://api.zoom.us';
  const token = `eyJhbGciOiJIUzUxMiJ9.${Buffer.from(JSON.stringify({ aud: 'zoom', iat: 1769904000, exp: 1769907600 })).toString('base64url')}.${alnum(40)}`;
  const auth = { Authorization: `Bearer ${token}` };
  const uid = () => `${alnum(8)}_${alnum(13)}`;
  const users = [uid(), uid(), uid()];
  const meeting = () => ({
    uuid: `${alnum(22)}==`,
    id: 80000000000 + Math.floor(rnd() * 1e9),
    host_id: users[0],
    topic: 'Sync',
    type: 2,
    start_time: '2026-02-01T10:00:00Z',
    duration: 30,
    timezone: 'UTC',
    created_at: '2026-01-20T10:00:00Z',
    join_url: 'https://zoom.us/j/1',
  });
  const entries: HarEntry[] = [
    e({
      method: 'POST',
      url: 'https://zoom.us/oauth/token',
      form: { grant_type: 'account_credentials', account_id: alnum(22) },
      headers: { Authorization: `Basic ${Buffer.from(`${alnum(20)}:${alnum(32)}`).toString('base64')}` },
      response: {
        access_token: token,
        token_type: 'bearer',
        expires_in: 3600,
        scope: 'meeting:read user:read',
      },
    }),
  ];
  entries.push(
    e({
      url: `${api}/v2/users?page_size=2&page_number=1`,
      headers: auth,
      response: {
        page_count: 2,
        page_number: 1,
        page_size: 2,
        total_records: 3,
        next_page_token: '',
        users: users
          .slice(0, 2)
          .map((id) => ({ id, email: `${id}@example.test`, type: 1, status: 'active' })),
      },
    }),
  );
  entries.push(
    e({
      url: `${api}/v2/users?page_size=2&page_number=2`,
      headers: auth,
      response: {
        page_count: 2,
        page_number: 2,
        page_size: 2,
        total_records: 3,
        next_page_token: '',
        users: users.slice(2).map((id) => ({ id, email: `${id}@example.test`, type: 1, status: 'active' })),
      },
    }),
  );
  for (const u of users) {
    entries.push(
      e({
        url: `${api}/v2/users/${u}`,
        headers: auth,
        response: {
          id: u,
          first_name: 'A',
          last_name: 'B',
          email: `${u}@example.test`,
          type: 1,
          pmi: 1234567890,
          timezone: 'UTC',
          created_at: '2026-01-01T00:00:00Z',
          last_login_time: '2026-02-01T00:00:00Z',
        },
      }),
    );
    const t1 = alnum(32);
    entries.push(
      e({
        url: `${api}/v2/users/${u}/meetings?page_size=2`,
        headers: auth,
        response: { page_size: 2, total_records: 3, next_page_token: t1, meetings: [meeting(), meeting()] },
      }),
    );
    entries.push(
      e({
        url: `${api}/v2/users/${u}/meetings?page_size=2&next_page_token=${t1}`,
        headers: auth,
        response: { page_size: 2, total_records: 3, next_page_token: '', meetings: [meeting()] },
      }),
    );
  }
  const mid = 81234567890;
  entries.push(e({ url: `${api}/v2/meetings/${mid}`, headers: auth, response: meeting() }));
  entries.push(e({ url: `${api}/v2/meetings/${mid + 1}`, headers: auth, response: meeting() }));
  entries.push(
    e({
      method: 'PATCH',
      url: `${api}/v2/meetings/${mid}`,
      headers: auth,
      body: { topic: 'New' },
      status: 204,
    }),
  );
  return {
    name: 'zoom',
    entries,
    labels: {
      templates: [
        'POST /oauth/token',
        'GET /v2/users',
        'GET /v2/users/{}',
        'GET /v2/users/{}/meetings',
        'GET /v2/meetings/{}',
        'PATCH /v2/meetings/{}',
      ],
      credentials: ['authorization:authorization'],
      flows: ['authorization:authorization <- POST /oauth/token'],
      pagination: ['GET /v2/users page-size', 'GET /v2/users/{}/meetings cursor'],
    },
  };
}

function stripe(): LabelledCapture {
  const api = 'https://api.stripe.com';
  const auth = { Authorization: `Bearer sk_test_${alnum(24)}` };
  const cus = () => `cus_${alnum(14)}`;
  const ids = [cus(), cus(), cus(), cus()];
  const customer = (id: string) => ({
    id,
    object: 'customer',
    balance: 0,
    created: 1769904000 + Math.floor(rnd() * 1000),
    currency: rnd() > 0.5 ? 'usd' : null,
    delinquent: false,
    email: `${id}@example.test`,
    livemode: false,
    metadata: {},
    name: null,
  });
  const entries: HarEntry[] = [];
  entries.push(
    e({
      url: `${api}/v1/customers?limit=2`,
      headers: auth,
      response: { object: 'list', url: '/v1/customers', has_more: true, data: ids.slice(0, 2).map(customer) },
    }),
  );
  entries.push(
    e({
      url: `${api}/v1/customers?limit=2&starting_after=${ids[1]}`,
      headers: auth,
      response: { object: 'list', url: '/v1/customers', has_more: false, data: ids.slice(2).map(customer) },
    }),
  );
  for (const id of ids) {
    entries.push(e({ url: `${api}/v1/customers/${id}`, headers: auth, response: customer(id) }));
    entries.push(
      e({
        url: `${api}/v1/customers/${id}/payment_methods?type=card`,
        headers: auth,
        response: {
          object: 'list',
          has_more: false,
          data: [
            {
              id: `pm_${alnum(24)}`,
              object: 'payment_method',
              type: 'card',
              card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
            },
          ],
        },
      }),
    );
  }
  for (let i = 0; i < 3; i++) {
    const ch = `ch_${alnum(24)}`;
    entries.push(
      e({
        url: `${api}/v1/charges/${ch}`,
        headers: auth,
        response: {
          id: ch,
          object: 'charge',
          amount: 1000 + i,
          currency: 'usd',
          paid: true,
          status: 'succeeded',
          customer: ids[i],
          created: 1769904000,
        },
      }),
    );
  }
  entries.push(
    e({
      method: 'POST',
      url: `${api}/v1/customers`,
      headers: auth,
      form: { email: 'new@example.test', name: 'New' },
      response: customer(cus()),
    }),
  );
  return {
    name: 'stripe',
    entries,
    labels: {
      templates: [
        'GET /v1/customers',
        'GET /v1/customers/{}',
        'GET /v1/customers/{}/payment_methods',
        'GET /v1/charges/{}',
        'POST /v1/customers',
      ],
      credentials: ['authorization:authorization'],
      flows: [],
      pagination: ['GET /v1/customers cursor'],
    },
  };
}

function binance(): LabelledCapture {
  const api = 'https://api.binance.com';
  const key = alnum(64);
  const secret = alnum(64);
  const signed = (path: string, params: Record<string, string>, response: unknown): HarEntry => {
    const ts = String(clock + 700);
    const q = new URLSearchParams({ ...params, recvWindow: '5000', timestamp: ts }).toString();
    const signature = createHmac('sha256', secret).update(q).digest('hex');
    return e({
      url: `${api}${path}?${q}&signature=${signature}`,
      headers: { 'X-MBX-APIKEY': key },
      response,
    });
  };
  const trade = (id: number, symbol: string) => ({
    symbol,
    id,
    orderId: 900000000 + id,
    orderListId: -1,
    price: (rnd() * 60000).toFixed(8),
    qty: (rnd() * 2).toFixed(8),
    quoteQty: (rnd() * 1000).toFixed(8),
    commission: (rnd() / 10).toFixed(8),
    commissionAsset: 'BNB',
    time: 1769904000000 + id,
    isBuyer: rnd() > 0.5,
    isMaker: rnd() > 0.5,
    isBestMatch: true,
  });
  const entries: HarEntry[] = [];
  for (const symbol of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'])
    entries.push(
      e({
        url: `${api}/api/v3/ticker/price?symbol=${symbol}`,
        response: { symbol, price: (rnd() * 1000).toFixed(8) },
      }),
    );
  const account = (): HarEntry =>
    signed(
      '/api/v3/account',
      {},
      {
        makerCommission: 10,
        takerCommission: 10,
        canTrade: true,
        accountType: 'SPOT',
        balances: [{ asset: 'BTC', free: '0.10000000', locked: '0.00000000' }],
        permissions: ['SPOT'],
        updateTime: 1769904000000,
      },
    );
  // The app polls the account: twice here, so one survives the held-back split.
  entries.push(account(), account());
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
    entries.push(
      signed('/api/v3/myTrades', { symbol, fromId: '0', limit: '2' }, [trade(1, symbol), trade(2, symbol)]),
    );
    entries.push(
      signed('/api/v3/myTrades', { symbol, fromId: '3', limit: '2' }, [trade(3, symbol), trade(4, symbol)]),
    );
    entries.push(signed('/api/v3/myTrades', { symbol, fromId: '5', limit: '2' }, [trade(5, symbol)]));
  }
  const day = 86_400_000;
  for (let w = 0; w < 3; w++) {
    const start = 1767225600000 + w * 90 * day;
    entries.push(
      signed(
        '/sapi/v1/capital/deposit/hisrec',
        { startTime: String(start), endTime: String(start + 90 * day) },
        [
          {
            id: hex(16),
            amount: '0.10000000',
            coin: 'USDT',
            network: 'TRX',
            status: 1,
            address: hex(34),
            txId: hex(64),
            insertTime: start + 1000,
            transferType: 0,
            confirmTimes: '1/1',
            unlockConfirm: 0,
            walletType: 0,
          },
        ],
      ),
    );
  }
  entries.push(
    signed('/api/v3/allOrders', { symbol: 'BTCUSDT', limit: '500' }, [
      {
        symbol: 'BTCUSDT',
        orderId: 1,
        clientOrderId: alnum(22),
        price: '1.00000000',
        origQty: '1.00000000',
        status: 'FILLED',
        type: 'LIMIT',
        side: 'BUY',
        time: 1769904000000,
      },
    ]),
  );
  void createHash;
  return {
    name: 'binance-spot',
    entries,
    labels: {
      templates: [
        'GET /api/v3/ticker/price',
        'GET /api/v3/account',
        'GET /api/v3/myTrades',
        'GET /sapi/v1/capital/deposit/hisrec',
        'GET /api/v3/allOrders',
      ],
      credentials: ['header:x-mbx-apikey', 'query:signature', 'query:timestamp'],
      flows: [],
      pagination: ['GET /api/v3/myTrades id-cursor', 'GET /sapi/v1/capital/deposit/hisrec time-window'],
    },
  };
}

/** The labelled captures, deterministic. */
export function labelledCaptures(): LabelledCapture[] {
  clock = Date.parse('2026-02-01T00:00:00Z');
  seed = 7;
  return [github(), okta(), zoom(), stripe(), binance()];
}
