import fc from 'fast-check';
import { FUZZ_PASSWORD, multipartBody, TRAINING_JSONL } from './fuzz-fixtures.ts';
import {
  fieldMutations,
  hostileString,
  malformedId,
  toJson,
  validValue,
  type Hint,
  type JsonSchema,
  type Operation,
  type Parameter,
} from './openapi-arbitraries.ts';

/**
 * Requests for the fuzzer: a valid request generated from an operation's own schemas, then (most of
 * the time) broken in one way. Each says how it was broken, and which single field, when one is.
 */

export type Credential = 'session' | 'api_key' | 'none' | 'garbage' | 'worker' | 'throwaway' | 'scim';

export interface FuzzRequest {
  operation: Operation;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  credential: Credential;
  /** How the request was broken ('valid' when it was not). */
  mutation: string;
  /** The one named field (body property or query parameter) that was broken, when there is one. */
  field?: { name: string; mustRefuse: boolean };
  /** The same request before it was broken, to tell a refusal of the broken field from one of another. */
  base?: FuzzRequest;
}

/**
 * Operations that end the caller's sessions: the fuzzer sends them with a throwaway user's fresh
 * session so that they never log out the session every other request uses.
 */
export const SESSION_ENDING = new Set(['POST /v1/auth/logout', 'DELETE /v1/me/sessions', 'POST /v1/me/password']);
const PUBLIC = new Set(['POST /v1/auth/signup', 'POST /v1/auth/login', 'POST /v1/auth/verify_email']);
export const INFERENCE = new Set(['POST /v1/chat/completions', 'POST /v1/completions', 'POST /v1/embeddings']);
const UPLOAD = 'POST /v1/files';

export const keyOf = (operation: Operation) => `${operation.method} ${operation.path}`;

export interface RequestContext {
  ids: Record<string, string[]>;
  /** Every method each path answers, to pick one it does not. */
  methodsOf: Map<string, Set<string>>;
}

function credentialFor(operation: Operation): fc.Arbitrary<Credential> {
  const key = keyOf(operation);
  if (operation.path.startsWith('/v1/workers/')) return fc.oneof({ weight: 8, arbitrary: fc.constant<Credential>('worker') }, { weight: 1, arbitrary: fc.constantFrom<Credential>('session', 'none', 'garbage') });
  // The identity provider's routes: mostly with the fixtures' SCIM token, some with what they refuse.
  if (operation.path.startsWith('/scim/')) return fc.oneof({ weight: 10, arbitrary: fc.constant<Credential>('scim') }, { weight: 1, arbitrary: fc.constantFrom<Credential>('session', 'api_key', 'none', 'garbage') });
  if (SESSION_ENDING.has(key)) return fc.oneof({ weight: 8, arbitrary: fc.constant<Credential>('throwaway') }, { weight: 1, arbitrary: fc.constantFrom<Credential>('none', 'garbage') });
  if (PUBLIC.has(key)) return fc.constantFrom<Credential>('none', 'none', 'session');
  return fc.oneof(
    { weight: 14, arbitrary: fc.constant<Credential>('session') },
    { weight: 3, arbitrary: fc.constant<Credential>('api_key') },
    { weight: 1, arbitrary: fc.constant<Credential>('none') },
    { weight: 1, arbitrary: fc.constant<Credential>('garbage') },
  );
}

/** The pool as it is now: the fixtures replace an id whose object a request deleted. */
const livePool = (ids: Record<string, string[]>, name: string): string[] => ids[name] ?? [];

/** One id of a pool, read when the request is generated rather than when the arbitrary is built. */
function fromPool(ids: Record<string, string[]>, name: string): fc.Arbitrary<string> {
  return fc.nat().map((n) => {
    const pool = livePool(ids, name);
    return pool[n % pool.length]!;
  });
}

