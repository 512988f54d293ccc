import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { ConfigFile } from '../src/config.ts';
import { Api } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { createFuzzFixtures, repairFixtures, startSturdyUpstream, WORKER_TOKEN, type FuzzFixtures } from './helpers/fuzz-fixtures.ts';
import { INFERENCE, keyOf, requestsFor, weightOf, type FuzzRequest } from './helpers/fuzz-requests.ts';
import { operationsOf, type Operation } from './helpers/openapi-arbitraries.ts';
import { useTenantry } from './helpers/server.ts';

/**
 * Fuzzing from the served OpenAPI document: for every operation, requests generated from its own
 * schemas, then broken (wrong types, missing and unknown fields, 1 MB strings, deep nesting, NUL,
 * unpaired surrogates, odd numbers, malformed ids, bad lists, bad bodies and content types, odd
 * uploads). Every answer: no 5xx (inference may answer 502/504 when its upstream is at fault), within
 * 5 s, in API.md's error shape, and a 400 for one broken field names that field.
 *
 * Seeded and bounded: FUZZ_SEED and FUZZ_RUNS (requests per database); `npm run fuzz` runs longer.
 * Excluded from nothing: the operations that end sessions (logout, log out everywhere, change of
 * password) run with a throwaway user's session; inference reaches a model server started here; the
 * endpoint templates run `/bin/true`, so creating an endpoint starts no real process.
 * Every distinct failure is collected and reported with the smallest request that showed it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const ANSWER_WITHIN_MS = 5000;
/** FUZZ_TRACE=<file>: one line per request (time, status, param, request), to see what a run sent. */
const TRACE = process.env.FUZZ_TRACE;

/** The error type API.md gives each status. */
const TYPE_OF_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** Credentials that are no credentials: unknown, malformed, of the wrong kind, or huge. */
const GARBAGE_TOKENS = ['tnt_sess_' + 'A'.repeat(43), 'tnt_key_' + 'B'.repeat(43), 'tnt_key_', 'tnt_sess_', 'x', 'tnt_key_' + 'C'.repeat(10_000), 'tnt_sess_%00', WORKER_TOKEN];

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
  text: string;
}

interface Failure {
  problem: string;
  request: FuzzRequest;
  answer: Answer | undefined;
  count: number;
}

/** /scim answers refusals in RFC 7644's shape; its detail leads with the field at fault (`userName: ...`). */
const isScim = (request: FuzzRequest) => request.url.startsWith('/scim/');

function scimErrorShapeProblem(answer: Answer): string | undefined {
  const body = answer.body as { schemas?: unknown; status?: unknown; detail?: unknown; scimType?: unknown } | undefined;
  if (!answer.contentType.includes('application/scim+json') || typeof body !== 'object' || body === null) return 'answer outside the SCIM error shape';
  if (!Array.isArray(body.schemas) || body.schemas[0] !== 'urn:ietf:params:scim:api:messages:2.0:Error') return 'SCIM error without its schema';
  if (body.status !== String(answer.status)) return `SCIM error whose status is ${JSON.stringify(body.status)}`;
  if (typeof body.detail !== 'string') return 'SCIM error without detail';
  if (body.scimType !== undefined && typeof body.scimType !== 'string') return 'SCIM error with a scimType that is no string';
  return undefined;
}

function errorShapeProblem(answer: Answer): string | undefined {
  const error = (answer.body as { error?: Record<string, unknown> } | undefined)?.error;
  if (!answer.contentType.includes('application/json') || typeof error !== 'object' || error === null) {
    const code = (answer.body as { code?: unknown } | undefined)?.code;
    return `answer outside the error shape${typeof code === 'string' ? ` (${code})` : ''}`;
  }
  if (typeof error.message !== 'string' || typeof error.type !== 'string') return 'error without message or type';
  if (!('param' in error) || (error.param !== null && typeof error.param !== 'string')) return 'error without param';
  if (!('code' in error) || (error.code !== null && typeof error.code !== 'string')) return 'error without code';
  const expected = TYPE_OF_STATUS[answer.status];
  if (expected && error.type !== expected) return `${answer.status} with type ${String(error.type)}`;
  return undefined;
}

const paramOf = (answer: Answer) => {
  const body = answer.body as { error?: { param?: unknown }; detail?: unknown } | undefined;
  if (typeof body?.detail === 'string') return /^([\w.$-]+): /.exec(body.detail)?.[1] ?? null;
  return body?.error?.param;
};
const codeOf = (answer: Answer) => {
  const body = answer.body as { error?: { code?: unknown }; detail?: unknown } | undefined;
  // A /scim path no route has: SCIM's shape has no code, its detail says so.
  if (typeof body?.detail === 'string') return body.detail.startsWith('Unknown path:') ? 'unknown_path' : undefined;
  return body?.error?.code;
};
const names = (param: unknown, field: string) => typeof param === 'string' && (param === field || param.startsWith(`${field}.`));

