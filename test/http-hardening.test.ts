import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { CONSOLE_CSP } from '../src/http/routes/console.ts';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { startTenantry, useTenantry } from './helpers/server.ts';

const WORKER_TOKEN = 'hardening-worker-token';
const json = { 'content-type': 'application/json' };
const BOUNDARY = 'hardeningboundary';
const multipart = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

/** A multipart body by hand, so that a test can put in it what no well-behaved client would. */
function form(parts: { name: string; filename?: string; value: string }[], closed = true): string {
  const body = parts
    .map((p) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}\r\n\r\n${p.value}\r\n`)
    .join('');
  return closed ? `${body}--${BOUNDARY}--\r\n` : body;
}

function assertRefused(response: { status: number; body: unknown }, param: string | null, status = 400): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  const error = errorOf(response as never);
  assert.equal(error.type, 'invalid_request_error');
  assert.equal(error.param, param);
}

describeEachDatabase('HTTP hardening', (kind) => {
  const server = useTenantry(kind, { config: { files: { max_bytes: 1024 * 1024 } }, env: { TENANTRY_WORKER_TOKEN: WORKER_TOKEN } });
  const api = () => new Api(server.tenantry.app);
  const keyFor = async (token: string, projectId: string): Promise<string> => (await api().post(`/v1/projects/${projectId}/api_keys`, token, { name: 'k' })).body.key;

  test('U+0000 and unpaired surrogates are refused with 400 naming the field, signed in or not, in bodies, paths and queries', async () => {
    // Unauthenticated, on the public routes.
    assertRefused(await api().post('/v1/auth/login', undefined, { email: 'ann\u0000@example.test', password: 'a long password' }), 'email');
    assertRefused(await api().post('/v1/auth/signup', undefined, { email: 'nul@example.test', password: 'a long password', name: 'N\u0000' }), 'name');
    // A lone surrogate can only arrive as a JSON escape.
    assertRefused(await api().request('POST', '/v1/auth/login', { rawBody: '{"email":"ann\\ud800@example.test","password":"a long password"}', headers: json }), 'email');

    const ann = await signUp(api(), 'ann');
    assertRefused(await api().request('POST', '/v1/organizations', { token: ann.token, rawBody: '{"name":"a\\udc00b"}', headers: json }), 'name');
    assertRefused(await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'p', regions: ['eu-north1', 'eu-west1\u0000'] }), 'regions.1');
    assertRefused(await api().post('/v1/organizations', ann.token, { name: 'ok', 'x\u0000': 1 }), 'x\\u0000');
    // Path parameters and query filters, percent-encoded.
    assertRefused(await api().get(`/v1/organizations/${ann.org.id}%00`, ann.token), 'org');
    assertRefused(await api().get(`/v1/projects/${ann.project.id}/api_keys/key_%00`, ann.token), 'key');
    assertRefused(await api().get(`/v1/organizations/${ann.org.id}/audit_logs?type=%00`, ann.token), 'type');
    // A surrogate's bytes percent-encoded are not UTF-8: they decode to U+FFFD, an ordinary character.
    assert.equal((await api().get(`/v1/organizations/${ann.org.id}/audit_logs?actor_id=%ED%A0%80`, ann.token)).status, 200);
    assertRefused(await api().get(`/v1/files?project_id=${ann.project.id}%00`, ann.token), 'project_id');

    // Credentials still come first.
    assert.equal((await api().post('/v1/organizations', undefined, { name: 'a\u0000' })).status, 401);
    // Nothing was written, and what was refused did not break what is there.
    const organizations = await api().get('/v1/organizations', ann.token);
    assert.equal(organizations.status, 200);
    assert.deepEqual(organizations.body.data.map((o: { id: string }) => o.id), [ann.org.id]);
  });

  test('a body nested deeper than 64 levels is refused with 400, however deep, instead of exhausting the stack', async () => {
    const ann = await signUp(api(), 'ann');
    for (const depth of [65, 200_000]) {
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const response = await api().request('POST', '/v1/organizations', { token: ann.token, rawBody: `{"name": "deep", "a": ${nested}}`, headers: json });
      assert.equal(response.status, 400, `depth ${depth}`);
      assert.equal(errorOf(response).code, 'too_deep');
      assert.match(String(errorOf(response).param), /^a(\.0)+$/);
    }
    const ordinary = await api().post('/v1/organizations', ann.token, { name: 'shallow' });
    assert.equal(ordinary.status, 201);
  });

  test('a name with a control character is refused; one of any printable Unicode, astral included, is kept', async () => {
    const ann = await signUp(api(), 'ann');
    assertRefused(await api().post('/v1/organizations', ann.token, { name: 'two\nlines' }), 'name');
    assertRefused(await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'bell\u0007' }), 'name');
    assertRefused(await api().patch(`/v1/projects/${ann.project.id}`, ann.token, { name: 'c1\u0085' }), 'name');
    const kept = await api().post('/v1/organizations', ann.token, { name: 'Zoë’s 🚀 lab' });
    assert.equal(kept.status, 201);
    assert.equal((await api().get(`/v1/organizations/${kept.body.id}`, ann.token)).body.name, 'Zoë’s 🚀 lab');
  });

  test('an upload whose file name or field holds U+0000 or a control character is refused with 400, and nothing is listed', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyFor(ann.token, ann.project.id);
    const upload = (body: string) => api().request('POST', '/v1/files', { token: key, rawBody: body, headers: multipart });
    const line = '{"text": "hello"}';
    const refusals: [string, string, string][] = [
      ['fine-tune', 'a\u0000.jsonl', 'file'],
      ['fine-tune', 'tab\there.jsonl', 'file'],
      ['fine-\u0000tune', 'a.jsonl', 'purpose'],
    ];
    for (const [purpose, filename, param] of refusals) {
      const refused = await upload(form([{ name: 'purpose', value: purpose }, { name: 'file', filename, value: line }]));
      assertRefused(refused, param);
      assert.equal(errorOf(refused).code, 'invalid_characters');
    }
    assert.deepEqual((await api().get('/v1/files', key)).body.data, []);
    const fine = await upload(form([{ name: 'purpose', value: 'fine-tune' }, { name: 'file', filename: 'résumé 🚀.jsonl', value: '{"text": "hello"}' }]));
    assert.equal(fine.status, 200, JSON.stringify(fine.body));
    assert.equal(fine.body.filename, 'résumé 🚀.jsonl');
  });

  test('a multipart form without a boundary, or cut before its closing boundary, is the client\'s fault: 400 in the error shape', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyFor(ann.token, ann.project.id);
    const send = (body: string, headers: Record<string, string> = multipart) => api().request('POST', '/v1/files', { token: key, rawBody: body, headers });

    const noBoundary = await send(form([{ name: 'purpose', value: 'batch' }, { name: 'file', filename: 'a.jsonl', value: '{}' }]), { 'content-type': 'multipart/form-data' });
    assertRefused(noBoundary, 'file');
    assert.equal(errorOf(noBoundary).code, 'invalid_multipart');

    // Cut inside the file part: the file never ends.
    const cutInFile = await send(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{"a": 1}\n`);
    assertRefused(cutInFile, 'file');
    assert.equal(errorOf(cutInFile).code, 'invalid_multipart');
    // Cut just after a whole file part: its delimiter came, the closing `--` did not.
    const wholeFile = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{"a": 1}\n\r\n--${BOUNDARY}`;
    for (const cutAfterFile of [await send(wholeFile), await send(`${wholeFile}\r\n`)]) {
      assertRefused(cutAfterFile, 'file');
      assert.equal(errorOf(cutAfterFile).code, 'invalid_multipart');
    }
    // Cut inside a part's headers, and cut before the file came.
    assertRefused(await send(`--${BOUNDARY}\r\nContent-Disposition: form-da`), 'file');
    assertRefused(await send(form([{ name: 'purpose', value: 'batch' }], false)), 'file');
    assert.deepEqual((await api().get('/v1/files', key)).body.data, []);

    // The workers' result-file upload likewise; and its `path` (the file's name) is one line of text.
    const worker = { authorization: `Bearer ${WORKER_TOKEN}`, 'x-worker-id': 'w1' };
    const workerUpload = (path: string, headers: Record<string, string>) =>
      api().request('POST', `/v1/workers/jobs/ftjob-none/result_files?path=${path}`, { rawBody: form([{ name: 'file', filename: 'a.bin', value: 'x' }]), headers: { ...worker, ...headers } });
    const workerNoBoundary = await workerUpload('adapter.bin', { 'content-type': 'multipart/form-data' });
    assertRefused(workerNoBoundary, 'file');
    assert.equal(errorOf(workerNoBoundary).code, 'invalid_multipart');
    assertRefused(await workerUpload('adapter%0A.bin', multipart), 'path');
    assertRefused(await workerUpload('adapter%00.bin', multipart), 'path');
  });

  test('the same cut form over a socket answers 400, not 500, and leaves no file behind', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyFor(ann.token, ann.project.id);
    const base = await listen(server.tenantry);
    const body = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n${'{"text": "abc"}\n'.repeat(2000)}`;
    const response = await fetch(`${base}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...multipart }, body });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as any).error.code, 'invalid_multipart');
    assert.deepEqual((await api().get('/v1/files', key)).body.data, []);
  });

  test('an upload refused before its 5 MB body is read still gets its 4xx through fetch', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyFor(ann.token, ann.project.id);
    const base = await listen(server.tenantry);
    const headers = { authorization: `Bearer ${key}` };
    const big = new Blob([Buffer.alloc(5 * 1024 * 1024, 'x')]);
    const cases: { purpose: string; status: number; code: string }[] = [
      { purpose: 'nope', status: 400, code: 'invalid_value' }, // refused at the first field
      { purpose: 'batch', status: 413, code: 'payload_too_large' }, // refused at max_bytes (1 MB)
    ];
    for (const { purpose, status, code } of cases) {
      const body = new FormData();
      body.append('purpose', purpose);
      body.append('file', big, 'big.jsonl');
      const refused = await fetch(`${base}/v1/files`, { method: 'POST', headers, body });
      assert.equal(refused.status, status);
      assert.equal(((await refused.json()) as any).error.code, code);
    }
  });

  test('after a body refused half-read, the server reads the rest: the client finishes sending, and its next request is answered', { timeout: 60_000 }, async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyFor(ann.token, ann.project.id);
    const base = new URL(await listen(server.tenantry));
    // One socket at a time: the request after the refused one waits for the refused one to be sent to
    // its end, which it never is while nobody reads the rest of its body (the test then times out).
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, headers: Record<string, string>, chunks: (string | Buffer)[] = []) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        let answer: { status: number; body: any } | undefined;
        let sent = false;
        const req = httpRequest({ host: base.hostname, port: base.port, method, path, agent, headers: { authorization: `Bearer ${key}`, ...headers } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            answer = { status: res.statusCode!, body: text ? JSON.parse(text) : undefined };
            if (sent) resolve(answer);
          });
        });
        req.on('finish', () => {
          sent = true;
          if (answer) resolve(answer);
        });
        req.on('error', reject);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    try {
      const fiveMegabytes = Buffer.alloc(5 * 1024 * 1024, 'x');
      const upload = (purpose: string) => [
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n`,
        fiveMegabytes,
        `\r\n--${BOUNDARY}--\r\n`,
      ];
      const refusals: [string, string, Record<string, string>, (string | Buffer)[], number][] = [
        ['refused at its first field', '/v1/files', multipart, upload('nope'), 400],
        ['refused at the size limit', '/v1/files', multipart, upload('batch'), 413],
        ['a JSON body over the body limit', '/v1/organizations', json, [JSON.stringify({ name: fiveMegabytes.toString() })], 413],
      ];
      for (const [what, path, headers, chunks, status] of refusals) {
        const refused = await send('POST', path, headers, chunks);
        assert.equal(refused.status, status, what);
        errorOf(refused as never);
        const next = await send('GET', '/v1/files', {});
        assert.equal(next.status, 200, what);
      }
    } finally {
      agent.destroy();
    }
  });

  test('answers of the router itself use the error shape: a path that does not decode is 400, an over-long parameter 414', async () => {
    const ann = await signUp(api(), 'ann');
    const badUrl = await api().get('/v1/organizations/%E0%A4%A', ann.token);
    assertRefused(badUrl, null);
    assert.equal(errorOf(badUrl).code, 'invalid_url');
    assert.equal(badUrl.headers['x-content-type-options'], 'nosniff');
    const tooLong = await api().get(`/v1/organizations/${'x'.repeat(600)}`, ann.token);
    assertRefused(tooLong, null, 414);
    assert.equal(errorOf(tooLong).code, 'uri_too_long');
    // A long but ordinary parameter (a fine-tuned model id, URL-encoded) still reaches its route.
    const model = encodeURIComponent(`ft:meta-llama/Llama-3.3-70B-Instruct:${ann.org.id}:${'s'.repeat(64)}:ftjob-abcdefghijklmnopqrstuvwxyz`);
    assert.ok(model.length > 150);
    const limits = await api().post(`/v1/projects/${ann.project.id}/rate_limits/${model}`, ann.token, { max_requests_per_1_minute: 1 });
    assert.notEqual(limits.status, 414);
    errorOf(limits);
  });

  test('what the HTTP parser itself refuses (a malformed header, headers too large) is answered in the error shape too', async () => {
    const base = new URL(await listen(server.tenantry));
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(base.port), base.hostname, () => socket.end(request));
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('close', () => resolve(text));
        socket.on('error', (error) => (text ? resolve(text) : reject(error)));
      });
    const answers: [string, number][] = [
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nNot a header line\r\n\r\n', 400],
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431],
    ];
    for (const [request, status] of answers) {
      const answer = await raw(request);
      const [head, body] = answer.split('\r\n\r\n');
      assert.match(head!, new RegExp(`^HTTP/1.1 ${status} `));
      assert.match(head!, /content-type: application\/json/i);
      const parsed = JSON.parse(body!);
      assert.equal(errorOf({ status, body: parsed, headers: {} }).type, 'invalid_request_error');
    }
  });

  test('a known path asked with a method it does not take answers 405 with Allow; an unknown path stays 404', async () => {
    const ann = await signUp(api(), 'ann');
    const put = await api().request('PUT', '/v1/organizations', { token: ann.token, body: { name: 'x' } });
    assert.equal(put.status, 405);
    assert.equal(errorOf(put).code, 'method_not_allowed');
    assert.deepEqual(String(put.headers.allow).split(', ').sort(), ['GET', 'HEAD', 'POST']);
    const getLogin = await api().get('/v1/auth/login');
    assert.equal(getLogin.status, 405);
    assert.equal(getLogin.headers.allow, 'POST');
    const withParams = await api().request('PUT', `/v1/projects/${ann.project.id}/api_keys/key_x`, { token: ann.token, body: {} });
    assert.equal(withParams.status, 405);
    assert.deepEqual(String(withParams.headers.allow).split(', ').sort(), ['DELETE', 'GET', 'HEAD']);
    const unknown = await api().get('/v1/nothing-here', ann.token);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.allow, undefined);
  });

  test('answers that carry a session token, a CSRF token or a secret are never cached; every answer is nosniff', async () => {
    const email = `cache.${Date.now()}@example.test`;
    const signup = await api().post('/v1/auth/signup', undefined, { email, password: 'a long password', name: 'C' });
    const login = await api().post('/v1/auth/login', undefined, { email, password: 'a long password' });
    const token = login.body.session_token;
    const me = await api().get('/v1/me', token);
    const key = await api().post(`/v1/projects/${signup.body.project.id}/api_keys`, token, { name: 'k' });
    const rotated = await api().post(`/v1/projects/${signup.body.project.id}/api_keys/${key.body.id}/rotate`, token, {});
    const bot = await api().post(`/v1/organizations/${signup.body.organization.id}/service_accounts`, token, { name: 'bot' });
    const orgKey = await api().post(`/v1/organizations/${signup.body.organization.id}/api_keys`, token, { name: 'auto', owner_id: bot.body.id });
    for (const [what, response] of Object.entries({ signup, login, me, key, rotated, orgKey })) {
      assert.ok(response.status < 300, `${what}: ${response.status}`);
      assert.equal(response.headers['cache-control'], 'no-store', what);
      assert.equal(response.headers['x-content-type-options'], 'nosniff', what);
    }
    // A refused login is as private as a granted one.
    assert.equal((await api().post('/v1/auth/login', undefined, { email, password: 'wrong password' })).headers['cache-control'], 'no-store');

    const plain = await api().get('/v1/organizations', token);
    assert.equal(plain.headers['cache-control'], undefined);
    assert.equal(plain.headers['x-content-type-options'], 'nosniff');
    for (const response of [await api().get('/v1/nothing-here', token), await api().post('/v1/organizations', undefined, {}), await api().get('/healthz')]) {
      assert.match(String(response.headers['content-type']), /application\/json/);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
    }
  });

  test('/docs is served with a CSP that allows only its own files and forbids framing; the console keeps its own', async () => {
    const page = await api().get('/docs/');
    assert.equal(page.status, 200);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    // The page's scripts are files under /docs, which the CSP allows; there is no inline script to allow.
    assert.doesNotMatch(String(page.body), /<script>|<script(?![^>]*\ssrc=)[^>]*>/);
    for (const src of String(page.body).match(/src="[^"]+"/g) ?? []) {
      const path = new URL(src.slice(5, -1), 'http://server/docs/').pathname;
      const asset = await api().get(path);
      assert.equal(asset.status, 200, path);
    }
    const document = await api().get('/docs/json');
    assert.equal(document.status, 200);
    // The console's page (built or not) still carries its own policy.
    const consolePage = await api().get('/', undefined, { accept: 'text/html' });
    assert.equal(consolePage.headers['content-security-policy'], CONSOLE_CSP);
  });
});

