// docs/configuration.md against the code: the keys of the configuration file (walked from its zod
// schema) and the environment variables the sources read. test/configuration-doc.test.ts fails when
// they differ; `npm run docs:config` adds the missing rows (type filled in, meaning to write) and drops
// the rows of what no longer exists, leaving every other line of the document as it is.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { configFileSchema, parseConfigFile } from '../src/config.ts';

export const ROOT = join(import.meta.dirname, '..');
export const DOC_PATH = join(ROOT, 'docs', 'configuration.md');
export const DOC_NAME = 'docs/configuration.md';
/** What a generated row says until a person writes it; the check refuses it. */
export const TO_WRITE = 'TODO';

export interface Section {
  name: 'environment' | 'config-file';
  /** What the first column holds, for messages. */
  what: string;
}
export const ENVIRONMENT: Section = { name: 'environment', what: 'environment variable' };
export const CONFIG_FILE: Section = { name: 'config-file', what: 'configuration file key' };

export const begin = (section: Section) => `<!-- BEGIN ${section.name} -->`;
export const end = (section: Section) => `<!-- END ${section.name} -->`;

// ---------------------------------------------------------------------------------------------------
// What the code has

export interface ConfigKey {
  /** `smtp.host`, `models[].id`: `[]` stands for every element of an array. */
  path: string;
  type: string;
}

