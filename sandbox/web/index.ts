/**
 * sandbox/web: the sandbox exchange's web app (login with a second factor, HttpOnly session cookies,
 * md5-derived CSRF header, private `/bapi/...` endpoints, pages for Earn, P2P, Convert, transaction
 * history and all-symbol trades). See README.md in this folder.
 */
export { createWebApp, defaultWebCredentials } from './app.js';
export type { WebApp, WebAppOptions, WebCredentials, RegisteredWebSession } from './app.js';
export { WEB_API_PATHS, MAX_ROWS, convertEndpoint } from './endpoints.js';
export type { WebApiVersion } from './endpoints.js';
export { WEB_CODES } from './envelope.js';
export { WEB_SELECTORS, WEB_PAGES } from './selectors.js';
export type { WebPage } from './selectors.js';
export { SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER, csrfHeaderFor } from './sessions.js';
export type { IssuedSession } from './sessions.js';
export { sandboxWebRoute, webTwoFactorCodeFor } from './mount.js';
export type { SandboxWebRouteOptions, WebRouteContext } from './mount.js';
