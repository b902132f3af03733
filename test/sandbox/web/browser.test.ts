/**
 * One real headless Chromium walk through the web app: log in (with a wrong, then the right second
 * factor), open every page from the nav, see the data rendered, page forward, open an Earn product,
 * survive a session expiry (the page script refreshes and retries), log out. Checks on the way that the
 * session cookie is invisible to the page, that every private call carried csrftoken = md5(cr00), and
 * that a version-2 app's pages call the version-2 paths.
 */
import { createHash } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS } from '../../../capture/index.js';
import { ManualClock } from '../../../core/index.js';
import { WEB_API_PATHS, WEB_PAGES, WEB_SELECTORS as S } from '../../../sandbox/web/index.js';
import { loggedIn, startWeb, type RunningWeb } from './web-harness.js';

const md5 = (t: string): string => createHash('md5').update(t).digest('hex');

interface SeenCall {
  method: string;
  path: string;
  csrftoken: string | undefined;
  cr00: string | undefined;
}

async function ready(page: Page, pageNumber?: number): Promise<void> {
  await page.waitForSelector(
    pageNumber === undefined ? S.page.ready : `${S.page.ready}[data-page="${pageNumber}"]`,
    { timeout: 15_000 },
  );
}

async function logIn(page: Page, web: RunningWeb, wrongCodeFirst: boolean): Promise<void> {
  const c = web.app.credentials;
  await page.fill(S.login.email, c.email);
  await page.fill(S.login.password, c.password);
  await page.click(S.login.submit);
  await page.waitForSelector(S.twoFactor.code, { state: 'visible' });
  if (wrongCodeFirst) {
    await page.fill(S.twoFactor.code, c.twoFactorCode === '000000' ? '111111' : '000000');
    await page.click(S.twoFactor.submit);
    await page.waitForSelector(S.twoFactor.error, { state: 'visible' });
  }
  await page.fill(S.twoFactor.code, c.twoFactorCode as string);
  await page.click(S.twoFactor.submit);
}

