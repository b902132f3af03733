import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readHar, validateHar } from '../../har/index.js';
import { openLedger } from '../../ledger/index.js';
import type { HarFile } from '../../har/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { captureBrowserArgs, consentGrantArgs } from './cli-args.js';
import { SITE_GUIDE, startTestSite, type TestSite } from './site.js';

const tempDir = useTempDirs('ledgertap-capture-cli-');

const GUIDE = SITE_GUIDE;

let site: TestSite;
beforeEach(async () => {
  site = await startTestSite();
});
afterEach(async () => {
  await site.close();
});

/** A ledger with an active capture consent for `acct`. */
async function ledgerWithConsent(dir: string): Promise<string> {
  const db = join(dir, 'ledger.sqlite');
  const granted = await runCliInProcess(consentGrantArgs({ db, account: 'acct', holder: 'Test Holder' }));
  expect(granted.code, granted.stderr).toBe(0);
  return db;
}

/** `capture browser` of the test site (unless `url` says otherwise) into `out`; `db` holds the consent for `acct`. */
function browserArgs(
  run: { out: string; guide?: string; db?: string; url?: string; json?: boolean },
  ...flags: string[]
): string[] {
  const { db, url = site.url, ...rest } = run;
  return captureBrowserArgs(
    { url, ...rest, ...(db === undefined ? {} : { consent: { db, account: 'acct' } }) },
    ...flags,
  );
}

/** `--db DB --account acct`: the ledger holding the consent, and its account. */
const consentFlags = (db: string): string[] => ['--db', db, '--account', 'acct'];

/** `--json capture proxy --port PORT --out OUT --hosts example.test`, then `flags`. */
function proxyArgs(port: string, out: string, ...flags: string[]): string[] {
  return ['--json', 'capture', 'proxy', '--port', port, '--out', out, '--hosts', 'example.test', ...flags];
}

async function files(dir: string): Promise<{ guide: string; env: NodeJS.ProcessEnv }> {
  const guide = join(dir, 'guide.yaml');
  await writeFile(guide, GUIDE);
  return {
    guide,
    env: {
      LEDGERTAP_WEB_USER: site.user,
      LEDGERTAP_WEB_PASSWORD: site.password,
      LEDGERTAP_BROWSER: '',
      LEDGERTAP_DB: '',
      LEDGERTAP_ACCOUNT: '',
    },
  };
}

