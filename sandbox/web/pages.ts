/**
 * The HTML of the web app's pages: a server-rendered shell (nav, title, an empty table with its pager)
 * that `/static/app.js` fills from the private endpoints. The page's config (which page, the API version
 * and the endpoint paths of that version) is inlined as JSON, so a version-2 app's pages call the
 * version-2 paths.
 */
import { WEB_PAGES, type WebPage } from './selectors.js';
import { convertEndpoint, WEB_API_PATHS, type WebApiVersion } from './endpoints.js';

const STYLE = `body{font:14px system-ui,sans-serif;margin:0;color:#1e2329}header{background:#181a20;color:#eaecef;padding:8px 16px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header a{color:#f0b90b;text-decoration:none}nav{display:flex;gap:12px;flex-wrap:wrap}main{padding:16px}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;font-variant-numeric:tabular-nums}
.error{color:#cf304a}form{display:grid;gap:8px;max-width:320px}button{padding:6px 12px}dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The endpoint paths the page script uses in a version. */
export function clientPaths(version: WebApiVersion): Record<string, string> {
  const convert = convertEndpoint(version);
  return {
    userDetail: WEB_API_PATHS.userDetail,
    tradeHistory: WEB_API_PATHS.tradeHistory,
    convertHistory: convert.path,
    convertMethod: convert.method,
    p2pHistory: WEB_API_PATHS.p2pHistory,
    earnPositions: WEB_API_PATHS.earnPositions,
    earnRewards: WEB_API_PATHS.earnRewards,
    earnProduct: WEB_API_PATHS.earnProduct,
    transactionHistory: WEB_API_PATHS.transactionHistory,
    dustLog: WEB_API_PATHS.dustLog,
    login: WEB_API_PATHS.login,
    verify: WEB_API_PATHS.verify,
    refresh: WEB_API_PATHS.refresh,
    logout: WEB_API_PATHS.logout,
  };
}

function shell(page: WebPage, version: WebApiVersion, body: string): string {
  // '<' is escaped inside the JSON so the config can never close its script element.
  const config = JSON.stringify({ page: page.id, apiVersion: version, paths: clientPaths(version) }).replace(
    /</g,
    '\\u003c',
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} | Sandbox Exchange</title><style>${STYLE}</style>
<script id="app-config" type="application/json">${config}</script>
</head><body data-page-id="${page.id}" data-state="loading">
${body}
<script src="/static/app.js"></script>
</body></html>`;
}

function nav(): string {
  const links = WEB_PAGES.filter((p) => p.nav)
    .map((p) => {
      const testId = /data-testid="([^"]+)"/.exec(p.nav as string)?.[1] as string;
      return `<a id="${testId}" data-testid="${testId}" href="${p.path}">${escapeHtml(p.title)}</a>`;
    })
    .join('\n');
  return `<header><strong>Sandbox Exchange</strong>
<nav>${links}</nav>
<span id="user-email" data-testid="user-email"></span>
<button type="button" id="nav-logout" data-testid="nav-logout">Log out</button></header>`;
}

function tablePage(page: WebPage): string {
  return `${nav()}
<main><h1 id="page-title" data-testid="page-title">${escapeHtml(page.title)}</h1>
<p id="page-error" data-testid="page-error" class="error" hidden></p>
<table id="${page.id}-table" data-testid="data-table"><thead></thead><tbody></tbody></table>
<p id="table-empty" data-testid="table-empty" hidden>No records.</p>
<div class="pager"><button type="button" id="prev-page" data-testid="prev-page" disabled>Previous</button>
<span id="page-info" data-testid="page-info"></span>
<button type="button" id="next-page" data-testid="next-page" disabled>Next page</button></div></main>`;
}

function productPage(page: WebPage): string {
  return `${nav()}
<main><h1 id="page-title" data-testid="page-title">${escapeHtml(page.title)}</h1>
<p id="page-error" data-testid="page-error" class="error" hidden></p>
<dl id="product-detail" data-testid="product-detail"></dl>
<p><a href="/my/earn" data-testid="back-to-earn">Back to Earn</a></p></main>`;
}

function loginPage(): string {
  return `<main><h1 data-testid="page-title">Log in</h1>
<form id="login-form" data-testid="login-form" autocomplete="on">
<label>Email <input id="login-email" data-testid="login-email" name="email" type="email" autocomplete="username" required></label>
<label>Password <input id="login-password" data-testid="login-password" name="password" type="password" autocomplete="current-password" required></label>
<button id="login-submit" data-testid="login-submit" type="submit">Log in</button>
<p id="login-error" data-testid="login-error" class="error" hidden></p>
</form>
<form id="twofa-form" data-testid="twofa-form" hidden>
<label>Authenticator code <input id="twofa-code" data-testid="twofa-code" name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required></label>
<button id="twofa-submit" data-testid="twofa-submit" type="submit">Submit</button>
<p id="twofa-error" data-testid="twofa-error" class="error" hidden></p>
</form></main>`;
}

/** The HTML of a page path, or undefined when the path is not a page. */
export function renderPage(path: string, version: WebApiVersion): string | undefined {
  const page = WEB_PAGES.find((p) => p.path === path);
  if (!page) return undefined;
  if (page.id === 'login') return shell(page, version, loginPage());
  if (page.id === 'earn-product') return shell(page, version, productPage(page));
  return shell(page, version, tablePage(page));
}
