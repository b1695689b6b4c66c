/** Alignment of a Markdown table column. */
export type ColumnAlign = 'left' | 'right';

/**
 * A GitHub-flavoured Markdown table: `| a | b |`, a separator row (`---`, or `---:` for a
 * right-aligned column), then one line per row; `|` in a cell is escaped, HTML markup is shown as
 * text (`&`, `<`, `>` as entities: cells hold data, never markup) and line breaks become spaces.
 * No trailing newline.
 */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly ColumnAlign[] = []): string {
  const line = (cells: readonly string[]) => `|${cells.map((c) => (c === '' ? ' ' : ` ${escapeCell(c)} `)).join('|')}|`;
  return [line(headers), line(headers.map((_, i) => (align[i] === 'right' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

const escapeCell = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