function makeHint(ids: Record<string, string[]>): Hint {
  return (field, schema) => {
    // A list of ids (`file_ids`, `model_ids`): mostly real ones, so that the request can succeed.
    if (schema.type === 'array' && ids[field]?.length) {
      const real = fc.nat().map((n) => livePool(ids, field).slice(0, 1 + (n % livePool(ids, field).length)));
      return fc.oneof({ weight: 3, arbitrary: real }, { weight: 1, arbitrary: validValue(schema) });
    }
    if (schema.type === 'array' || schema.type === 'object' || schema.anyOf || schema.enum) return undefined;
    if (field === 'password' || field === 'current_password' || field === 'new_password') {
      return fc.oneof(fc.constant(FUZZ_PASSWORD), validValue(schema));
    }
    if (field === 'email') {
      return fc.oneof(fc.constantFrom(...(ids.email ?? [])), fc.nat().map((n) => `fuzz.${n}@example.test`));
    }
    const real = ids[field];
    if (real && real.length > 0) return fc.oneof({ weight: 3, arbitrary: fromPool(ids, field) }, { weight: 1, arbitrary: validValue(schema) });
    return undefined;
  };
}

const queryText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** What zod's coerced number accepts, to tell whether a broken numeric query value must be refused. */
function acceptsNumber(schema: JsonSchema, raw: string | string[]): boolean {
  if (Array.isArray(raw)) return false;
  const n = Number(raw);
  if (!Number.isFinite(n) || (schema.type === 'integer' && !Number.isInteger(n))) return false;
  if (schema.minimum !== undefined && n < schema.minimum) return false;
  if (schema.exclusiveMinimum !== undefined && n <= schema.exclusiveMinimum) return false;
  if (schema.maximum !== undefined && n > schema.maximum) return false;
  return true;
}

/** Broken values of one query parameter, already percent-encoded, each with whether it must be refused. */
function brokenQueryValues(parameter: Parameter): fc.Arbitrary<{ raw: string; mustRefuse: boolean; label: string }> {
  const schema = parameter.schema;
  if (schema.type === 'integer' || schema.type === 'number') {
    return fc.constantFrom('-1', '1e9', '0', '1.5', 'abc', '', '101', '9'.repeat(400), '0x10', 'NaN', 'Infinity', '-0').map((raw) => ({ raw, mustRefuse: !acceptsNumber(schema, raw), label: `=${raw.slice(0, 12)}` }));
  }
  const strings = fc.oneof(
    fc.constantFrom('garbage', '', '%00', 'a%00b', '%ED%A0%80', '%FF%FE', '%C0%AF', '..%2F..%2Fetc', 'x'.repeat(10_000), '%E2%80%AE', "'%20OR%201%3D1"),
    hostileString().filter((s) => s.length < 2000).map((s) => Buffer.from(s, 'utf8').toString('hex').replace(/../g, '%$&')),
  );
  return strings.map((raw) => {
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      decoded = undefined;
    }
    const tooShort = decoded !== undefined && schema.minLength !== undefined && decoded.length < schema.minLength;
    const tooLong = decoded !== undefined && schema.maxLength !== undefined && decoded.length > schema.maxLength;
    const notInEnum = schema.enum !== undefined && !schema.enum.includes(decoded);
    return { raw, mustRefuse: tooShort || tooLong || notInEnum, label: `=${raw.slice(0, 12)}` };
  });
}

