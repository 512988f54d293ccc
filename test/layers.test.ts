import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

/**
 * The layers of DESIGN.md, checked on the source: every import, `export ... from` and `import()` of
 * src/**\/*.ts is read with TypeScript's own parser, each file is given the layer of its top folder,
 * and an edge between two layers must be allowed by the table below. Inside one layer anything goes.
 */

const SRC = resolve(import.meta.dirname, '..', 'src');

type Layer = 'server' | 'config' | 'cli' | 'http' | 'services' | 'gateway' | 'access' | 'store' | 'infra' | 'lib' | 'worker';

/** What a layer may import: `any` (values and types), `types` (only `import type`), per target layer. */
type Rule = { target: Layer; kind: 'any' | 'types'; only?: string[]; why: string };

/** The API's objects as clients read them, derived from http's response schemas: the one http file others may name (types only). */
const API_TYPES = 'schemas/api-types.ts';

const ALLOWED: Record<Layer, Rule[]> = {
  // The composition root (src/server.ts) builds everything and wires it together.
  server: [
    { target: 'config', kind: 'types', why: 'is given the loaded configuration it starts from' },
    { target: 'http', kind: 'any', why: 'builds the Fastify app' },
    { target: 'services', kind: 'any', why: 'builds the services' },
    { target: 'gateway', kind: 'any', why: 'builds the engine, limiter, meter and provisioner' },
    { target: 'store', kind: 'any', why: 'opens the database' },
    { target: 'infra', kind: 'any', why: 'builds the adapters (SMTP, file storage, relay, clock)' },
    { target: 'lib', kind: 'any', why: 'helpers' },
  ],
  // Configuration is read from the environment and files; it depends on nothing of ours.
  config: [],
  // The CLI is a program of its own: it starts the server or the worker, or talks HTTP to a server.
  cli: [
    { target: 'server', kind: 'any', why: '`tenantry serve` starts the composition root' },
    { target: 'config', kind: 'any', why: '`tenantry serve` loads the configuration (and shows its errors)' },
    { target: 'worker', kind: 'any', why: '`tenantry worker` runs the reference worker' },
    { target: 'http', kind: 'types', only: [API_TYPES], why: 'the API objects it reads, typed from the response schemas the server checks its answers against' },
  ],
  // Routes parse, authenticate, call a service and shape the answer; never the database.
  http: [
    { target: 'services', kind: 'any', why: 'the use cases, and their refusals (ServiceError family) mapped to statuses' },
    { target: 'gateway', kind: 'any', why: 'the inference path: forward a call and map its upstream errors' },
    { target: 'access', kind: 'any', why: 'routes declare the permission they need from the one catalogue' },
    { target: 'config', kind: 'types', why: 'the app is given the loaded Config' },
    {
      target: 'store',
      kind: 'types',
      // The records a service answers with are the objects the contract shapes: presenters turn them
      // into API objects, so their types are shared; never the store's functions or its Store handle.
      only: ['records.ts', 'datasets.ts', 'endpoints.ts', 'files.ts', 'fine-tuning.ts', 'batches.ts', 'gateway-settings.ts', 'pagination.ts'],
      why: 'record and page types that presenters shape into the API objects of the contract',
    },
    { target: 'lib', kind: 'any', why: 'helpers (hashing a presented token)' },
  ],
  // Use cases: authorize, validate state, write through the store in one transaction with the audit.
  services: [
    { target: 'access', kind: 'any', why: 'the policy they call before reading or writing' },
    { target: 'store', kind: 'any', why: 'the data they read and write' },
    { target: 'gateway', kind: 'types', why: 'the limiter, meter and provisioner they are given, built in the composition root' },
    { target: 'config', kind: 'types', why: 'the parts of the loaded Config they are given' },
    { target: 'infra', kind: 'types', why: 'the adapters they are given (notifier, file storage, clock, invalidations)' },
    { target: 'infra', kind: 'any', only: ['generational-cache.ts'], why: 'the read-through cache they keep permission sets and settings in' },
    { target: 'lib', kind: 'any', why: 'helpers' },
  ],
  // The inference path; built in the composition root and used by http.
  gateway: [
    { target: 'services', kind: 'any', only: ['errors.ts'], why: 'its refusals are ServiceErrors, so http answers them in the one error shape' },
    { target: 'store', kind: 'types', why: 'the endpoint, replica and settings records it works from' },
    { target: 'lib', kind: 'any', only: ['money.ts', 'periods.ts'], why: 'what a call costs and which budget period it counts in (the budget guard)' },
  ],
  // The policy: pure, no I/O, nothing of ours.
  access: [],
  // SQL. It may name the policy's vocabulary (principal types, scopes, membership grants) that rows carry.
  store: [
    { target: 'access', kind: 'types', why: 'the principal and grant types rows are read into' },
    // LISTEN/NOTIFY is SQL, so the relay lives here; the messages it carries are the bus's.
    { target: 'infra', kind: 'types', only: ['invalidation.ts'], why: 'the invalidations the NOTIFY relay carries between instances' },
    { target: 'lib', kind: 'any', why: 'helpers' },
  ],
  // Adapters to the world outside the process (mail, the file store, the clock, the in-memory caches,
  // the invalidation bus; its PostgreSQL relay is SQL and lives in store/). Built in the composition
  // root; given to services.
  infra: [
    { target: 'store', kind: 'types', why: 'the invitation record a notifier mails about; the repositories metrics read queue depths from' },
    { target: 'config', kind: 'types', why: 'the resolved SMTP settings' },
    { target: 'lib', kind: 'any', why: 'helpers (ids, private files)' },
  ],
  // Helpers that know nothing of the system.
  lib: [],
  // The reference worker talks HTTP to a server; it shares no code with it but helpers.
  worker: [{ target: 'lib', kind: 'any', why: 'helpers' }],
};