describe('ledgertap capture browser (CLI)', () => {
  it('refuses to start without consent, and says how to grant it', async () => {
    const dir = await tempDir();
    const { guide, env } = await files(dir);
    const out = join(dir, 's.har');
    const none = await runCliInProcess(browserArgs({ out, guide }), { env });
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout.trim().split('\n').pop()!)).toMatchObject({
      error: 'usage.consent_required',
    });
    expect(none.stderr).toContain('consent grant');
    const db = join(dir, 'empty.sqlite');
    // A ledger with a consent of another scope only.
    expect(
      (await runCliInProcess(consentGrantArgs({ db, account: 'acct', holder: 'H', scope: 'read' }))).code,
    ).toBe(0);
    const noConsent = await runCliInProcess(browserArgs({ out, guide, db }), { env });
    expect(noConsent.code).toBe(2);
    expect(noConsent.stdout).toContain('ledger.no_consent');
    await expect(stat(out)).rejects.toThrow();
  });

  it(
    'captures with the sandbox autopilot into a valid, redacted HAR carrying the consent id',
    { timeout: 240_000 },
    async () => {
      const dir = await tempDir();
      const { guide, env } = await files(dir);
      const db = await ledgerWithConsent(dir);
      const out = join(dir, 'session.har');
      const result = await runCliInProcess(browserArgs({ out, guide, db }, '--autopilot', 'sandbox'), {
        env,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('step 2/3: Earn');
      // Nobody is at the terminal under --autopilot: no step asks anyone to press Enter.
      expect(result.stderr).not.toContain('Press Enter');
      const summary = JSON.parse(result.stdout) as { entries: number; keyFile: string };
      expect(summary.entries).toBeGreaterThan(5);
      const validation = await validateHar(out);
      expect(JSON.stringify(validation.deviations)).toBe('[]');
      expect(validation.valid).toBe(true);
      const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
      expect(har.log._ledgertap).toMatchObject({
        consentId: expect.any(String),
        account: 'acct',
        guide: 'test-site',
      });
      expect(JSON.stringify(har)).not.toContain(site.password);
      expect((await stat(summary.keyFile)).mode & 0o777).toBe(0o600);
      const store = await openLedger(db, { create: false });
      try {
        const audit = await store.listAudit();
        expect(audit).toContainEqual(
          expect.objectContaining({ route: 'capture', account: 'acct', records: summary.entries }),
        );
        expect(JSON.stringify(audit)).not.toContain(site.password);
      } finally {
        await store.close();
      }
    },
  );

  it(
    '--no-redact says so on stderr and writes an owner-only file; --forget-key leaves no key',
    { timeout: 240_000 },
    async () => {
      const dir = await tempDir();
      const { guide, env } = await files(dir);
      const db = await ledgerWithConsent(dir);
      const out = join(dir, 'clear.har');
      const clear = await runCliInProcess(
        browserArgs({ out, guide, db, json: false }, '--autopilot', 'sandbox', '--no-redact'),
        { env },
      );
      expect(clear.code, clear.stderr).toBe(0);
      expect(clear.stderr).toMatch(/--no-redact: .*in the clear.*0600/);
      expect((await stat(out)).mode & 0o777).toBe(0o600);
      expect(await readFile(out, 'utf8')).toContain(site.sessions[0]!);
      await expect(stat(`${out}.key`)).rejects.toThrow();

      const out2 = join(dir, 'forget.har');
      const forget = await runCliInProcess(
        browserArgs({ out: out2, guide, db, json: false }, '--autopilot', 'sandbox', '--forget-key'),
        { env },
      );
      expect(forget.code, forget.stderr).toBe(0);
      await expect(stat(`${out2}.key`)).rejects.toThrow();
      const har = JSON.parse(await readFile(out2, 'utf8')) as HarFile;
      expect(har.log._ledgertap?.redaction).toMatchObject({ enabled: true, keyDiscarded: true });
    },
  );
});

