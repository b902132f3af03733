/**
 * Hostile input finishes with a model and warnings in bounded time and memory. These are the small
 * versions; bench/analyze.ts --hostile runs the full sizes (200 MB body, …).
 */
import { describe, expect, it } from 'vitest';
import { analyzeLogs, createAnalysisSession } from '../../analyzers/index.js';
import type { HarEntry } from '../../har/index.js';
import { entry, har } from './build.js';

describe('hostile input', () => {
  it('a body over the cap is skipped with a warning, not parsed', () => {
    const big = JSON.stringify({ data: 'x'.repeat(5_000_000) });
    const r = analyzeLogs(
      [har([entry({ url: 'https://api.example.test/v1/dump', responseText: big })]).log],
      { maxBodyChars: 1_000_000 },
    );
    expect(r.operations).toHaveLength(1);
    expect(r.warnings.map((w) => w.code)).toContain('body.too-large');
    expect(r.warnings[0]?.evidence?.[0]).toMatchObject({ entry: 0, pointer: '/response/content/text' });
  });

  it('100 000 distinct paths stay bounded: siblings past the cap fold into a parameter', () => {
    const session = createAnalysisSession({ maxLiteralChildren: 400 });
    session.beginCapture();
    for (let i = 0; i < 100_000; i++) {
      session.observe(entry({ url: `https://api.example.test/wiki/page-${i.toString(36)}-x/history` }), i);
    }
    const r = session.finish();
    expect(r.operations.length).toBeLessThan(500);
    expect(r.operations.reduce((s, o) => s + o.samples, 0)).toBe(100_000);
    expect(r.warnings.map((w) => w.code)).toContain('paths.overflow');
  });

  it('10 000-level nested JSON gives a schema cut at the depth cap', () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const r = analyzeLogs([
      har([entry({ url: 'https://api.example.test/v1/deep', responseText: deep })]).log,
    ]);
    expect(JSON.stringify(r.operations[0]?.responses[0]?.bodies[0]?.schema)).toContain('depth cap');
    expect(r.warnings.map((w) => w.code)).toContain('body.depth_cap');
  });

  it('invalid JSON, a truncated body and a relative URL each become a warning', () => {
    const bad = entry({ url: 'https://api.example.test/v1/x', responseText: '{"a": ' });
    const cut: HarEntry = {
      ...entry({ url: 'https://api.example.test/v1/y', responseText: '{"a": [1, 2' }),
      _truncated: true,
    };
    const relative = entry({ url: 'https://api.example.test/v1/z' });
    relative.request.url = '/v1/z';
    const r = analyzeLogs([har([bad, cut, relative]).log]);
    expect(r.warnings.map((w) => w.code).sort()).toEqual([
      'body.invalid-json',
      'body.truncated',
      'entry.bad_url',
    ]);
    expect(r.operations).toHaveLength(2);
  });

  it('a body with U+FFFD from invalid UTF-8 and a base64 body are analyzed', () => {
    const r = analyzeLogs([
      har([
        entry({ url: 'https://api.example.test/v1/name', responseText: '{"name":"caf\uFFFD"}' }),
        {
          ...entry({ url: 'https://api.example.test/v1/b64' }),
          response: {
            ...entry({ url: 'https://x.example.test/' }).response,
            content: {
              size: 8,
              mimeType: 'application/json',
              encoding: 'base64',
              text: Buffer.from('{"ok":true}').toString('base64'),
            },
          },
        },
      ]).log,
    ]);
    expect(
      r.operations.find((o) => o.pathTemplate === '/v1/b64')?.responses[0]?.bodies[0]?.schema,
    ).toMatchObject({ properties: { ok: { type: 'boolean' } } });
    expect(
      r.operations.find((o) => o.pathTemplate === '/v1/name')?.responses[0]?.bodies[0]?.schema,
    ).toMatchObject({ properties: { name: { type: 'string' } } });
  });

  it('entries missing most fields do not throw', () => {
    const r = analyzeLogs([
      {
        entries: [
          { request: { url: 'https://api.example.test/v1/a' } } as unknown as HarEntry,
          {} as HarEntry,
        ],
      },
    ]);
    expect(r.operations).toHaveLength(1);
    expect(r.warnings.length).toBeGreaterThan(0);
  });
});
