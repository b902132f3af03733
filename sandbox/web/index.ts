/**
 * sandbox/web: the sandbox exchange's web app (login with a second factor, HttpOnly session cookies,
 * md5-derived CSRF header, private `/bapi/...` endpoints, pages for Earn, P2P, Convert, dust, the
 * transaction history and all-symbol trades). See README.md in this folder.
 *
 * Every exported name carries a `Web`/`WEB_`/`sandboxWeb` mark so sandbox/index.ts can re-export this
 * file whole (`export * from './web/index.js'`) next to the other folders' names.
 */
export {
  createWebApp as createSandboxWebApp,
  defaultWebCredentials as sandboxWebCredentials,
} from './app.js';
export type {
  WebApp as SandboxWebApp,
  WebAppOptions as SandboxWebAppOptions,
  WebCredentials as SandboxWebCredentials,
  RegisteredWebSession as SandboxRegisteredWebSession,
} from './app.js';
export {
  WEB_API_PATHS,
  MAX_ROWS as WEB_MAX_ROWS,
  convertEndpoint as webConvertEndpoint,
} from './endpoints.js';
export type { WebApiVersion as SandboxWebApiVersion } from './endpoints.js';
export { WEB_CODES } from './envelope.js';
export { WEB_SELECTORS, WEB_PAGES } from './selectors.js';
export type { WebPage as SandboxWebPage } from './selectors.js';
export {
  SESSION_COOKIE as WEB_SESSION_COOKIE,
  CSRF_COOKIE as WEB_CSRF_COOKIE,
  CSRF_HEADER as WEB_CSRF_HEADER,
  csrfHeaderFor as webCsrfHeaderFor,
} from './sessions.js';
export type { IssuedSession as SandboxWebSessionRecord } from './sessions.js';
export { sandboxWebRoute, webTwoFactorCodeFor } from './mount.js';
export type { SandboxWebRouteOptions, WebRouteContext as SandboxWebRouteContext } from './mount.js';
