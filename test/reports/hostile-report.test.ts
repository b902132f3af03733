/**
 * The protocol report of a capture that holds markup: a cookie name with a backtick, a pipe and `<b>`, a
 * path with `<script>` and `[x](javascript:…)`, a query parameter whose name holds a line break. The
 * Markdown keeps every table row's cells, shows all of it as text (no raw HTML, no link), and the HTML
 * page escapes it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { code, renderHtml, renderMarkdown, type ReportDocument } from '../../reports/index.js';
import { entry, har } from '../analyzers/build.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { cells } from './gfm.js';

const tempDir = useTempDirs();

/** The Markdown with code spans (CommonMark: a run of n backticks to the next run of n) and escapes removed. */
function outsideCode(md: string): string {
  return md
    .replace(/\\./g, '')
    .replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, '')
    .replace(/^```[\s\S]*?^```/gm, '');
}

/** Every table in the Markdown: each row has as many cells as its header. */
function expectTablesIntact(md: string): void {
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\|(---\|)+$/.test(lines[i + 1] ?? '')) continue;
    const width = cells(lines[i] as string);
    for (let j = i + 2; j < lines.length && lines[j]?.startsWith('|'); j++)
      expect(cells(lines[j] as string), lines[j]).toBe(width);
  }
}

const API = 'https://api.example.test';
const COOKIE = 'se`s|s<b>';
const capture = har([
  entry({
    method: 'POST',
    url: `${API}/login`,
    requestBody: { user: 'u', password: 'p' },
    response: { ok: true },
    responseHeaders: [['Set-Cookie', `${COOKIE}=abc123456789abcdef; Path=/`]],
  }),
  entry({ url: `${API}/me`, requestCookies: { [COOKIE]: 'abc123456789abcdef' }, response: { me: 1 } }),
  entry({
    url: `${API}/x%7Cy%60z%3Cscript%3Ealert(1)%3C%2Fscript%3E/%5Bx%5D(javascript:alert(1))?a%0Ab%7C=1`,
    response: { ok: 1 },
  }),
]);

describe('ledgertap report on a capture that holds markup', () => {
  it('writes Markdown whose tables keep their cells and that shows the markup as text, and HTML that escapes it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'h.har'), JSON.stringify(capture));
    const a = await runCliInProcess(['analyze', 'h.har', '--out', 'model.json'], { cwd: dir });
    expect(a.stderr).not.toMatch(/error/i);
    expect(a.code).toBe(0);
    for (const out of ['report.md', 'report.html']) {
      const r = await runCliInProcess(['report', '--model', 'model.json', '--out', out], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
    }
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expectTablesIntact(md);
    // The cookie name is one code span holding exactly the name (the pipe escaped for the table).
    expect(md).toContain('| ``se`s\\|s<b>`` | cookie |');
    const text = outsideCode(md);
    expect(text).not.toContain('<');
    expect(text).not.toContain('](');
    expect(text).not.toContain('`');
    // The Mermaid diagram: one line per message; the name cannot start a new statement or tag.
    const diagram = /```mermaid\n([\s\S]*?)\n```/.exec(md)?.[1] ?? '';
    expect(diagram).toContain('issues se#96;s|s#60;b#62;');
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<b>|href|javascript:alert\(1\)"/i);
    expect(html).toContain('<code>se`s|s&lt;b&gt;</code>');
    expect(html).toContain('x|y`z&lt;script&gt;alert(1)&lt;%2Fscript&gt;/[x](javascript:alert(1))');
  });
});

describe('renderMarkdown', () => {
  const doc: ReportDocument = {
    title: '# <img src=x onerror=alert(1)>',
    blocks: [
      { type: 'paragraph', text: 'line one\n\n<script>alert(1)</script>\r[x](javascript:alert(1))' },
      {
        type: 'list',
        items: ['[ref]: javascript:alert(1)', '> quoted *bold* _em_ ~~gone~~ a\\|b', '[x] done'],
      },
      {
        type: 'table',
        columns: ['id', 'value'],
        rows: [
          [code('a`b'), 'x|y'],
          [code('`'), 'p\\|q'],
          [code('c\\|d'), '&lt;b&gt; & [x][y] ![i](u)'],
          [code('line\nbreak|'), 'a\r\nb\rc'],
        ],
      },
      { type: 'code', language: 'mermaid', text: 'a\n```\n<script>' },
      { type: 'heading', level: 2, text: 'channel #' },
    ],
  };

  it('escapes captured text so it renders as itself: no raw HTML, links, emphasis or extra rows and cells', () => {
    const md = renderMarkdown(doc);
    expect(md.split('\n').slice(0, 2)).toEqual(['# \\# &lt;img src=x onerror=alert(1)>', '']);
    expect(md).toContain('line one  &lt;script>alert(1)&lt;/script> [x\\](javascript:alert(1))\n');
    expect(md).toContain('- \\[ref\\]: javascript:alert(1)\n');
    // Not a task-list checkbox.
    expect(md).toContain('- \\[x] done\n');
    expect(md).toContain('- \\> quoted \\*bold\\* \\_em\\_ \\~\\~gone\\~\\~ a\\\\\\|b\n');
    expect(md).toContain('| ``a`b`` | x\\|y |');
    expect(md).toContain('| `` ` `` | p\\\\\\|q |');
    expect(md).toContain('| c\\\\\\|d | &amp;lt;b&amp;gt; & [x\\][y] ![i\\](u) |');
    expect(md).toContain('| `line break\\|` | a b c |');
    expect(md).toContain('````mermaid\na\n```\n<script>\n````');
    // A trailing # would be read as the heading's closing sequence and dropped.
    expect(md).toContain('\n### channel \\#\n');
    expectTablesIntact(md);
  });

  it('renders the same code spans and text in HTML, escaped', () => {
    const html = renderHtml(doc);
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('<td><code>a`b</code></td><td>x|y</td>');
    expect(html).toContain('<td><code>`</code></td>');
    expect(html).toContain('<td><code>line break|</code></td><td>a b c</td>');
    // Were anything to get through, the page's policy allows no script and no request.
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
    );
  });

  it('code() wraps any text in a span that holds exactly it', () => {
    expect(code('get_x')).toBe('`get_x`');
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x')).toBe('`` `x ``');
    expect(code(' x ')).toBe('`  x  `');
    expect(code('')).toBe('');
  });
});
