/**
 * A report is a small document (headings, paragraphs, tables, lists, diagrams) rendered to Markdown or
 * to a self-contained HTML page. Reports build documents from findings; they never re-derive them
 * (DESIGN.md section 2).
 */
export type Block =
  | { type: 'heading'; level: 1 | 2 | 3; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'list'; items: string[] }
  | { type: 'table'; columns: string[]; rows: string[][] }
  | { type: 'code'; language: string; text: string };

export interface ReportDocument {
  title: string;
  blocks: Block[];
}

/** The longest run of backticks in the text (0 when none). */
function longestTicks(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
}

/**
 * A code span holding exactly the text, whatever it holds (an id, a header or cookie name, a message
 * kind): a fence longer than any run of backticks in it, padded with a space when it starts or ends with
 * a backtick or a space (CommonMark 6.1). Report builders wrap captured names with this, never with
 * bare backticks.
 */
export function code(text: string): string {
  const t = oneLine(text);
  if (t === '') return '';
  const fence = '`'.repeat(longestTicks(t) + 1);
  const pad = /^[` ]|[` ]$/.test(t) && t.trim() !== '' ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

type Segment = { code: boolean; text: string };

/**
 * The plain and code parts of a block's text, read as CommonMark reads code spans: a run of n backticks
 * opens one that the next run of exactly n closes; a run that nothing closes is plain text.
 */
function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '`') {
      plain += text[i];
      i++;
      continue;
    }
    let n = 0;
    while (text[i + n] === '`') n++;
    const closing = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, 'g');
    closing.lastIndex = i + n;
    const m = closing.exec(text);
    if (!m) {
      plain += '`'.repeat(n);
      i += n;
      continue;
    }
    if (plain) out.push({ code: false, text: plain });
    plain = '';
    let body = oneLine(text.slice(i + n, m.index));
    if (/^ .* $/.test(body) && body.trim() !== '') body = body.slice(1, -1);
    out.push({ code: true, text: body });
    i = m.index + n;
  }
  if (plain) out.push({ code: false, text: plain });
  return out;
}

/** One line: line breaks (CR, LF, CRLF, and the Unicode and form-feed ones) become spaces. */
function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029\v\f]/g, ' ');
}

const WORD = /[\p{L}\p{N}]/u;

/**
 * Plain text as CommonMark/GFM that renders as exactly that text: backslashes, backticks, emphasis and
 * strikethrough marks and pipes escaped, `<` (raw HTML, autolinks) and entity references written as
 * entities, and a `]` that could close a link, an image or a reference definition (`](`, `][`, `]:`)
 * escaped: what a capture held (`<script>`, `[x](javascript:…)`) stays text.
 */
function mdPlain(text: string): string {
  const s = oneLine(text);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const next = s[i + 1] ?? '';
    if (c === '\\' || c === '`' || c === '*' || c === '~' || c === '|') out += `\\${c}`;
    else if (c === '_') out += WORD.test(s[i - 1] ?? '') && WORD.test(next) ? '_' : '\\_';
    else if (c === '<') out += '&lt;';
    else if (c === '&') out += /^&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i.test(s.slice(i)) ? '&amp;' : '&';
    else if (c === ']') out += next === '(' || next === '[' || next === ':' ? '\\]' : ']';
    else out += c;
  }
  return out;
}

/**
 * A code span in Markdown. In a table a pipe is written `\|` (GFM splits cells before it reads spans);
 * a backslash right before a pipe cannot be said inside a span there, so that text is written as plain.
 */
function mdCode(text: string, inTable: boolean): string {
  if (!inTable) return code(text);
  if (text.includes('\\|')) return mdPlain(text);
  return code(text).replace(/\|/g, '\\|');
}

/** A block's text as Markdown inline content on one line. */
function mdInline(text: string, inTable = false): string {
  return segments(text)
    .map((s) => (s.code ? mdCode(s.text, inTable) : mdPlain(s.text)))
    .join('');
}

