/**
 * The drift report when what the live server answered holds markup: a renamed field, an error and a
 * login refusal with `|`, backticks, `<script>`, `[x](javascript:…)` and line breaks stay text in
 * Markdown (every table row keeps its cells) and are escaped in HTML.
 */
import { describe, expect, it } from 'vitest';
import type { ReplayRun } from '../../replay/index.js';
import { driftReport, renderHtml, renderMarkdown } from '../../reports/index.js';
import { cells } from './gfm.js';

const EVIL = 'a|b`c<script>alert(1)</script>\n[x](javascript:alert(1))';

const run: ReplayRun = {
  startedAt: 0,
  finishedAt: 1,
  results: [
    {
      kind: 'drift',
      operationId: 'get_x`y',
      method: 'GET',
      url: 'https://api.example.test/x',
      status: 200,
      durationMs: 5,
      pages: 1,
      items: 1,
      drifts: [
        {
          kind: 'field_renamed',
          pointer: `/data/${EVIL}`,
          expected: 'price',
          actual: EVIL,
          summary: `renamed to ${EVIL}`,
        },
      ],
    },
    {
      kind: 'failed',
      operationId: 'get_z',
      method: 'GET',
      url: `https://api.example.test/${EVIL}`,
      error: EVIL,
    },
    {
      kind: 'skipped',
      operationId: 'post_w',
      method: 'POST',
      url: 'https://api.example.test/w',
      reason: EVIL,
    },
  ],
  summary: { ok: 0, drift: 1, skipped: 1, failed: 1 },
  session: {
    loggedIn: false,
    refreshed: 0,
    cookies: 0,
    givenCookies: 0,
    login: { outcome: 'refused', status: 401, reason: EVIL, attempts: 1 },
  },
  warnings: [EVIL],
  retries: 0,
};

describe('drift report with hostile server answers', () => {
  it('Markdown: rows keep their cells; no raw HTML, link or stray code span', () => {
    const md = renderMarkdown(driftReport(run));
    const lines = md.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^\|(---\|)+$/.test(lines[i + 1] ?? '')) continue;
      const width = cells(lines[i] as string);
      for (let j = i + 2; lines[j]?.startsWith('|'); j++)
        expect(cells(lines[j] as string), lines[j]).toBe(width);
    }
    const text = md.replace(/\\./g, '').replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, '');
    expect(text).not.toContain('<');
    expect(text).not.toContain('](');
    expect(text).not.toContain('`');
    expect(md).toContain('| ``get_x`y`` | field_renamed |');
    // The warning is one list item on one line.
    expect(md).toContain('- a\\|b\\`c&lt;script>alert(1)&lt;/script> [x\\](javascript:alert(1))\n');
  });

  it('HTML: everything escaped', () => {
    const html = renderHtml(driftReport(run));
    expect(html).not.toMatch(/<script|href/);
    expect(html).toContain('<code>get_x`y</code>');
  });
});
