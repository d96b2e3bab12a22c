import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Row {
  scenario: string;
  metric: string;
  value: string;
  target?: string;
  /** Undefined where there is no target. */
  met?: boolean;
}

/** A plain-text table for the terminal; the same rows make the README's Markdown table. */
export function formatTable(rows: Row[]): string {
  const cells = rows.map((row) => [row.scenario, row.metric, row.value, row.target ?? '', row.met === undefined ? '' : row.met ? 'met' : 'MISSED']);
  const header = ['scenario', 'metric', 'value', 'target', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column]!.length)));
  const line = (cell: string[]) =>
    cell
      .map((text, column) => text.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const lines = ['| Scenario | Metric | Value | Target |', '| --- | --- | ---: | --- |'];
  for (const row of rows) lines.push(`| ${row.scenario} | ${row.metric} | ${row.value} | ${row.target ? `${row.target} ${row.met ? '✓' : '✗'}` : ''} |`);
  return lines.join('\n');
}

export async function writeResults(results: object, markdown: string): Promise<string> {
  const dir = path.resolve('tests/bench/results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'latest.json');
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(dir, 'latest.md'), `${markdown}\n`);
  return file;
}
