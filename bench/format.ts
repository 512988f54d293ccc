/** Tables on stdout and the number formats every part of the bench prints with. */

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Text columns align left, figures right, as a reader scans them.
  const numeric = headers.map((_, i) => rows.every((r) => /^<?[\d.,%\s-]+$|^n\/a$/.test(r[i]!)));
  const line = (cells: string[]) => ('  ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')).trimEnd();
  console.log(line(headers));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
}

export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const num = (n: number, digits: number) => n.toFixed(digits);
export const count = (n: number) => n.toLocaleString('en-US');
/** autocannon truncates latency to whole milliseconds, so 0 means under one. */
export const ms = (n: number) => (n === 0 ? '<1' : n.toFixed(0));
export const pct = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : `${n.toFixed(0)}%`);

/** The aims table every part ends with. */
export function printAims(aims: { figure: string; measured: number; aim: string; met: boolean }[]): void {
  if (aims.length === 0) return;
  console.log('Aims');
  printTable(
    ['figure', 'measured', 'aim', 'verdict'],
    aims.map((a) => [a.figure, a.measured >= 1000 ? int(a.measured) : num(a.measured, 3), a.aim, a.met ? 'met' : 'MISSED']),
  );
}
