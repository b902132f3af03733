/** argv builders for the capture CLI tests: the flags many tests pass alike, written once. */

/** `consent grant` of `scope` (capture unless told) on `account` to `holder` in the ledger `db`, to 2099. */
export function consentGrantArgs(grant: {
  db: string;
  account: string;
  holder: string;
  scope?: string;
}): string[] {
  return [
    'consent',
    'grant',
    '--db',
    grant.db,
    '--account',
    grant.account,
    '--holder',
    grant.holder,
    '--scope',
    grant.scope ?? 'capture',
    '--expires',
    '2099-01-01',
  ];
}

/** What a `capture browser` run is pointed at. */
export interface BrowserRun {
  url: string;
  out: string;
  guide?: string;
  /** The ledger holding the capture consent, and the account it covers (`--db`, `--account`). */
  consent?: { db: string; account: string };
  /** Lead with `--json` (the default) or not. */
  json?: boolean;
}

/**
 * `[--json] capture browser --url URL --out OUT [--guide GUIDE] --headless`, then `flags`, then
 * `--db DB --account ACCOUNT` when there is a consent.
 */
export function captureBrowserArgs(run: BrowserRun, ...flags: string[]): string[] {
  return [
    ...(run.json === false ? [] : ['--json']),
    'capture',
    'browser',
    '--url',
    run.url,
    '--out',
    run.out,
    ...(run.guide === undefined ? [] : ['--guide', run.guide]),
    '--headless',
    ...flags,
    ...(run.consent ? ['--db', run.consent.db, '--account', run.consent.account] : []),
  ];
}