/** Raw bodies that break the request as a whole. */
const BROKEN_BODIES: Array<{ label: string; contentType?: string; payload: string }> = [
  { label: 'invalid JSON', contentType: 'application/json', payload: '{"name": ' },
  { label: 'invalid JSON (trailing comma)', contentType: 'application/json', payload: '{"a": 1,}' },
  { label: 'invalid JSON (NUL)', contentType: 'application/json', payload: '\u0000' },
  { label: 'empty JSON body', contentType: 'application/json', payload: '' },
  { label: 'JSON array body', contentType: 'application/json', payload: '[]' },
  { label: 'JSON string body', contentType: 'application/json', payload: '"x"' },
  { label: 'JSON number body', contentType: 'application/json', payload: '1e400' },
  { label: 'JSON null body', contentType: 'application/json', payload: 'null' },
  { label: 'JSON with __proto__', contentType: 'application/json', payload: '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}' },
  { label: 'text/plain body', contentType: 'text/plain', payload: '{"name": "x"}' },
  { label: 'form body', contentType: 'application/x-www-form-urlencoded', payload: 'name=x' },
  { label: 'latin1 JSON', contentType: 'application/json; charset=latin1', payload: '{"name": "x"}' },
  { label: 'content type garbage', contentType: ';;;', payload: '{}' },
  { label: 'multipart to a JSON route', contentType: 'multipart/form-data; boundary=b', payload: '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n' },
  { label: 'no content type', payload: '{"name": "x"}' },
  { label: 'oversized body', contentType: 'application/json', payload: JSON.stringify({ name: 'x'.repeat(1_200_000) }) },
  { label: 'deeply nested body', contentType: 'application/json', payload: '['.repeat(100_000) + ']'.repeat(100_000) },
  { label: 'deeply nested object body', contentType: 'application/json', payload: '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000) },
];

/** Multipart upload bodies: the valid one, and ways to break it. */
function uploadBodies(): fc.Arbitrary<{ label: string; contentType: string; payload: string; param?: string }> {
  const type = 'multipart/form-data; boundary=fuzzboundary';
  // `purpose: null` leaves the purpose out.
  const upload = (filename: string, purpose: string | null = 'fine-tune', value = TRAINING_JSONL) =>
    multipartBody([...(purpose !== null ? [{ name: 'purpose', value: purpose }] : []), { name: 'file', filename, value, contentType: 'application/jsonl' }]);
  const odd = fc.constantFrom(
    '../../../../etc/passwd',
    '..\\..\\windows\\win.ini',
    '/absolute/path.jsonl',
    'x'.repeat(10_000) + '.jsonl',
    'a\u0000b.jsonl',
    '',
    '.',
    '..',
    'con.jsonl',
    '\ud800.jsonl',
    '😀.jsonl',
    'with "quotes".jsonl',
    'new\r\nline.jsonl',
    '%2e%2e%2fescape',
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({ label: 'valid upload', contentType: type, payload: upload('train.jsonl') }) },
    { weight: 4, arbitrary: odd.map((filename) => ({ label: `file name ${JSON.stringify(filename.slice(0, 16))}`, contentType: type, payload: upload(filename) })) },
    fc.constantFrom(
      { label: 'upload: bad purpose', contentType: type, payload: upload('t.jsonl', 'nope'), param: 'purpose' },
      { label: 'upload: no purpose', contentType: type, payload: upload('t.jsonl', null), param: 'purpose' },
      { label: 'upload: no file', contentType: type, payload: multipartBody([{ name: 'purpose', value: 'fine-tune' }]), param: 'file' },
      { label: 'upload: bad JSONL', contentType: type, payload: upload('t.jsonl', 'fine-tune', 'not json\n'), param: 'file' },
      { label: 'upload: NUL in JSONL', contentType: type, payload: upload('t.jsonl', 'fine-tune', '{"text": "a\u0000b"}\n') },
      { label: 'upload: binary content', contentType: type, payload: upload('t.bin', 'batch', '\u0000\u0001\u00ff\ud800') },
      { label: 'upload: oversized file', contentType: type, payload: upload('big.jsonl', 'batch', 'x'.repeat(100_000)), param: 'file' },
      { label: 'upload: wrong file field', contentType: type, payload: multipartBody([{ name: 'purpose', value: 'batch' }, { name: 'document', filename: 'a.jsonl', value: '{}' }]), param: 'document' },
      { label: 'upload: unknown field', contentType: type, payload: multipartBody([{ name: 'purpose', value: 'batch' }, { name: 'zz', value: '1' }, { name: 'file', filename: 'a.jsonl', value: '{}' }]), param: 'zz' },
      { label: 'upload: two files', contentType: type, payload: multipartBody([{ name: 'purpose', value: 'batch' }, { name: 'file', filename: 'a.jsonl', value: '{}' }, { name: 'file', filename: 'b.jsonl', value: '{}' }]) },
      { label: 'upload: purpose after file', contentType: type, payload: multipartBody([{ name: 'file', filename: 'a.jsonl', value: TRAINING_JSONL }, { name: 'purpose', value: 'fine-tune' }]) },
      { label: 'upload: no boundary', contentType: 'multipart/form-data', payload: upload('t.jsonl') },
      { label: 'upload: other boundary', contentType: 'multipart/form-data; boundary=other', payload: upload('t.jsonl') },
      { label: 'upload: cut body', contentType: type, payload: upload('t.jsonl').slice(0, 120) },
      { label: 'upload: empty body', contentType: type, payload: '' },
      { label: 'upload: JSON body', contentType: 'application/json', payload: '{"purpose": "fine-tune"}' },
    ),
  );
}

