/**
 * The RECORDED part of the labelled set of bench/quality.ts: real captures copied verbatim from public
 * repositories into test/fixtures/har-public/ (origin, commit and licence of each in that folder's
 * README), grouped by API, each group with the labels a correct analysis must find.
 *
 * Labels come from the API's own description, not from our output:
 *  - GitHub REST: the OpenAPI description github/rest-api-description
 *    (descriptions/api.github.com/api.github.com.yaml, commit 85b6ee9f1568906d51987ef80dadeda4dfea16ea)
 *    defines `GET /users/{username}` and `GET /repos/{owner}/{repo}`. The recordings are unauthenticated
 *    (`x-ratelimit-limit: 60`, no Authorization header), so no credential, flow or pagination is expected.
 *  - JSONPlaceholder publishes no OpenAPI description; its routes are the ones its README documents
 *    (typicode/jsonplaceholder README.md, commit 1c14da6a3e2f6ce7343f0b696a46003f0eb598e8):
 *    `/posts/1` and `/users/1` are "a resource" of the collections `/posts` and `/users`. No auth.
 *  - GitHub App installation token (JupiterOne/graph-github, a Polly.JS recording with `authorization` and
 *    the issued `token` redacted to `[REDACTED]`): the same OpenAPI description defines
 *    `POST /app/installations/{installation_id}/access_tokens` ("Create an installation access token for an
 *    app"; the response's `token` is then sent as `Authorization`); `POST /graphql` is GitHub's single
 *    GraphQL endpoint (docs.github.com/graphql/guides/forming-calls-with-graphql). One credential,
 *    `authorization`, issued by the token call. Pagination: see the second recording below.
 *  - Auth0 (JupiterOne/graph-auth0, Polly.JS, `authorization`, the token request body and `access_token`
 *    redacted): `POST /oauth/token` (client-credentials grant of the Authentication API) issues the bearer
 *    token the Management API `GET /api/v2/users` takes; that call pages by `page` (zero based) and
 *    `per_page` with `include_totals` (auth0.com/docs/manage-users/user-search/view-search-results-by-page),
 *    and the capture walks pages 0 to 3 with `per_page=1`. The `did`/`did_compat`/`__cf_bm` cookies Auth0
 *    sets are never sent back, and `auth0-client` is SDK telemetry: not credentials.
 *  - Kofax TotalAgility (jonluca/har-to-openapi test data: one call exported by Firefox 77 and again by
 *    Fiddler): no public API description, so the template is the captured path as is: a WCF service file
 *    (`ServerService.svc`) and an operation name (`json/GetNavigationMenu2`), all literal. The request
 *    carries the session cookie `SESSION_ID`, a `CSRFDesignerToken` cookie and the same value in a
 *    `CSRFDesignerToken` header (double-submit CSRF): three credentials. Nothing in the capture issues them
 *    (no login, no Set-Cookie), so no flow is labelled.
 *  - vSphere (JupiterOne/graph-vsphere, Polly.JS, `authorization`, `vmware-api-session-id` and the session
 *    body redacted): the vSphere Automation API's `POST /api/session` ("Create Session": Basic credentials in,
 *    the session identifier out, as the JSON string body and the `vmware-api-session-id` header) and
 *    `GET /rest/appliance/system/version` (Appliance API, the older `/rest` prefix; the client added a
 *    trailing slash); later calls send the session id as the `vmware-api-session-id` header
 *    (developer.vmware.com/apis/vsphere-automation/latest/cis/api/session/post). Credentials: the Basic
 *    `authorization` of the session call and the session header, issued by the session call.
 *  - Salesforce (JupiterOne/graph-salesforce, Polly.JS, `authorization`, the issued `access_token` and one
 *    token request body redacted): REST API `GET /services/data/vXX.X/sobjects/{sObject}/describe`
 *    ("sObject Describe") with `User` and `UserRole`; the version segment is a variable in the docs but
 *    the capture holds one value, `v50.0`, kept literal as Auth0's `/api/v2/` is. The OAuth 2.0 refresh
 *    token flow: `POST /services/oauth2/token` with `grant_type=refresh_token`, `refresh_token`,
 *    `client_id`, `client_secret` in the form body, answering `access_token` sent as the bearer token
 *    (help.salesforce.com "OAuth 2.0 Refresh Token Flow"). One recording retries a 401 after a
 *    successful refresh; the other's refresh fails (`invalid_client_id`, 400). Credentials: the bearer
 *    `authorization`, and the `refresh_token` and `client_secret` the refresh grant sends (not issued in
 *    the capture).
 *  - Linear (JupiterOne/graph-linear, Polly.JS, `authorization` redacted): one GraphQL endpoint,
 *    `POST /graphql` (developers.linear.app "GraphQL API"), an API key in `Authorization`. Linear pages
 *    every connection the Relay way (`first`/`after`, `pageInfo { endCursor hasNextPage }`, Linear's
 *    "Pagination" docs); the `teams` query declares `$after`, `$first`… and its answer carries `pageInfo`
 *    on one page (`hasNextPage: false`): pagination `graphql-pageinfo`, declared.
 *  - Snipe-IT (JupiterOne/graph-snipe-it, Polly.JS, a Snipe-IT server run locally by the recorder):
 *    `GET /api/v1/users` and `GET /api/v1/locations`, both paged by `offset` and `limit` with `total` in
 *    the answer (snipe-it.readme.io/reference "Users" and "Locations"), one page each; a bearer API key.
 *    The `snipeit_session` cookie it sets is never sent back: not a credential.
 *  - GitLab (JupiterOne/graph-gitlab, Polly.JS, `private-token` redacted): REST v4 `GET /groups` ("List
 *    groups") and `GET /groups/:id/projects` ("List a group's projects"), both paged by `page` and
 *    `per_page` (docs.gitlab.com/ee/api/rest "Offset-based pagination"), one page each; the personal
 *    access token goes in the `PRIVATE-TOKEN` header ("Personal/project/group access tokens").
 *  - GitHub App, second recording (JupiterOne/graph-github): two installation-token calls then a GraphQL
 *    query whose connection takes `first`/`after` and answers `pageInfo { endCursor hasNextPage }`, GitHub's
 *    documented cursor pagination (docs.github.com/graphql/guides/using-pagination-in-the-graphql-api):
 *    pagination `graphql-pageinfo` on `POST /graphql`, declared (one page).
 *
 * Entries are read with the project's HAR reader (normalized as `ledgertap analyze` reads them) and
 * ordered by `startedDateTime`, so the held-back split of quality.ts is deterministic.
 */