describeEachDatabase('fuzzing from /openapi.json', (kind) => {
  let upstream: { url: string; close(): Promise<void> };
  const config: ConfigFile = {
    regions: [
      { id: 'eu-north1', inference_base_url: 'http://north.example/v1' },
      { id: 'eu-west1', inference_base_url: 'http://west.example/v1' },
    ],
    // Replicas of fuzzed endpoints run `true`: they exit at once, so no request can start a real process.
    templates: [{ model_name: 'chat-model', flavor_name: 'base', gpu_types: ['gpu-h100-sxm'], command: '/bin/true {port} {model}', target_in_flight: 1 }],
    files: { max_bytes: 64 * 1024 },
    rate_limits: { max_requests_per_1_minute: 100_000, max_tokens_per_1_minute: 100_000_000, ceiling: { max_requests_per_1_minute: 100_000, max_tokens_per_1_minute: 100_000_000 } },
  };
  before(async () => {
    upstream = await startSturdyUpstream();
    config.models = [
      { id: 'chat-model', upstream: upstream.url, fine_tunable: true },
      { id: 'embed-model', upstream: upstream.url },
      // Nothing listens there: inference to it is the upstream's fault (502), never a 500.
      { id: 'unreachable', upstream: 'http://127.0.0.1:9/v1' },
    ];
  });
  after(async () => upstream?.close());
  const server = useTenantry(kind, { config, env: { TENANTRY_WORKER_TOKEN: WORKER_TOKEN, TENANTRY_UPSTREAM_TIMEOUT_MS: '1000' } });

  test('every operation answers every generated request, valid or broken, without a 5xx and in the error shape', async (t) => {
    const api = new Api(server.tenantry.app);
    const fixtures: FuzzFixtures = await createFuzzFixtures(api);
    const document = (await api.get('/openapi.json')).body;
    const operations: Operation[] = operationsOf(document);
    assert.ok(operations.length > 50, `the document lists ${operations.length} operations`);
    const methodsOf = new Map<string, Set<string>>();
    for (const operation of operations) methodsOf.set(operation.path, (methodsOf.get(operation.path) ?? new Set()).add(operation.method));
    const context = { ids: fixtures.ids, methodsOf };
    const requests = fc.oneof(...operations.map((operation) => ({ weight: weightOf(operation), arbitrary: requestsFor(operation, context) })));

    const failures = new Map<string, Failure>();
    const statuses = new Map<number, number>();
    const reached = new Set<string>();
    let sent = 0;

    /** The throwaway user's session, until a request ends it. */
    let throwawayToken: string | undefined;

    async function tokenFor(request: FuzzRequest): Promise<string | undefined> {
      switch (request.credential) {
        case 'session':
          return fixtures.owner.token;
        case 'api_key':
          return fixtures.apiKey;
        case 'worker':
          return fixtures.workerToken;
        case 'scim':
          return fixtures.scimToken;
        case 'garbage':
          return GARBAGE_TOKENS[sent % GARBAGE_TOKENS.length];
        case 'throwaway': {
          if (throwawayToken) return throwawayToken;
          const login = await api.post('/v1/auth/login', undefined, fixtures.throwaway);
          if (login.status !== 200) throw new Error(`the throwaway user cannot log in: ${login.status} ${JSON.stringify(login.body)}`);
          throwawayToken = login.body.session_token as string;
          return throwawayToken;
        }
        default:
          return undefined;
      }
    }

    async function send(request: FuzzRequest): Promise<Answer | 'hang'> {
      const token = await tokenFor(request);
      const headers = { ...request.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
      sent += 1;
      const response = server.tenantry.app.inject({ method: request.method as 'GET', url: request.url, headers, ...(request.payload !== undefined ? { payload: request.payload } : {}) });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), ANSWER_WITHIN_MS)));
      try {
        const answer = await Promise.race([response, late]);
        if (answer === 'hang') return 'hang';
        const contentType = String(answer.headers['content-type'] ?? '');
        let body: unknown;
        try {
          body = /application\/([\w.-]+\+)?json/.test(contentType) ? JSON.parse(answer.body) : undefined;
        } catch {
          body = undefined;
        }
        // A changed password is the throwaway user's from now on: it logs in with it next time.
        if (keyOf(request.operation) === 'POST /v1/me/password' && answer.statusCode === 200) {
          fixtures.throwaway.password = JSON.parse(request.payload!).new_password;
        }
        if (request.credential === 'throwaway' && answer.statusCode < 300 && ['POST /v1/auth/logout', 'DELETE /v1/me/sessions'].includes(keyOf(request.operation))) {
          throwawayToken = undefined;
        }
        return { status: answer.statusCode, contentType, body, text: answer.body };
      } finally {
        clearTimeout(timer);
      }
    }

    /** What is wrong with the answer, or undefined when nothing is. */
    async function problemWith(request: FuzzRequest, answer: Answer | 'hang'): Promise<string | undefined> {
      const operationKey = keyOf(request.operation);
      if (answer === 'hang') return `no answer within ${ANSWER_WITHIN_MS} ms`;
      if (answer.status >= 500) {
        const upstreamAtFault = INFERENCE.has(operationKey) && [502, 503, 504].includes(answer.status) && ['upstream_error', 'upstream_timeout', 'endpoint_not_ready'].includes(String(codeOf(answer)));
        if (!upstreamAtFault) return `${answer.status} ${String(codeOf(answer) ?? '')}`.trim();
      }
      if (answer.status >= 400) {
        const shape = isScim(request) ? scimErrorShapeProblem(answer) : errorShapeProblem(answer);
        if (shape) return `${answer.status}: ${shape}`;
      }
      // Another route may match the path with this method (DELETE /v1/dedicated_endpoints/{id} for .../templates).
      // An id such as `..` folds the path onto another one, which may not exist at all: then 404 is right.
      const foldsPath = /\/\.{1,2}(\/|\?|$)/.test(request.url);
      if (request.mutation.startsWith('unsupported method') && !foldsPath && answer.status === 404 && codeOf(answer) === 'unknown_path') return 'unsupported method answered 404, not 405';
      // No route matched (an id such as `..` folds the path): nothing of the operation ran.
      if (answer.status === 404 && codeOf(answer) === 'unknown_path') return undefined;
      const field = request.field;
      const credentialed = request.credential !== 'none' && request.credential !== 'garbage';
      if (field && answer.status === 400 && !names(paramOf(answer), field.name)) {
        // The broken field must be the one named, unless the unbroken request is refused for another.
        const base = request.base ? await send(request.base) : undefined;
        const sameRefusal = base !== undefined && base !== 'hang' && base.status === 400 && paramOf(base) === paramOf(answer);
        // A value that may be valid (a hostile number such as 2^31 for a time) can move the request
        // past the check the unbroken one failed, onto another field's: only a sure break must be named.
        const baseAccepted = base !== undefined && base !== 'hang' && base.status < 400;
        if (!sameRefusal && (field.mustRefuse || baseAccepted)) return `400 for a broken ${field.name} names ${JSON.stringify(paramOf(answer))}`;
      }
      if (field?.mustRefuse && credentialed && answer.status < 400) return `a broken ${field.name} was accepted (${answer.status})`;
      // An upload is checked as it streams, after its project (nothing of a refused upload is read).
      const streamed = operationKey === 'POST /v1/files';
      if (field?.mustRefuse && credentialed && !streamed && [403, 404, 409].includes(answer.status)) return `a broken ${field.name} was checked after visibility or state (${answer.status})`;
      return undefined;
    }

    /**
     * Failures are grouped into classes: by problem and mutation, and also by operation where the
     * problem is the operation's own (a 5xx, a field it names wrongly or accepts).
     */
    function record(problem: string, request: FuzzRequest, answer: Answer | undefined) {
      const general = problem.includes('outside the error shape') || problem.startsWith('unsupported method');
      const key = general ? problem : `${problem} | ${keyOf(request.operation)} | ${request.mutation}`;
      const size = request.url.length + (request.payload?.length ?? 0);
      const known = failures.get(key);
      if (!known) failures.set(key, { problem, request, answer, count: 1 });
      else {
        known.count += 1;
        if (size < known.request.url.length + (known.request.payload?.length ?? 0)) Object.assign(known, { request, answer });
      }
    }

    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        if (sent % 50 === 0) await repairFixtures(api, fixtures);
        const started = Date.now();
        const answer = await send(request);
        if (answer !== 'hang') {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status < 400) reached.add(keyOf(request.operation));
        }
        const problem = await problemWith(request, answer);
        if (TRACE) appendFileSync(TRACE, `${Date.now() - started}ms ${answer === 'hang' ? 'hang' : answer.status} ${String(answer === 'hang' ? '' : paramOf(answer))} ${request.credential}${answer !== 'hang' && answer.status >= 400 ? ` [${String((answer.body as { error?: { message?: string } })?.error?.message ?? '').slice(0, 80)}]` : ''} ${request.method} ${request.url.slice(0, 100)} | ${request.mutation} | ${(request.payload ?? '').slice(0, 150)}\n`);
        if (problem) record(problem, request, answer === 'hang' ? undefined : answer);
      }),
      { seed: SEED, numRuns: RUNS },
    );

    t.diagnostic(`seed ${SEED}, ${RUNS} generated requests, ${sent} sent`);
    t.diagnostic(`statuses: ${[...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
    t.diagnostic(`operations answered with a success: ${reached.size} of ${operations.length}`);
    const report = [...failures.values()].map(({ problem, request, answer, count }) => {
      const shown = request.payload && request.payload.length > 200 ? `${request.payload.slice(0, 200)}... (${request.payload.length} characters)` : request.payload;
      const url = request.url.length > 160 ? `${request.url.slice(0, 160)}... (${request.url.length} characters)` : request.url;
      return `${problem} (${count}x): ${request.method} ${url} [${request.credential}] ${JSON.stringify(request.headers)} ${shown === undefined ? '' : JSON.stringify(shown)} -> ${answer ? `${answer.status} ${answer.text.slice(0, 200)}` : 'no answer'}`;
    });
    for (const line of report) t.diagnostic(line);
    assert.deepEqual(report, [], `${failures.size} kinds of failure`);
  });
});
