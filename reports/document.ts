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

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderMarkdown(doc: ReportDocument): string {
  const out: string[] = [`# ${doc.title}`, ''];
  for (const block of doc.blocks) {
    switch (block.type) {
      case 'heading':
        out.push(`${'#'.repeat(block.level + 1)} ${block.text}`, '');
        break;
      case 'paragraph':
        out.push(block.text, '');
        break;
      case 'list':
        out.push(...block.items.map((i) => `- ${i}`), '');
        break;
      case 'table':
        if (block.rows.length === 0) break;
        out.push(
          `| ${block.columns.map(mdCell).join(' | ')} |`,
          `|${block.columns.map(() => '---').join('|')}|`,
        );
        out.push(...block.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`), '');
        break;
      case 'code':
        out.push(`\`\`\`${block.language}`, block.text, '```', '');
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

/** Inline `code` spans of the Markdown text become <code> in HTML (everything else is escaped). */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;margin:1rem 0;width:100%}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem;border-radius:3px}pre{background:#f6f8fa;padding:1rem;overflow:auto}`;

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
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(doc.title)}</title><style>${STYLE}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}

/** Markdown or HTML by the file extension. */
export function renderFor(path: string, doc: ReportDocument): string {
  return /\.html?$/i.test(path) ? renderHtml(doc) : renderMarkdown(doc);
}
