import { describe, expect, it } from 'vitest';
import { analyzeEntries, analyzers, createAnalysisSession } from '../../analyzers/index.js';
import type { HarEntry } from '../../har/index.js';
import { fixture } from './fixtures.js';

describe('analysis session', () => {
  it('the registry lists each analyzer once, endpoints first', () => {
    const names = analyzers.map((a) => a.name);
    expect(names[0]).toBe('endpoints');
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['auth', 'pagination', 'noise']));
  });

  it('analyzes an async stream of entries like an array', async () => {
    const entries = fixture('pagination').log.entries;
    async function* stream(): AsyncIterable<HarEntry> {
      for (const e of entries) yield e;
    }
    const fromStream = await analyzeEntries(stream());
    const fromArray = await analyzeEntries(entries);
    expect(fromStream).toEqual(fromArray);
    expect(fromStream.pagination.length).toBeGreaterThan(0);
  });

  it('is deterministic: the same input gives the same result', async () => {
    const entries = fixture('auth-session').log.entries;
    expect(await analyzeEntries(entries)).toEqual(await analyzeEntries(entries));
  });

  it('takes relations that a log carries after its entries at endCapture', () => {
    const log = fixture('auth-derived').log;
    const session = createAnalysisSession();
    session.beginCapture({});
    log.entries.forEach((e, i) => session.observe(e, i));
    session.endCapture(log);
    const r = session.finish();
    expect(r.auth.credentials.find((c) => c.id === 'header:csrftoken')?.derivedFrom?.linkedBy).toBe(
      'relation',
    );
  });

  it('evidence names the capture of each entry when several are analyzed together', () => {
    const session = createAnalysisSession();
    for (const name of ['templates', 'auth-session']) {
      const log = fixture(name).log;
      session.beginCapture(log);
      log.entries.forEach((e, i) => session.observe(e, i));
    }
    const r = session.finish();
    expect(r.stats.captures).toBe(2);
    expect(r.auth.credentials.find((c) => c.id === 'cookie:sid')?.evidence[0]?.capture).toBe(1);
    expect(r.operations.find((o) => o.pathTemplate === '/v1/users/{userId}')?.evidence[0]?.capture).toBe(0);
  });
});