describe('bad input ends with a clear message and a valid or salvageable HAR', () => {
  it('a browser path that does not exist: exit 3, capture.browser_not_found, no file', async () => {
    const dir = await tempDir();
    const { guide, env } = await files(dir);
    const db = await ledgerWithConsent(dir);
    const out = join(dir, 'x.har');
    const r = await runCliInProcess(browserArgs({ out, guide, db }, '--browser', '/nonexistent/chromium'), {
      env,
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('capture.browser_not_found');
    expect(r.stderr).toContain('/nonexistent/chromium');
  });

  it('a broken autopilot script is reported before a missing browser: the fix the holder can make first', async () => {
    const dir = await tempDir();
    const { guide, env } = await files(dir);
    const db = await ledgerWithConsent(dir);
    const out = join(dir, 'x.har');
    const script = join(dir, 'pilot.yaml');
    await writeFile(script, 'actions:\n  - fly: somewhere\n');
    const r = await runCliInProcess(
      browserArgs(
        { out, guide, db },
        '--browser',
        '/nonexistent/chromium',
        '--headless',
        '--autopilot',
        script,
      ),
      { env },
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('autopilot_invalid');
    expect(r.stdout).not.toContain('browser_not_found');
    expect(r.stderr).toContain(script);
    await expect(stat(out)).rejects.toThrow();
  });

  it('a browser that cannot start: exit 3, capture.browser_launch, and a valid empty HAR', async () => {
    const dir = await tempDir();
    const { guide, env } = await files(dir);
    const db = await ledgerWithConsent(dir);
    const fake = join(dir, 'fake-chrome');
    await writeFile(fake, '#!/bin/sh\necho "cannot open display" >&2\nexit 1\n', { mode: 0o755 });
    const out = join(dir, 'x.har');
    const r = await runCliInProcess(browserArgs({ out, guide, db }, '--browser', fake), { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('capture.browser_launch');
    expect((await validateHar(out)).valid).toBe(true);
  });

  it('an unreachable URL: exit 3, capture.unreachable, and a valid HAR holding the failed request', async () => {
    const dir = await tempDir();
    const { env } = await files(dir);
    const db = await ledgerWithConsent(dir);
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const out = join(dir, 'x.har');
    const r = await runCliInProcess(browserArgs({ out, db, url: `http://127.0.0.1:${port}/` }), { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('capture.unreachable');
    expect(r.stderr).toContain('ERR_CONNECTION_REFUSED');
    const v = await validateHar(out);
    expect(v.valid).toBe(true);
    const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
    expect(har.log.entries[0]?.response.status).toBe(0);
  });

  it('Ctrl-C in the middle: a valid HAR marked interrupted', { timeout: 240_000 }, async () => {
    const dir = await tempDir();
    const { guide, env } = await files(dir);
    const db = await ledgerWithConsent(dir);
    const out = join(dir, 'x.har');
    const controller = new AbortController();
    // No autopilot: the capture waits for the holder; Ctrl-C arrives once the login page has loaded.
    const timer = setInterval(() => {
      if (site.requests.includes('GET /login')) {
        clearInterval(timer);
        setTimeout(() => controller.abort(), 300);
      }
    }, 50);
    const r = await runCliInProcess(browserArgs({ out, guide, db }), {
      env,
      signal: controller.signal,
    });
    clearInterval(timer);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ended: 'stopped by Ctrl-C' });
    expect((await validateHar(out)).valid).toBe(true);
    const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
    expect(har.log._ledgertap?.['capture']).toMatchObject({ interrupted: true });
    expect(har.log.entries.some((e) => e.request.url.endsWith('/login'))).toBe(true);
  });

  const canMount = (() => {
    try {
      execFileSync(
        'sh',
        ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"'],
        { stdio: 'ignore' },
      );
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!canMount)(
    'a full disk (a 160 KiB tmpfs): exit 3, capture.disk_full, and a partial file the HAR reader salvages',
    async () => {
      const dir = await tempDir();
      const { guide, env } = await files(dir);
      const db = await ledgerWithConsent(dir);
      const small = join(dir, 'small');
      await mkdir(small);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160k', 'tmpfs', small]);
      try {
        // Fill most of it first, so the capture runs out part-way.
        await writeFile(join(small, 'filler'), Buffer.alloc(150 * 1024));
        const out = join(small, 'x.har');
        const r = await runCliInProcess(
          browserArgs({ out, guide, db }, '--autopilot', 'sandbox', '--forget-key'),
          { env },
        );
        expect(r.code, r.stderr).toBe(3);
        expect(r.stdout).toContain('capture.disk_full');
        expect(r.stderr).toContain(`${out}.partial`);
        const reader = await readHar(`${out}.partial`);
        let n = 0;
        for await (const _ of reader.entries()) n += 1;
        expect(reader.stats.truncated).toBe(true);
        expect(n).toBeGreaterThan(0);
      } finally {
        execFileSync('umount', ['-l', small]);
      }
    },
  );
});

describe('ledgertap capture ca and proxy (CLI)', () => {
  it('creates the CA on first use under LEDGERTAP_CONFIG_DIR and prints install steps', async () => {
    const dir = await tempDir();
    const env = { LEDGERTAP_CONFIG_DIR: join(dir, 'cfg') };
    const r = await runCliInProcess(['capture', 'ca'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(join(dir, 'cfg', 'ca', 'ca.pem'));
    expect(r.stdout).toContain('Android');
    expect(r.stdout).toContain('iOS');
    expect((await stat(join(dir, 'cfg', 'ca', 'ca.key'))).mode & 0o777).toBe(0o600);
  });

  it('proxy: a port in use fails with exit 3 and leaves no empty capture or key behind', async () => {
    const dir = await tempDir();
    const db = await ledgerWithConsent(dir);
    const blocker = createServer();
    blocker.listen(0);
    await once(blocker, 'listening');
    try {
      const port = (blocker.address() as AddressInfo).port;
      const out = join(dir, 'app.har');
      const r = await runCliInProcess(proxyArgs(String(port), out, ...consentFlags(db)), {
        env: { LEDGERTAP_CONFIG_DIR: join(dir, 'cfg') },
      });
      expect(r.code).toBe(3);
      expect(r.stdout).toContain('capture.port_in_use');
      expect(r.stderr).toContain(`port ${port} is already in use`);
      expect(r.stderr).not.toContain('The HAR so far');
      for (const left of [out, `${out}.key`, `${out}.unswept`]) expect(existsSync(left), left).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('proxy: Ctrl-C ends the capture cleanly with a valid HAR', async () => {
    const dir = await tempDir();
    const db = await ledgerWithConsent(dir);
    const out = join(dir, 'app.har');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const r = await runCliInProcess(proxyArgs('0', out, ...consentFlags(db)), {
      env: { LEDGERTAP_CONFIG_DIR: join(dir, 'cfg') },
      signal: controller.signal,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('proxy listening on 127.0.0.1 port');
    expect(r.stderr).toContain('allowed clients: 127.0.0.0/8, ::1/128 (this machine only');
    expect(r.stderr).not.toContain('set the Wi-Fi proxy');
    expect((await validateHar(out)).valid).toBe(true);
  });

  it.each([
    [['--allow-client', 'my-phone'], 'usage.bad_allow_client', 'my-phone'],
    [['--allow-client', '192.168.1.0/40'], 'usage.bad_allow_client', '192.168.1.0/40'],
    [['--host', 'laptop.lan'], 'usage.bad_host', 'laptop.lan'],
  ])('proxy: %j is a usage error naming the value', async (flags, code, value) => {
    const dir = await tempDir();
    const r = await runCliInProcess(proxyArgs('0', join(dir, 'x.har'), ...flags), {
      env: { LEDGERTAP_CONFIG_DIR: join(dir, 'cfg') },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(code);
    expect(r.stdout).toContain(value);
  });

  it('proxy: --allow-client lets only the listed clients in; others are refused and reported on stderr', async () => {
    const dir = await tempDir();
    const db = await ledgerWithConsent(dir);
    const out = join(dir, 'app.har');
    const free = createServer();
    free.listen(0, '127.0.0.1');
    await once(free, 'listening');
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const controller = new AbortController();
    const run = runCliInProcess(
      proxyArgs(
        String(port),
        out,
        '--host',
        '127.0.0.1',
        '--allow-client',
        '127.0.0.1/32',
        '--lan',
        ...consentFlags(db),
      ),
      { env: { LEDGERTAP_CONFIG_DIR: join(dir, 'cfg') }, signal: controller.signal },
    );
    /** A plain-HTTP proxy request for the test site from `localAddress`; retried until the proxy listens. */
    const ask = async (localAddress: string): Promise<{ received: string; error?: string }> => {
      for (let attempt = 0; ; attempt++) {
        const result = await new Promise<{ received: string; error?: string }>((resolve) => {
          const socket = netConnect({ host: '127.0.0.1', port, localAddress });
          let received = '';
          socket.setEncoding('utf8');
          socket.on('data', (d: string) => (received += d));
          socket.on('connect', () =>
            socket.write(
              `GET ${site.url}/ HTTP/1.1\r\nHost: ${new URL(site.url).host}\r\nConnection: close\r\n\r\n`,
            ),
          );
          socket.on('error', (e: NodeJS.ErrnoException) => resolve({ received, error: e.code ?? 'error' }));
          socket.on('close', () => resolve({ received }));
        });
        if (result.error !== 'ECONNREFUSED' || attempt > 100) return result;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      const allowed = await ask('127.0.0.1');
      expect(allowed.received).toMatch(/^HTTP\/1\.1 200/);
      const before = site.requests.length;
      const refused = await ask('127.0.0.2');
      expect(refused.received).toBe('');
      expect(refused.error).not.toBe('ECONNREFUSED');
      expect(site.requests.length).toBe(before);
    } finally {
      controller.abort();
    }
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'allowed clients: 127.0.0.1/32, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, fc00::/7, fe80::/10;',
    );
    expect(r.stderr).toContain(`set the Wi-Fi proxy to 127.0.0.1:${port}`);
    expect(r.stderr).toContain('refused a connection from 127.0.0.2');
    expect(r.stderr.match(/refused a connection/g)).toHaveLength(1);
    expect((await validateHar(out)).valid).toBe(true);
  });
});