describeEachDatabase('result files of fine-tuning workers', (kind) => {
  const BASE_MODEL = 'acme/tunable';
  const server = useTenantry(kind, {
    env: { TENANTRY_WORKER_TOKEN: WORKER_TOKEN },
    config: { files: { max_bytes: 4 * 1024 * 1024 }, models: [{ id: BASE_MODEL, upstream: 'http://127.0.0.1:9/v1', fine_tunable: true }] },
  });
  const api = () => new Api(server.tenantry.app);

  test('a result file over 1 MiB is kept whole up to files.max_bytes, and one over it is refused with 413, not cut short', async () => {
    const ann = await signUp(api(), 'ann');
    const key = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key;
    const training = await api().request('POST', '/v1/files', { token: key, rawBody: form([{ name: 'purpose', value: 'fine-tune' }, { name: 'file', filename: 't.jsonl', value: '{"text": "hello"}' }]), headers: multipart });
    assert.equal(training.status, 200, JSON.stringify(training.body));
    const job = await api().post('/v1/fine_tuning/jobs', key, { model: BASE_MODEL, training_file: training.body.id });
    assert.equal(job.status, 200, JSON.stringify(job.body));
    const worker = { authorization: `Bearer ${WORKER_TOKEN}`, 'x-worker-id': 'w1' };
    const claimed = await api().request('POST', '/v1/workers/claim', { headers: worker, body: { lease_seconds: 60 } });
    assert.equal(claimed.body.job.id, job.body.id);
    const upload = (path: string, bytes: number) =>
      api().request('POST', `/v1/workers/jobs/${job.body.id}/result_files?path=${path}`, {
        rawBody: form([{ name: 'file', filename: path, value: 'r'.repeat(bytes) }]),
        headers: { ...worker, ...multipart },
      });

    const kept = await upload('adapter.bin', 3 * 1024 * 1024);
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    const stored = await api().get(`/v1/files/${kept.body.id}`, key);
    assert.equal(stored.body.bytes, 3 * 1024 * 1024);
    const content = await api().get(`/v1/files/${kept.body.id}/content`, key);
    assert.equal(String(content.body).length, 3 * 1024 * 1024);

    const tooLarge = await upload('huge.bin', 5 * 1024 * 1024);
    assertRefused(tooLarge, 'file', 413);
    assert.equal(errorOf(tooLarge).code, 'payload_too_large');
    const files = (await api().get('/v1/files', key)).body.data.map((f: { filename: string }) => f.filename).sort();
    assert.deepEqual(files, ['adapter.bin', 't.jsonl']);
  });
});