function pathValue(parameter: Parameter, ids: Record<string, string[]>): fc.Arbitrary<string> {
  const real = ids[parameter.name];
  const encode = (id: string) => (parameter.name === '*' ? id.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(id));
  if (!real || real.length === 0) return malformedId();
  return fc.oneof(fromPool(ids, parameter.name).map(encode), malformedId());
}

interface Base {
  path: string;
  query: Record<string, string>;
  body: unknown;
  credential: Credential;
  projectHeader: string | undefined;
  workerId: string | undefined;
}

function baseRequest(operation: Operation, context: RequestContext, hint: Hint): fc.Arbitrary<Base> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const queryParameters = operation.parameters.filter((p) => p.in === 'query' && p.name !== 'project_id');
  const path = fc.tuple(...pathParameters.map((p) => pathValue(p, context.ids))).map((values) => {
    let url = operation.path;
    pathParameters.forEach((p, i) => (url = url.replace(`{${p.name}}`, values[i]!)));
    return url;
  });
  const query = fc.record(
    Object.fromEntries(queryParameters.map((p) => [p.name, validValue(p.schema, hint, p.name).map(queryText).map(encodeURIComponent)])),
    { requiredKeys: queryParameters.filter((p) => p.required).map((p) => p.name) },
  ) as fc.Arbitrary<Record<string, string>>;
  const takesProject = operation.parameters.some((p) => p.in === 'query' && p.name === 'project_id');
  const projects = context.ids.proj ?? [];
  const projectHeader = takesProject
    ? fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...projects) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('proj_nope', 'x'.repeat(5000), '') })
    : fc.constant(undefined);
  const workerId = operation.parameters.some((p) => p.in === 'header' && p.name === 'x-worker-id')
    ? fc.oneof({ weight: 6, arbitrary: fc.constant('fuzz-worker') }, { weight: 1, arbitrary: fc.constantFrom(undefined, '', 'other-worker', 'x'.repeat(300)) })
    : fc.constant(undefined);
  const body = operation.body ? validValue(operation.body, hint) : fc.constant(undefined);
  return fc.record({ path, query, body, credential: credentialFor(operation), projectHeader, workerId });
}