/**
 * The text of a title, heading, paragraph or list item: a leading block marker is escaped too (a `[`
 * would make a list item starting `[ ]` or `[x]` a task-list checkbox).
 */
function mdBlockText(text: string): string {
  const s = mdInline(text).replace(/^\s+/, '');
  if (/^[#>+\-=[]/.test(s)) return `\\${s}`;
  return s.replace(/^(\d{1,9})([.)])/, '$1\\$2');
}

/** A fenced code block the text cannot close: a fence longer than any run of backticks in it. */
function mdFence(language: string, text: string): string[] {
  const fence = '`'.repeat(Math.max(3, longestTicks(text) + 1));
  return [`${fence}${language.replace(/[^A-Za-z0-9_+-]/g, '')}`, text, fence];
}

/** A heading's text: a `#` at its end would be read as a closing sequence and dropped, so it is escaped. */
function mdHeadingText(text: string): string {
  return mdBlockText(text).replace(/(^|[^\\])#$/, '$1\\#');
}

export function renderMarkdown(doc: ReportDocument): string {
  const out: string[] = [`# ${mdHeadingText(doc.title)}`, ''];
  for (const block of doc.blocks) {
    switch (block.type) {
      case 'heading':
        out.push(`${'#'.repeat(block.level + 1)} ${mdHeadingText(block.text)}`, '');
        break;
      case 'paragraph':
        out.push(mdBlockText(block.text), '');
        break;
      case 'list':
        out.push(...block.items.map((i) => `- ${mdBlockText(i)}`), '');
        break;
      case 'table': {
        if (block.rows.length === 0) break;
        const cell = (c: string): string => mdInline(c, true);
        out.push(
          `| ${block.columns.map(cell).join(' | ')} |`,
          `|${block.columns.map(() => '---').join('|')}|`,
        );
        out.push(...block.rows.map((r) => `| ${r.map(cell).join(' | ')} |`), '');
        break;
      }
      case 'code':
        out.push(...mdFence(block.language, block.text), '');
        break;
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A block's text as HTML: its code spans become <code>, and everything is escaped. */
function inline(text: string): string {
  return segments(text)
    .map((s) => (s.code ? `<code>${escapeHtml(s.text)}</code>` : escapeHtml(oneLine(s.text))))
    .join('');
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;margin:1rem 0;width:100%}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem;border-radius:3px}pre{background:#f6f8fa;padding:1rem;overflow:auto}`;

/**
 * The page's Content-Security-Policy: its inline style and nothing else (no script, no image, font,
 * frame, form target or other request), so were any captured text ever to get through as markup, it
 * could neither run nor call out.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** A self-contained HTML page (no scripts, no external resources): safe to open and to mail. */
export function renderHtml(doc: ReportDocument): string {
  const body: string[] = [`<h1>${inline(doc.title)}</h1>`];
  for (const block of doc.blocks) {
    switch (block.type) {
      case 'heading':
        body.push(`<h${block.level + 1}>${inline(block.text)}</h${block.level + 1}>`);
        break;
      case 'paragraph':
        body.push(`<p>${inline(block.text)}</p>`);
        break;
      case 'list':
        body.push(`<ul>${block.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
        break;
      case 'table':
        if (block.rows.length === 0) break;
        body.push(
          `<table><thead><tr>${block.columns.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${block.rows
            .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
            .join('')}</tbody></table>`,
        );
        break;
      case 'code':
        body.push(`<pre class="${escapeHtml(block.language)}">${escapeHtml(block.text)}</pre>`);
        break;
    }
  }
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}"><title>${escapeHtml(doc.title)}</title><style>${STYLE}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}

/** Markdown or HTML by the file extension. */
export function renderFor(path: string, doc: ReportDocument): string {
  return /\.html?$/i.test(path) ? renderHtml(doc) : renderMarkdown(doc);
}
