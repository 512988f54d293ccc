/** How a command prints: the API's JSON alone on stdout with --json, else a table for people. */
export interface Output {
  json: boolean;
  /** Prints the object (JSON mode) or the rows as a table. */
  print(value: unknown, rows?: Array<Record<string, unknown>>, columns?: string[]): void;
  /** Notices, prompts and progress: always stderr, so stdout stays the result. */
  note(message: string): void;
}

/** A column of Unix seconds: `created_at`, `expires_at`, `last_used_at`, ..., `created`, `start_time`. */
const isTimeColumn = (column: string) => /(_at|_time)$/.test(column) || column === 'created' || column === 'start';

/** Unix seconds as ISO 8601 in UTC, to the second: `2026-12-01T13:46:05Z`. */
export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One value as people read it: times as ISO dates, lists joined, `{type, id}` as `type:id`. */
export function cell(value: unknown, column = ''): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' && isTimeColumn(column)) return formatTime(value);
  if (Array.isArray(value)) return value.map((item) => cell(item)).join(', ');
  if (typeof value === 'object') return compactObject(value as Record<string, unknown>);
  return String(value);
}

function compactObject(object: Record<string, unknown>): string {
  if (typeof object.type === 'string' && typeof object.id === 'string') return `${object.type}:${object.id}`;
  // Small objects such as an endpoint's scaling: `min_replicas=1 max_replicas=3`.
  return Object.entries(object)
    .map(([key, value]) => `${key}=${value !== null && typeof value === 'object' ? JSON.stringify(value) : cell(value, key)}`)
    .join(' ');
}

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const text = rows.map((r) => columns.map((c) => cell(r[c], c)));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((values) => values[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...text.map(line)].join('\n');
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