describeEachDatabase('shutting down', (kind) => {
  test('a request that arrives on an open connection while the server shuts down gets 503 in the error shape', async () => {
    const database = await kind.create();
    const tenantry = await startTenantry(database);
    try {
      const base = new URL(await listen(tenantry));
      const socket = connect(Number(base.port), base.hostname);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      // A first request, routed but not complete (half its body sent), keeps the connection busy...
      const body = JSON.stringify({ email: 'nobody@example.test', password: 'not the password' });
      const routed = new Promise<void>((resolve) => tenantry.app.server.once('request', () => resolve()));
      socket.write(`POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
      await routed;
      // ...while the server begins to shut down; then the rest of it, and a second request behind it.
      const closed = tenantry.close();
      while (tenantry.app.server.listening) await new Promise((resolve) => setImmediate(resolve));
      socket.write(`${body.slice(10)}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
      await ended;
      await closed;
      const answers = text.split(/(?=HTTP\/1\.1 )/);
      assert.equal(answers.length, 2, text);
      assert.match(answers[0]!, /^HTTP\/1\.1 401 /);
      assert.match(answers[1]!, /^HTTP\/1\.1 503 /);
      const error = JSON.parse(answers[1]!.split('\r\n\r\n')[1]!).error;
      assert.equal(error.type, 'api_error');
      assert.equal(error.code, 'server_shutting_down');
    } finally {
      await tenantry.close();
      await database.drop();
    }
  });
});

describeEachDatabase('data on disk', (kind) => {
  test('a fresh data folder, its SQLite database with -wal and -shm, the secret and uploaded files are readable by their owner only, whatever the umask', async () => {
    const database = await kind.create();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tenantry-private-')), 'data', 'nested');
    const previous = process.umask(0);
    let tenantry;
    try {
      tenantry = await startTenantry(database, {
        env: { TENANTRY_DATA_DIR: dataDir, TENANTRY_SECRET: '', ...(kind.kind === 'sqlite' ? { DATABASE_URL: `sqlite:${join(dataDir, 'tenantry.db')}` } : {}) },
      });
      const api = new Api(tenantry.app);
      const ann = await signUp(api, 'ann');
      const key = (await api.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key;
      const uploaded = await api.request('POST', '/v1/files', { token: key, rawBody: form([{ name: 'purpose', value: 'fine-tune' }, { name: 'file', filename: 'a.jsonl', value: '{"text": "hello"}' }]), headers: multipart });
      assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));

      const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
      assert.equal(mode(dataDir), '700');
      assert.equal(mode(join(dataDir, '..')), '700', 'a parent folder it created too');
      assert.equal(mode(join(dataDir, 'files')), '700');
      assert.equal(mode(join(dataDir, 'files', uploaded.body.id)), '600');
      assert.equal(mode(join(dataDir, 'secret')), '600');
      if (kind.kind === 'sqlite') {
        for (const name of ['tenantry.db', 'tenantry.db-wal', 'tenantry.db-shm']) assert.equal(mode(join(dataDir, name)), '600', name);
      }
    } finally {
      process.umask(previous);
      await tenantry?.close();
      await database.drop();
    }
  });
});