function layerOf(file: string): Layer {
  const parts = relative(SRC, file).split(sep);
  const top = parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
  if (!(top in ALLOWED)) throw new Error(`${relative(SRC, file)} is in no layer: add its folder to the table`);
  return top as Layer;
}

interface Edge {
  from: string;
  specifier: string;
  target: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** An import that brings in nothing at run time: `import type`, or only `type` named bindings. */
function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import './x.ts'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

function edgesOf(file: string, text = readFileSync(file, 'utf8')): Edge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    if (!specifier.startsWith('.')) return; // packages and node: builtins are not layers
    edges.push({ from: file, specifier, target: resolve(dirname(file), specifier), typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyExport(node));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) add(argument.text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true); // `typeof import('./x.ts')` in a type position
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The path of an import's target inside its layer's folder (the root files are their own layer). */
function pathInLayer(edge: Edge): string {
  const to = layerOf(edge.target);
  return relative(join(SRC, to === 'server' || to === 'config' ? '' : to), edge.target).split(sep).join('/');
}

function ruleFits(rule: Rule, edge: Edge): boolean {
  return rule.target === layerOf(edge.target) && (rule.kind === 'any' || edge.typeOnly) && (!rule.only || rule.only.includes(pathInLayer(edge)));
}

/** The reason an edge is refused, or undefined when the table allows it. */
function refusal(edge: Edge): string | undefined {
  const from = layerOf(edge.from);
  const to = layerOf(edge.target);
  if (from === to) return undefined;
  const rules = ALLOWED[from].filter((rule) => rule.target === to);
  if (rules.length === 0) return `${from} may not import ${to}`;
  if (rules.some((rule) => ruleFits(rule, edge))) return undefined;
  return `${from} may import from ${to} only ${rules.map((r) => `${r.kind === 'types' ? 'types' : 'values'}${r.only ? ` of ${r.only.join(', ')}` : ''}`).join('; ')}`;
}

const FILES = sourceFiles(SRC);

test('every source file is in a layer of the table', () => {
  assert.ok(FILES.length > 50, 'the source files were found');
  for (const file of FILES) layerOf(file);
});

test('imports point down only: no edge between layers that the table does not allow', () => {
  const violations = FILES.flatMap((file) => edgesOf(file))
    .map((edge) => ({ edge, why: refusal(edge) }))
    .filter((v) => v.why !== undefined)
    .map(({ edge, why }) => `${relative(SRC, edge.from)} imports ${edge.typeOnly ? 'type ' : ''}'${edge.specifier}': ${why}`);
  assert.deepEqual(violations, []);
});

test('every rule of the table is used by some import: a rule no code needs any longer is removed', () => {
  const edges = FILES.flatMap((file) => edgesOf(file)).filter((edge) => layerOf(edge.from) !== layerOf(edge.target));
  const unused = (Object.entries(ALLOWED) as Array<[Layer, Rule[]]>).flatMap(([from, rules]) =>
    rules
      .filter((rule) => !edges.some((edge) => layerOf(edge.from) === from && ruleFits(rule, edge) && (rule.kind === 'types' || !edge.typeOnly)))
      .map((rule) => `${from} -> ${rule.target} (${rule.kind}${rule.only ? ` of ${rule.only.join(', ')}` : ''})`),
  );
  assert.deepEqual(unused, []);
});

test('nothing imports http but the composition root (and the API types, only as types)', () => {
  const intoHttp = FILES.flatMap((file) => edgesOf(file))
    .filter((edge) => layerOf(edge.target) === 'http' && layerOf(edge.from) !== 'http' && layerOf(edge.from) !== 'server')
    .filter((edge) => !(edge.typeOnly && pathInLayer(edge) === API_TYPES))
    .map((edge) => `${relative(SRC, edge.from)} imports '${edge.specifier}'`);
  assert.deepEqual(intoHttp, []);
});

test('the checker sees what it must: a value import of the store from a route is refused, a type import of a record is not', () => {
  const route = join(SRC, 'http', 'routes', 'example.ts');
  const store = (file: string) => join(SRC, 'store', file);
  assert.match(refusal({ from: route, specifier: '../../store/store.ts', target: store('store.ts'), typeOnly: false }) ?? '', /only types/);
  assert.match(refusal({ from: route, specifier: '../../store/store.ts', target: store('store.ts'), typeOnly: true }) ?? '', /only types of/);
  assert.equal(refusal({ from: route, specifier: '../../store/records.ts', target: store('records.ts'), typeOnly: true }), undefined);
  assert.match(refusal({ from: store('x.ts'), specifier: '../services/x.ts', target: join(SRC, 'services', 'x.ts'), typeOnly: true }) ?? '', /store may not import services/);
});

test('the parser reads every form of import, and tells a type-only one from one that runs', () => {
  const file = join(SRC, 'http', 'routes', 'example.ts');
  const text = [
    "import type { A } from '../../store/a.ts';",
    "import { type B, type C } from '../../store/b.ts';",
    "import { D, type E } from '../../store/d.ts';",
    "import '../../store/side-effect.ts';",
    "export { F } from '../../store/f.ts';",
    "export type { G } from '../../store/g.ts';",
    "const h = await import('../../store/h.ts');",
    "let i: typeof import('../../store/i.ts');",
    "import { z } from 'zod';",
  ].join('\n');
  const seen = edgesOf(file, text).map((edge) => `${edge.specifier.replace('../../store/', '')}${edge.typeOnly ? ' type' : ''}`);
  assert.deepEqual(seen, ['a.ts type', 'b.ts type', 'd.ts', 'side-effect.ts', 'f.ts', 'g.ts type', 'h.ts', 'i.ts type']);
});

test('the console takes nothing from the server but the API types, and only as types (nothing of zod is bundled)', () => {
  const WEB = resolve(import.meta.dirname, '..', 'web', 'src');
  const webFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return webFiles(path);
      return /\.tsx?$/.test(entry.name) ? [path] : [];
    });
  const edges = webFiles(WEB).flatMap((file) => edgesOf(file)).filter((edge) => !edge.target.startsWith(WEB + sep));
  assert.ok(edges.length > 0, 'web/src/types.ts names the API types');
  const refused = edges
    .filter((edge) => !(edge.typeOnly && edge.target === join(SRC, 'http', API_TYPES)))
    .map((edge) => `${relative(WEB, edge.from)} imports ${edge.typeOnly ? 'type ' : ''}'${edge.specifier}'`);
  assert.deepEqual(refused, []);
});