type JsonSchema = {
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** Every key of the configuration file, parents before children, in the schema's order. */
export function configFileKeys(): ConfigKey[] {
  // zod's own JSON Schema export: a public, stable view of the schema to walk.
  const root = z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const resolve = (schema: JsonSchema): JsonSchema => {
    if (!schema.$ref) return schema;
    const name = schema.$ref.replace(/^#\/\$defs\//, '');
    return root.$defs?.[name] ?? {};
  };
  const keys: ConfigKey[] = [];
  const walk = (value: JsonSchema, prefix: string) => {
    const schema = resolve(value);
    for (const option of schema.anyOf ?? schema.oneOf ?? []) walk(option, prefix);
    if (schema.type === 'array' && schema.items) walk(schema.items, `${prefix}[]`);
    if (schema.type !== 'object') return;
    for (const [name, child] of Object.entries(schema.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      const required = prefix !== '' && (schema.required ?? []).includes(name);
      if (!keys.some((k) => k.path === path)) keys.push({ path, type: typeOf(resolve(child), resolve) + (required ? ', required' : '') });
      walk(child, path);
    }
    if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${prefix}.<name>`);
  };
  walk(root, '');
  return keys;
}

function typeOf(schema: JsonSchema, resolve: (s: JsonSchema) => JsonSchema): string {
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return options.map((o) => typeOf(resolve(o), resolve)).join(' or ');
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' or ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uri') return 'URL';
      if (schema.pattern) return `string matching \`${schema.pattern}\``;
      return (schema.minLength ?? 0) > 0 ? 'non-empty string' : 'string';
    case 'integer':
    case 'number': {
      const low = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (schema.type === 'integer' ? 1 : 0) : schema.minimum;
      const high = schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
      const range = low !== undefined && high !== undefined ? ` ${low}..${high}` : low !== undefined ? ` ≥ ${low}` : high !== undefined ? ` ≤ ${high}` : '';
      return `${schema.type}${range}`;
    }
    case 'array': {
      const items = resolve(schema.items ?? {});
      const element = items.type === 'object' ? 'objects' : items.type === 'string' ? 'strings' : `${typeOf(items, resolve)} values`;
      return `array of ${element}${schema.minItems ? `, at least ${schema.minItems}` : ''}`;
    }
    case undefined:
      return 'any';
    default:
      return Array.isArray(schema.type) ? schema.type.join(' or ') : schema.type;
  }
}

/** Every NAME the sources read as `env.NAME` or `process.env.NAME`, with the files that read it. */
export function environmentVariables(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const pattern = /\benv(?:\.([A-Z][A-Z0-9_]*)\b|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g;
  for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'bin'))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
      const name = (match[1] ?? match[2])!;
      const files = found.get(name) ?? [];
      const where = relative(ROOT, file);
      if (!files.includes(where)) files.push(where);
      found.set(name, files);
    }
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

// ---------------------------------------------------------------------------------------------------
// What the document says

export interface DocRow {
  /** The first cell without its backticks. */
  name: string;
  cells: string[];
  /** Index of the line in the document. */
  line: number;
}

const splitCells = (line: string) =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

/** The lines between a section's markers, or an error naming the missing marker. */
export function sectionBounds(lines: string[], section: Section): { from: number; to: number } {
  const from = lines.findIndex((l) => l.trim() === begin(section));
  const to = lines.findIndex((l) => l.trim() === end(section));
  if (from < 0 || to < from) throw new Error(`${DOC_NAME} has lost its markers ${begin(section)} ... ${end(section)}`);
  return { from, to };
}

/** The body rows of every table between the section's markers. */
export function documentedRows(text: string, section: Section): DocRow[] {
  const lines = text.split('\n');
  const { from, to } = sectionBounds(lines, section);
  const rows: DocRow[] = [];
  for (let i = from + 1; i < to; i++) {
    const line = lines[i]!;
    if (!line.trim().startsWith('|')) continue;
    const isSeparator = (l: string | undefined) => /^\|[\s:|-]+\|$/.test(l?.trim() ?? '');
    // A table's header is the row above its |---| line.
    if (isSeparator(line) || isSeparator(lines[i + 1])) continue;
    const cells = splitCells(line);
    rows.push({ name: cells[0]!.replace(/`/g, ''), cells, line: i });
  }
  return rows;
}

/** The JSON of the first ```json block after the heading "## An example file". */
export function exampleFile(text: string): unknown {
  const at = text.indexOf('## An example file');
  const block = /```json\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (at < 0 || !block) throw new Error(`${DOC_NAME} has lost its "## An example file" section with a \`\`\`json block`);
  return JSON.parse(block[1]!);
}

/** The key paths an example file uses, in the same `a.b[].c` form as configFileKeys. */
export function keysUsedBy(value: unknown, prefix = ''): Set<string> {
  const used = new Set<string>();
  const visit = (v: unknown, path: string) => {
    if (Array.isArray(v)) return v.forEach((item) => visit(item, `${path}[]`));
    if (v === null || typeof v !== 'object') return;
    for (const [name, child] of Object.entries(v)) {
      const key = path ? `${path}.${name}` : name;
      used.add(key);
      visit(child, key);
    }
  };
  visit(value, prefix);
  return used;
}

// ---------------------------------------------------------------------------------------------------
// The check

/** What docs/configuration.md gets wrong about the code, one sentence each; empty when it is right. */
export function configurationDocProblems(text: string): string[] {
  const problems: string[] = [];
  const where = (section: Section) => `the table between ${begin(section)} and ${end(section)} in ${DOC_NAME}`;

  const keys = configFileKeys();
  const keyRows = documentedRows(text, CONFIG_FILE);
  for (const key of keys) {
    const found = keyRows.find((r) => r.name === key.path);
    if (!found) {
      problems.push(`${CONFIG_FILE.what} \`${key.path}\` (${key.type}; in configFileSchema of src/config.ts) is not documented: add a row for it to ${where(CONFIG_FILE)} (run \`npm run docs:config\` to add its row, then write its default and meaning), and use it in the example file there`);
      continue;
    }
    if (unescapeCell(found.cells[1]) !== key.type) {
      problems.push(`${CONFIG_FILE.what} \`${key.path}\` is documented in ${DOC_NAME} as "${unescapeCell(found.cells[1])}" but the schema says "${key.type}": run \`npm run docs:config\``);
    }
    if (found.cells.length !== 4 || found.cells.slice(2).some(unwritten)) {
      problems.push(`${CONFIG_FILE.what} \`${key.path}\` has a row in ${DOC_NAME} without its default and meaning (| key | type | default | meaning |): write them`);
    }
  }
  for (const r of keyRows) {
    if (!keys.some((k) => k.path === r.name)) problems.push(`${DOC_NAME} documents ${CONFIG_FILE.what} \`${r.name}\`, which configFileSchema in src/config.ts no longer has: remove its row (\`npm run docs:config\` does)`);
  }

  const variables = environmentVariables();
  const variableRows = documentedRows(text, ENVIRONMENT);
  for (const [name, files] of variables) {
    const found = variableRows.find((r) => r.name === name);
    if (!found) {
      problems.push(`${ENVIRONMENT.what} ${name} (read in ${files.join(', ')}) is not documented: add a row for it to ${where(ENVIRONMENT)} (run \`npm run docs:config\` to add its row, then write its default, meaning and example)`);
    } else if (found.cells.length !== 4 || found.cells.slice(1).some(unwritten)) {
      problems.push(`${ENVIRONMENT.what} ${name} has a row in ${DOC_NAME} without its default, meaning and example (| variable | default | meaning | example |): write them`);
    }
  }
  for (const r of variableRows) {
    if (!variables.has(r.name)) problems.push(`${DOC_NAME} documents ${ENVIRONMENT.what} ${r.name}, which nothing in src/ or bin/ reads any more: remove its row (\`npm run docs:config\` does)`);
  }

  let example: unknown;
  try {
    example = exampleFile(text);
    parseConfigFile(example, `the example file in ${DOC_NAME}`);
  } catch (error) {
    problems.push(`the example file in ${DOC_NAME} is not a valid configuration: ${(error as Error).message}`);
  }
  if (example !== undefined) {
    const used = keysUsedBy(example);
    for (const key of keys) {
      if (!key.path.includes('<name>') && !used.has(key.path)) problems.push(`the example file in ${DOC_NAME} ("## An example file") does not use \`${key.path}\`: add it`);
    }
  }
  return problems;
}

const unescapeCell = (cell: string | undefined) => (cell ?? '').replace(/\\\|/g, '|');
const unwritten = (cell: string) => cell === '' || cell.includes(TO_WRITE);

// ---------------------------------------------------------------------------------------------------
// `npm run docs:config`

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/**
 * The document with its rows matching the code: a row per key (type column regenerated for the file),
 * new rows after the row of the key before them, rows of what no longer exists removed.
 */
export function updatedDocument(text: string): string {
  let lines = text.split('\n');
  const keys = configFileKeys();
  lines = updateSection(lines, CONFIG_FILE, keys.map((k) => k.path), (name, old) =>
    row([`\`${name}\``, keys.find((k) => k.path === name)!.type.replace(/\|/g, '\\|'), old?.[2] ?? TO_WRITE, old?.[3] ?? TO_WRITE]),
  );
  const variables = [...environmentVariables().keys()];
  lines = updateSection(lines, ENVIRONMENT, variables, (name, old) => (old ? row(old) : row([`\`${name}\``, TO_WRITE, TO_WRITE, TO_WRITE])));
  return lines.join('\n');
}

function updateSection(lines: string[], section: Section, names: string[], render: (name: string, old: string[] | undefined) => string): string[] {
  const text = lines.join('\n');
  const rows = documentedRows(text, section);
  const out = [...lines];
  // Rewrite or drop what is there, from the bottom so that line numbers stay valid.
  for (const r of [...rows].reverse()) {
    if (names.includes(r.name)) out[r.line] = render(r.name, r.cells);
    else out.splice(r.line, 1);
  }
  // Then add what is missing, after the row of the nearest earlier name, else at the section's last row.
  for (const [index, name] of names.entries()) {
    const current = documentedRows(out.join('\n'), section);
    if (current.some((r) => r.name === name)) continue;
    const before = names.slice(0, index).reverse().map((n) => current.find((r) => r.name === n)).find(Boolean);
    const anchor = before ?? current.at(-1);
    if (!anchor) throw new Error(`${DOC_NAME}: the ${section.name} section has no table to add ${name} to`);
    out.splice(anchor.line + 1, 0, render(name, undefined));
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const before = readFileSync(DOC_PATH, 'utf8');
  const after = updatedDocument(before);
  writeFileSync(DOC_PATH, after);
  const todo = after.split('\n').filter((l) => l.includes(`| ${TO_WRITE}`)).length;
  console.log(`${DOC_NAME}: ${before === after ? 'already matches the code' : 'updated'}${todo ? `; ${todo} row(s) say ${TO_WRITE}: write their default and meaning` : ''}.`);
}
