/** Markdown checks shared by the report tests. */

/** The cells of a GFM table row, counted as GFM splits them (a backslash escapes the next character). */
export function cells(row: string): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\') i++;
    else if (row[i] === '|') n++;
  }
  return n - 1;
}