function assemble(operation: Operation, base: Base, mutation: string, overrides: { query?: string; payload?: string | null; contentType?: string; method?: string } = {}): FuzzRequest {
  const query = overrides.query ?? Object.entries(base.query).map(([k, v]) => `${k}=${v}`).join('&');
  const headers: Record<string, string> = {};
  if (base.projectHeader !== undefined) headers['openai-project'] = base.projectHeader;
  if (base.workerId !== undefined) headers['x-worker-id'] = base.workerId;
  let payload: string | undefined;
  if (overrides.payload !== undefined) {
    if (overrides.payload !== null) payload = overrides.payload;
  } else if (base.body !== undefined) payload = JSON.stringify(base.body);
  if (overrides.contentType !== undefined) headers['content-type'] = overrides.contentType;
  else if (payload !== undefined && overrides.payload === undefined) headers['content-type'] = 'application/json';
  return {
    operation,
    method: overrides.method ?? operation.method,
    url: query ? `${base.path}?${query}` : base.path,
    headers,
    ...(payload !== undefined ? { payload } : {}),
    credential: base.credential,
    mutation,
  };
}

/**
 * The fields a mutation may break: every top-level property, and the properties of a nested object
 * the valid body holds (`scaling.min_replicas`, `hyperparameters.n_epochs`).
 */
function fieldPaths(schema: JsonSchema, body: Record<string, unknown>): Array<{ path: string[]; schema: JsonSchema; required: boolean }> {
  const paths: Array<{ path: string[]; schema: JsonSchema; required: boolean }> = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    paths.push({ path: [name], schema: property, required: (schema.required ?? []).includes(name) });
    const value = body[name];
    if (property.properties && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [child, childSchema] of Object.entries(property.properties)) {
        paths.push({ path: [name, child], schema: childSchema, required: (property.required ?? []).includes(child) });
      }
    }
  }
  return paths;
}

/** A copy of `body` with the field at `path` set to `value`, or removed when `value` is undefined. */
function withField(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  const next = { ...body };
  if (rest.length > 0) next[head] = withField(body[head] as Record<string, unknown>, rest, value);
  else if (value === undefined) delete next[head];
  else next[head] = value;
  return next;
}

