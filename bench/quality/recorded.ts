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
