/**
 * `--web-faults`: the web app fails the way real front ends do, on the requests the spec names, and every
 * web request is counted under `web` in /__sandbox/stats.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseSandboxWebFaults, startSandbox } from '../../../sandbox/index.js';
import { runCliInProcess } from '../../helpers/cli.js';

/** A raw GET that reports a dropped or short response instead of throwing. */
function rawGet(url: string): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ status: res.statusCode, body, error: e.message }));
      res.on('aborted', () => resolve({ status: res.statusCode, body, error: 'aborted' }));
    });
    req.on('error', (e) => resolve({ body: '', error: e.message }));
    req.end();
  });
}

describe('sandbox web faults', () => {
  it('answers the named requests with 502, a reset, a rate limit, a truncated body, then serves normally', async () => {
    const sandbox = await startSandbox({
      seed: 5,
      profile: 'tiny',
      asOf: Date.UTC(2026, 10, 1),
      webFaults: '502@request=1,reset@request=2,429@request=3,truncate@request=4',
    });
    try {
      const page = `${sandbox.webUrl}/login`;
      const first = await rawGet(page);
      expect(first.status).toBe(502);
      expect(first.body).toContain('Bad Gateway');
      const second = await rawGet(page);
      expect(second.status).toBeUndefined();
      expect(second.error).toBeDefined();
      const third = await rawGet(page);
      expect(third.status).toBe(429);
      expect(JSON.parse(third.body)).toMatchObject({ success: false, code: '100001003' });
      const fourth = await rawGet(page);
      expect(fourth.error).toBeDefined();
      const whole = await rawGet(page);
      expect(whole.status).toBe(200);
      expect(fourth.body.length).toBeLessThan(whole.body.length);
      const stats = (await (await fetch(`${sandbox.adminUrl}/stats`)).json()) as {
        requests: number;
        web: { requests: number; byEndpoint: Record<string, number>; faultsInjected: Record<string, number> };
      };
      expect(stats.web.requests).toBe(5);
      expect(stats.web.byEndpoint['GET /login']).toBe(5);
      expect(stats.web.faultsInjected).toEqual({ '502': 1, reset: 1, '429': 1, truncate: 1 });
      // Web requests carry no API weight: the API's own counters stay untouched.
      expect(stats.requests).toBe(0);
    } finally {
      await sandbox.close();
    }
  });

  it('refuses 418 for the web app, naming the flag', async () => {
    expect(() => parseSandboxWebFaults('418@request=1')).toThrow(/--web-faults: 418/);
    const r = await runCliInProcess(['sandbox', '--web-faults', '418:0.5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--web-faults: 418 is an API ban/);
  });
});