function bodyFieldMutation(operation: Operation, base: Base): fc.Arbitrary<FuzzRequest> | undefined {
  const schema = operation.body;
  const body = base.body as Record<string, unknown>;
  if (!schema?.properties || typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const fields = fieldPaths(schema, body);
  const unknownIsRefused = schema.additionalProperties === false;
  const valid = assemble(operation, base, 'valid');
  const json = { ...valid.headers, 'content-type': 'application/json' };
  const unknown = fc.constant({ ...valid, payload: JSON.stringify({ ...body, zz_unknown: 1 }), headers: json, mutation: 'body: unknown field', field: { name: 'zz_unknown', mustRefuse: unknownIsRefused }, base: valid });
  if (fields.length === 0) return unknown;
  const broken = fc.constantFrom(...fields).chain((field) => {
    const name = field.path.join('.');
    return fc.constantFrom(...fieldMutations(field.schema, field.required)).chain((mutation) =>
      mutation.value.map((value): FuzzRequest => ({
        ...valid,
        payload: toJson(withField(body, field.path, value)),
        headers: json,
        mutation: `body.${name}: ${mutation.label}`,
        field: { name, mustRefuse: mutation.mustRefuse },
        base: valid,
      })),
    );
  });
  return fc.oneof({ weight: 5, arbitrary: broken }, { weight: 1, arbitrary: unknown });
}

function queryMutation(operation: Operation, base: Base): fc.Arbitrary<FuzzRequest> | undefined {
  const parameters = operation.parameters.filter((p) => p.in === 'query' && p.name !== 'project_id');
  const valid = assemble(operation, base, 'valid');
  const unknown = fc.constant({ ...assemble(operation, base, 'query: unknown parameter', { query: [...Object.entries(base.query).map(([k, v]) => `${k}=${v}`), 'zz_unknown=1'].join('&') }), field: { name: 'zz_unknown', mustRefuse: false }, base: valid });
  if (parameters.length === 0) return unknown;
  const broken = fc.constantFrom(...parameters).chain((parameter) =>
    fc.oneof(
      brokenQueryValues(parameter).map(({ raw, mustRefuse, label }) => {
        const query = { ...base.query, [parameter.name]: raw };
        const text = Object.entries(query).map(([k, v]) => `${k}=${v}`).join('&');
        return { ...assemble(operation, base, `query.${parameter.name}${label}`, { query: text }), field: { name: parameter.name, mustRefuse }, base: valid };
      }),
      fc.constant(parameter).map(() => {
        const text = [...Object.entries(base.query).filter(([k]) => k !== parameter.name).map(([k, v]) => `${k}=${v}`), `${parameter.name}=1`, `${parameter.name}=2`].join('&');
        return { ...assemble(operation, base, `query.${parameter.name} repeated`, { query: text }), field: { name: parameter.name, mustRefuse: !parameter.schema.type || parameter.schema.type !== 'array' }, base: valid };
      }),
      ...(parameter.required ? [fc.constant(parameter).map(() => {
        const text = Object.entries(base.query).filter(([k]) => k !== parameter.name).map(([k, v]) => `${k}=${v}`).join('&');
        return { ...assemble(operation, base, `query.${parameter.name} missing`, { query: text }), field: { name: parameter.name, mustRefuse: true }, base: valid };
      })] : []),
    ),
  );
  return fc.oneof({ weight: 5, arbitrary: broken }, { weight: 1, arbitrary: unknown });
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** How often an operation is picked: the upload and operations with a body have the most to break. */
export function weightOf(operation: Operation): number {
  if (keyOf(operation) === UPLOAD) return 6;
  // These hash passwords (slow on purpose): picked less often, so that the run stays short.
  if (SESSION_ENDING.has(keyOf(operation)) || PUBLIC.has(keyOf(operation))) return 1;
  return operation.body ? 3 : 1;
}

/** Every request the fuzzer may send for one operation. */
export function requestsFor(operation: Operation, context: RequestContext): fc.Arbitrary<FuzzRequest> {
  const hint = makeHint(context.ids);
  const isUpload = keyOf(operation) === UPLOAD;
  return baseRequest(operation, context, hint).chain((base) => {
    const choices: Array<{ weight: number; arbitrary: fc.Arbitrary<FuzzRequest> }> = [];
    if (isUpload) {
      const valid = assemble(operation, base, 'valid upload', { payload: multipartBody([{ name: 'purpose', value: 'fine-tune' }, { name: 'file', filename: 'train.jsonl', value: TRAINING_JSONL }]), contentType: 'multipart/form-data; boundary=fuzzboundary' });
      choices.push({ weight: 8, arbitrary: uploadBodies().map((b) => ({ ...assemble(operation, base, b.label, { payload: b.payload, contentType: b.contentType }), ...(b.param ? { field: { name: b.param, mustRefuse: true }, base: valid } : {}) })) });
    } else {
      choices.push({ weight: 2, arbitrary: fc.constant(assemble(operation, base, 'valid')) });
    }
    const field = bodyFieldMutation(operation, base);
    if (field) choices.push({ weight: 8, arbitrary: field });
    const query = queryMutation(operation, base);
    const takesQuery = operation.parameters.some((p) => p.in === 'query');
    if (query) choices.push({ weight: takesQuery ? 4 : 1, arbitrary: query });
    choices.push({ weight: 2, arbitrary: fc.constantFrom(...BROKEN_BODIES).map((b) => assemble(operation, base, b.label, { payload: b.payload, ...(b.contentType !== undefined ? { contentType: b.contentType } : {}) })) });
    const others = HTTP_METHODS.filter((m) => !context.methodsOf.get(operation.path)?.has(m));
    if (others.length > 0) choices.push({ weight: 1, arbitrary: fc.constantFrom(...others).map((method) => assemble(operation, base, `unsupported method ${method}`, { method })) });
    choices.push({ weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '/..', '//', '/%2e%2e').map((bad) => ({ ...assemble(operation, base, `bad path ${bad}`), url: base.path + bad })) });
    return fc.oneof(...choices);
  });
}
