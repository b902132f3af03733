/**
 * Reports (`report --out`, `replay --report`) are Markdown or HTML, chosen by the file's extension. Any
 * other name is refused before the work: `report.pdf` used to get Markdown under a name that promised
 * something else, found out only when the file would not open.
 */
import { basename, extname } from 'node:path';
import { UsageError } from '../core/index.js';

export function assertReportPath(path: string, flag: string): void {
  if (/\.(md|markdown|html?)$/i.test(path)) return;
  const ext = extname(path);
  const stem = basename(path, ext) || 'report';
  throw new UsageError(
    'bad_report_name',
    `${flag} ${path}: a report is Markdown (.md) or HTML (.html), chosen by the extension; ${
      ext ? `${ext} is neither` : 'this name has none'
    }.`,
    { hint: `Name it ${stem}.md or ${stem}.html.` },
  );
}
