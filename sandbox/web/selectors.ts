/**
 * The web app's stable selectors and pages, for automation (the capture autopilot, Playwright tests).
 * Every selector is a `data-testid` attribute; ids are stable too but the test ids are the contract.
 * A page is done loading when `body[data-state="ready"]`; after "next page" it is ready again with
 * `data-page` set to the new page number. Errors put `data-state="error"` and fill `page-error`.
 */

/** CSS selectors of the web app. */
export const WEB_SELECTORS = {
  login: {
    form: '[data-testid="login-form"]',
    email: '[data-testid="login-email"]',
    password: '[data-testid="login-password"]',
    submit: '[data-testid="login-submit"]',
    error: '[data-testid="login-error"]',
  },
  /** The second-factor step, shown after a correct password. */
  twoFactor: {
    form: '[data-testid="twofa-form"]',
    code: '[data-testid="twofa-code"]',
    submit: '[data-testid="twofa-submit"]',
    error: '[data-testid="twofa-error"]',
  },
  /** Navigation links on every private page (and the logout button). */
  nav: {
    earn: '[data-testid="nav-earn"]',
    earnRewards: '[data-testid="nav-earn-rewards"]',
    p2p: '[data-testid="nav-p2p"]',
    convert: '[data-testid="nav-convert"]',
    transactions: '[data-testid="nav-transactions"]',
    trades: '[data-testid="nav-trades"]',
    dust: '[data-testid="nav-dust"]',
    logout: '[data-testid="nav-logout"]',
  },
  page: {
    ready: 'body[data-state="ready"]',
    error: '[data-testid="page-error"]',
    userEmail: '[data-testid="user-email"]',
    title: '[data-testid="page-title"]',
  },
  /** The paginated table of a list page. */
  table: {
    table: '[data-testid="data-table"]',
    row: '[data-testid="data-row"]',
    empty: '[data-testid="table-empty"]',
    next: '[data-testid="next-page"]',
    prev: '[data-testid="prev-page"]',
    pageInfo: '[data-testid="page-info"]',
  },
  earn: {
    /** In each Earn position row: link to the product detail page. */
    productLink: '[data-testid="product-link"]',
    productDetail: '[data-testid="product-detail"]',
  },
} as const;

/** A page of the web app. */
export interface WebPage {
  /** Stable key (also `data-page-id` on body). */
  id:
    | 'login'
    | 'earn'
    | 'earn-rewards'
    | 'earn-product'
    | 'p2p'
    | 'convert'
    | 'transactions'
    | 'trades'
    | 'dust';
  path: string;
  title: string;
  /** Nav link selector that leads here (private pages in the nav). */
  nav?: string;
}

/** Every page, in the order a walk-through visits them. `earn-product` needs `?productId=`. */
export const WEB_PAGES: readonly WebPage[] = [
  { id: 'login', path: '/login', title: 'Log in' },
  { id: 'earn', path: '/my/earn', title: 'Earn positions', nav: WEB_SELECTORS.nav.earn },
  {
    id: 'earn-rewards',
    path: '/my/earn/rewards',
    title: 'Earn reward history',
    nav: WEB_SELECTORS.nav.earnRewards,
  },
  { id: 'earn-product', path: '/my/earn/product', title: 'Earn product detail' },
  { id: 'p2p', path: '/my/orders/p2p', title: 'P2P order history', nav: WEB_SELECTORS.nav.p2p },
  { id: 'convert', path: '/my/orders/convert', title: 'Convert history', nav: WEB_SELECTORS.nav.convert },
  {
    id: 'transactions',
    path: '/my/wallet/transaction-history',
    title: 'Transaction history',
    nav: WEB_SELECTORS.nav.transactions,
  },
  {
    id: 'trades',
    path: '/my/orders/trade-history',
    title: 'Trade history (all symbols)',
    nav: WEB_SELECTORS.nav.trades,
  },
  {
    id: 'dust',
    path: '/my/wallet/dust-log',
    title: 'Small assets conversion history',
    nav: WEB_SELECTORS.nav.dust,
  },
];
