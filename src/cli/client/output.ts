/** How a command prints: the API's JSON alone on stdout with --json, else a table for people. */
export interface Output {
  json: boolean;
  /** Prints the object (JSON mode) or the rows as a table. */
  print(value: unknown, rows?: Array<Record<string, unknown>>, columns?: string[]): void;
  /** Notices, prompts and progress: always stderr, so stdout stays the result. */
  note(message: string): void;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}

export function output(json: boolean): Output {
  return {
    json,
    print(value, rows, columns) {
      if (json || !rows || !columns) {
        process.stdout.write(JSON.stringify(value, null, json ? 2 : 2) + '\n');
        return;
      }
      process.stdout.write(rows.length === 0 ? '(none)\n' : table(rows, columns) + '\n');
    },
    note(message) {
      process.stderr.write(message + '\n');
    },
  };
}