describe('sandbox web app in headless Chromium', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1, 12));
  let web: RunningWeb;
  let web2: RunningWeb;
  let browser: Browser;
  beforeAll(async () => {
    web = await startWeb({ clock, sessionTtlMs: 60_000 });
    web2 = await startWeb({ webApiVersion: 2 });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await web2?.close();
  });

  it('logs in, walks every page with data rendered, refreshes an expired session and logs out', async () => {
    const reference = await loggedIn(web); // plain-HTTP view of the same data, for comparison
    const context = await browser.newContext();
    const page = await context.newPage();
    const calls: SeenCall[] = [];
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (!url.pathname.startsWith('/bapi/')) return;
      void req.allHeaders().then((h) => {
        const cr00 = /(?:^|;\s*)cr00=([^;]+)/.exec(h['cookie'] ?? '')?.[1];
        calls.push({ method: req.method(), path: url.pathname, csrftoken: h['csrftoken'], cr00 });
      });
    });

    await page.goto(`${web.url}/my/earn`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await logIn(page, web, true);
    await page.waitForURL(`${web.url}/my/earn`);
    await ready(page);
    expect(await page.textContent(S.page.userEmail)).toContain('***@');

    // The session cookie is HttpOnly: the page sees only the CSRF cookie.
    const docCookie = await page.evaluate('document.cookie');
    expect(docCookie).toContain('cr00=');
    expect(docCookie).not.toContain('p20t');

    const positions = (await reference.post(WEB_API_PATHS.earnPositions, { page: 1, rows: 10 })).body
      .data as Array<Record<string, string>>;
    expect(await page.locator(S.table.row).count()).toBe(positions.length);
    expect(await page.locator(`${S.table.row} >> nth=0 >> td[data-field="amount"]`).textContent()).toBe(
      positions[0]?.['amount'],
    );

    // Product detail from the first position's link.
    await page.click(`${S.earn.productLink} >> nth=0`);
    await page.waitForURL(/\/my\/earn\/product\?productId=/);
    await ready(page);
    expect(await page.textContent(`${S.earn.productDetail} dd[data-field="productId"]`)).toBe(
      positions[0]?.['productId'],
    );

    // Every nav page renders rows that match the endpoint's first page.
    const firstField: Record<string, [string, string, Record<string, unknown>]> = {
      'earn-rewards': [WEB_API_PATHS.earnRewards, 'amount', { rows: 20 }],
      p2p: [WEB_API_PATHS.p2pHistory, 'orderNumber', { rows: 10 }],
      convert: ['', 'orderId', { rows: 10 }],
      transactions: [WEB_API_PATHS.transactionHistory, 'change', { rows: 20 }],
      trades: [WEB_API_PATHS.tradeHistory, 'qty', { rows: 20 }],
      dust: [WEB_API_PATHS.dustLog, 'tranId', { rows: 10 }],
    };
    for (const target of WEB_PAGES.filter((p) => p.nav)) {
      await page.click(target.nav as string);
      await page.waitForURL(`${web.url}${target.path}`);
      await ready(page);
      expect(await page.textContent(S.page.title)).toBe(target.title);
      const rowCount = await page.locator(S.table.row).count();
      expect(rowCount, target.id).toBeGreaterThan(0);
      const spec = firstField[target.id];
      if (!spec) continue;
      const [path, field, params] = spec;
      const res = path
        ? await reference.post(path, { page: 1, ...params })
        : await reference.get(WEB_API_PATHS.convertHistoryV1, { page: 1, rows: 10 });
      const rows = res.body.data as Array<Record<string, unknown>>;
      expect(rowCount, target.id).toBe(rows.length);
      expect(
        await page.locator(`${S.table.row} >> nth=0 >> td[data-field="${field}"]`).textContent(),
        target.id,
      ).toBe(String(rows[0]?.[field]));
      expect(await page.getAttribute(S.table.pageInfo, 'data-total')).toBe(String(res.body.total));
    }

    // Back on the trade history: next page, after the session expired.
    await page.click(S.nav.trades);
    await page.waitForURL(`${web.url}/my/orders/trade-history`);
    await ready(page);
    const firstPageQty = await page.locator(`${S.table.row} >> nth=0 >> td[data-field="qty"]`).textContent();
    clock.advance(61_000);
    await page.click(S.table.next);
    await ready(page, 2);
    const second = (await reference.post(WEB_API_PATHS.tradeHistory, { page: 2, rows: 20 })).body;
    expect(second.code).toBe('100001005'); // the reference client's session expired too: refresh it
    await reference.post(WEB_API_PATHS.refresh, {});
    const page2 = (await reference.post(WEB_API_PATHS.tradeHistory, { page: 2, rows: 20 })).body
      .data as Array<Record<string, unknown>>;
    const secondPageQty = await page.locator(`${S.table.row} >> nth=0 >> td[data-field="qty"]`).textContent();
    expect(secondPageQty).toBe(page2[0]?.['qty']);
    const page1 = (await reference.post(WEB_API_PATHS.tradeHistory, { page: 1, rows: 20 })).body
      .data as Array<Record<string, unknown>>;
    expect(page1[0]?.['qty']).toBe(firstPageQty);
    expect(page2[0]?.['id']).not.toBe(page1[0]?.['id']);
    expect(calls.some((c) => c.path === WEB_API_PATHS.refresh)).toBe(true);

    // Every private call carried csrftoken = md5 of the cr00 cookie it was sent with.
    const privateCalls = calls.filter(
      (c) => c.path !== WEB_API_PATHS.login && c.path !== WEB_API_PATHS.verify,
    );
    expect(privateCalls.length).toBeGreaterThan(8);
    for (const c of privateCalls) {
      expect(c.cr00, c.path).toBeDefined();
      expect(c.csrftoken, c.path).toBe(md5(c.cr00 as string));
    }

    await page.click(S.nav.logout);
    await page.waitForURL(/\/login/);
    expect((await context.cookies()).some((k) => k.name === 'p20t')).toBe(false);
    await page.goto(`${web.url}/my/orders/p2p`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();

    // A version-2 app: the Convert page calls the moved endpoint and the trade page shows quoteQty.
    const context2 = await browser.newContext();
    const page2v = await context2.newPage();
    const paths2: string[] = [];
    page2v.on('request', (req) => paths2.push(`${req.method()} ${new URL(req.url()).pathname}`));
    await page2v.goto(`${web2.url}/login?next=/my/orders/convert`);
    await logIn(page2v, web2, false);
    await page2v.waitForURL(`${web2.url}/my/orders/convert`);
    await ready(page2v);
    expect(await page2v.locator(S.table.row).count()).toBeGreaterThan(0);
    expect(paths2).toContain(`POST ${WEB_API_PATHS.convertHistoryV2}`);
    expect(paths2.some((p) => p.endsWith(WEB_API_PATHS.convertHistoryV1))).toBe(false);
    await page2v.click(S.nav.trades);
    await ready(page2v);
    expect(
      await page2v.locator(`${S.table.row} >> nth=0 >> td[data-field="quoteQty"]`).textContent(),
    ).toMatch(/^\d+\.\d{8}$/);
    await context2.close();
  });
});