import { fileURLToPath } from 'node:url';
import { readHar, type HarEntry } from '../../har/index.js';
import type { LabelledCapture } from './captures.js';

export const publicFixtureDir = fileURLToPath(new URL('../../test/fixtures/har-public/', import.meta.url));

interface RecordedSpec {
  name: string;
  files: string[];
  labels: LabelledCapture['labels'];
}

export const recordedSpecs: RecordedSpec[] = [
  {
    name: 'github-polly',
    files: [
      'pollyjs-github-getUser-org-name.har',
      'pollyjs-github-getRepo.har',
      'pollyjs-github-getUser.har',
      'pollyjs-github-client-getUser.har',
    ],
    labels: {
      templates: ['GET /users/{}', 'GET /repos/{}/{}'],
      credentials: [],
      flows: [],
      pagination: [],
    },
  },
  {
    name: 'jsonph-polly',
    files: [
      'pollyjs-jsonplaceholder.har',
      'pollyjs-jsonplaceholder-posts.har',
      'pollyjs-jsonplaceholder-node-fetch.har',
      'pollyjs-jsonplaceholder-users.har',
    ],
    labels: {
      templates: ['GET /posts/{}', 'GET /users/{}'],
      credentials: [],
      flows: [],
      pagination: [],
    },
  },
  {
    name: 'github-app-j1',
    files: ['j1-github-app-installation-token.har', 'j1-github-graphql-members.har'],
    labels: {
      templates: ['POST /app/installations/{}/access_tokens', 'POST /graphql'],
      credentials: ['authorization:authorization'],
      flows: ['authorization:authorization <- POST /app/installations/{}/access_tokens'],
      pagination: ['POST /graphql graphql-pageinfo'],
    },
  },
  {
    name: 'auth0-j1',
    files: ['j1-auth0-fetch-users.har', 'j1-auth0-users-pages-0-3.har'],
    labels: {
      templates: ['POST /oauth/token', 'GET /api/v2/users'],
      credentials: ['authorization:authorization'],
      flows: ['authorization:authorization <- POST /oauth/token'],
      pagination: ['GET /api/v2/users page-size'],
    },
  },
  {
    name: 'kofax-csrf',
    files: ['kofax-totalagility-firefox77.har', 'kofax-totalagility-fiddler.har'],
    labels: {
      templates: ['POST /agility.server.web/Services/SDK/ServerService.svc/json/GetNavigationMenu2'],
      credentials: ['cookie:CSRFDesignerToken', 'cookie:SESSION_ID', 'header:csrfdesignertoken'],
      flows: [],
      pagination: [],
    },
  },
  {
    name: 'vsphere-session',
    files: ['j1-vsphere-session.har'],
    labels: {
      templates: ['POST /api/session', 'GET /rest/appliance/system/version'],
      credentials: ['authorization:authorization', 'header:vmware-api-session-id'],
      flows: ['header:vmware-api-session-id <- POST /api/session'],
      pagination: [],
    },
  },
  {
    name: 'salesforce-j1',
    files: ['j1-salesforce-refresh-users-3.har', 'j1-salesforce-refresh-invalid.har'],
    labels: {
      templates: ['GET /services/data/v50.0/sobjects/{}/describe', 'POST /services/oauth2/token'],
      credentials: ['authorization:authorization', 'body:client_secret', 'body:refresh_token'],
      flows: ['authorization:authorization <- POST /services/oauth2/token'],
      pagination: [],
    },
  },
  {
    name: 'linear-graphql',
    files: ['j1-linear-graphql-2.har'],
    labels: {
      templates: ['POST /graphql'],
      credentials: ['authorization:authorization'],
      flows: [],
      pagination: ['POST /graphql graphql-pageinfo'],
    },
  },
  {
    name: 'snipeit-offset',
    files: ['j1-snipeit-offset-limit.har'],
    labels: {
      templates: ['GET /api/v1/locations', 'GET /api/v1/users'],
      credentials: ['authorization:authorization'],
      flows: [],
      pagination: ['GET /api/v1/locations offset-limit', 'GET /api/v1/users offset-limit'],
    },
  },
  {
    name: 'gitlab-j1',
    files: ['j1-gitlab-group-projects.har'],
    labels: {
      templates: ['GET /api/v4/groups', 'GET /api/v4/groups/{}/projects'],
      credentials: ['header:private-token'],
      flows: [],
      pagination: ['GET /api/v4/groups page-size', 'GET /api/v4/groups/{}/projects page-size'],
    },
  },
];

async function readEntries(file: string): Promise<HarEntry[]> {
  const reader = await readHar(`${publicFixtureDir}${file}`);
  const out: HarEntry[] = [];
  for await (const entry of reader.entries()) out.push(entry);
  return out;
}

/** The recorded captures, one per API, entries in time order. */
export async function recordedCaptures(): Promise<LabelledCapture[]> {
  const out: LabelledCapture[] = [];
  for (const spec of recordedSpecs) {
    const entries = (await Promise.all(spec.files.map(readEntries))).flat();
    entries.sort((a, b) => Date.parse(a.startedDateTime) - Date.parse(b.startedDateTime));
    out.push({ name: spec.name, entries, labels: spec.labels });
  }
  return out;
}
