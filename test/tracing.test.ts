import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { ConfigFile } from '../src/config.ts';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { useTenantry } from './helpers/server.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';

/**
 * Traces and logs, seen from outside: a real OTLP/HTTP receiver (JSON, as the exporter sends it)
 * collects the spans; the server's log lines are captured. A request that carries a `traceparent`
 * yields a server span in the caller's trace, with its database queries and its model-server call as
 * children, and the model server is handed the trace on. The log line of a failed call names the
 * request and its trace. No secret the scenario handles (password, session, API key, cookie, the
 * Authorization header) is in either.
 */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}

interface Receiver {
  url: string;
  bodies: string[];
  /** The collector token each export carried. */
  tokens: string[];
  spans(): OtlpSpan[];
  close(): Promise<void>;
}

async function startOtlpReceiver(): Promise<Receiver> {
  const bodies: string[] = [];
  const tokens: string[] = [];
  const server: Server = createServer(async (request, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    if (request.url === '/v1/traces' && request.method === 'POST') {
      bodies.push(text);
      tokens.push(String(request.headers['x-collector-token']));
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    tokens,
    spans: () =>
      bodies.flatMap((body) => {
        const parsed = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        return parsed.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : undefined);
};

describeEachDatabase('tracing and logs', (kind) => {
  let upstream: FakeUpstream;
  let receiver: Receiver;
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const config: ConfigFile = {};
  const collectorToken = `collector-${randomBytes(8).toString('hex')}`;
  before(async () => {
    upstream = await startFakeUpstream();
    receiver = await startOtlpReceiver();
    config.models = ['chat-model', 'broken'].map((id) => ({ id, upstream: upstream.url }));
    config.tracing = { otlp_endpoint: `${receiver.url}/v1/traces`, service_name: 'tenantry-test', headers: { 'x-collector-token': collectorToken } };
  });
  after(async () => {
    await upstream?.close();
    await receiver?.close();
  });
  // debug: every line the server writes at all is scanned for secrets.
  const server = useTenantry(kind, { config, logStream, logLevel: 'debug' });

  test('a request yields linked spans in the caller\'s trace, its log line names the request and the trace, and no secret is in either', async () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const api = new Api(server.tenantry.app);
    const ann = await signUp(api, 'tracing', password);
    const key = await api.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' });
    assert.equal(key.status, 201);
    const apiKey: string = key.body.key;
    const base = await listen(server.tenantry);

    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const call = (model: string) =>
      fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          cookie: `tenantry_session=${ann.token}`,
          'content-type': 'application/json',
          traceparent: `00-${traceId}-${callerSpanId}-01`,
        },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
      });
    const answer = await call('chat-model');
    assert.equal(answer.status, 200);
    await answer.text();
    const failed = await call('broken');
    assert.equal(failed.status, 502);
    await failed.text();
    // The upstream was handed the trace on.
    const forwarded = upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-2)!;
    assert.match(String(forwarded.headers.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    await server.tenantry.close(); // flushes the spans still buffered
    const spans = receiver.spans();
    assert.ok(receiver.tokens.length > 0 && receiver.tokens.every((t) => t === collectorToken), 'every export carries the configured header');
    const inTrace = spans.filter((s) => s.traceId === traceId);
    const requests = inTrace.filter((s) => s.name === 'POST /v1/chat/completions');
    assert.equal(requests.length, 2, `two server spans in the caller's trace: ${JSON.stringify(inTrace.map((s) => s.name))}`);
    const [ok] = requests.filter((s) => attribute(s, 'http.response.status_code') === 200);
    assert.ok(ok, 'the 200 has its status');
    assert.equal(ok.parentSpanId, callerSpanId, 'the server span continues the caller\'s');
    assert.equal(attribute(ok, 'http.route'), '/v1/chat/completions');
    const children = inTrace.filter((s) => s.parentSpanId === ok.spanId);
    const queries = children.filter((s) => attribute(s, 'db.system.name') === (kind.kind === 'postgres' ? 'postgresql' : 'sqlite'));
    assert.ok(queries.length >= 1, `database spans under the request: ${JSON.stringify(children.map((s) => s.name))}`);
    assert.ok(queries.every((q) => typeof attribute(q, 'db.query.text') === 'string'));
    const upstreamCalls = children.filter((s) => String(attribute(s, 'url.full') ?? '').startsWith(upstream.url));
    assert.equal(upstreamCalls.length, 1, 'the model-server call is a child span');
    assert.equal(String(forwarded.headers.traceparent).split('-')[2], upstreamCalls[0]!.spanId, 'the upstream was handed the client span');

    const failure = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => String(l.msg).includes('model server for broken'));
    assert.ok(failure, `a log line for the failed call among ${lines.length}`);
    const failedSpan = requests.find((s) => attribute(s, 'http.response.status_code') === 502)!;
    assert.equal(failure.trace_id, traceId);
    assert.equal(failure.reqId, attribute(failedSpan, 'tenantry.request_id'));
    assert.equal(typeof failure.reqId, 'string');

    const secrets = new Map([
      ['password', password],
      ['session token', ann.token],
      ['API key', apiKey],
      ['the API key\'s random part', apiKey.slice(-24)],
      ['the collector token', collectorToken],
    ]);
    const exported = receiver.bodies.join('\n');
    const logged = lines.join('\n');
    for (const [label, secret] of secrets) {
      assert.ok(!exported.includes(secret), `${label} is not in the exported spans`);
      assert.ok(!logged.includes(secret), `${label} is not in the log`);
    }
    for (const header of ['authorization', 'cookie', 'Bearer ']) assert.ok(!exported.toLowerCase().includes(header.toLowerCase()), `no ${header} in the spans`);
    // The scan reads what it scans: the request ids and the trace are in both.
    assert.ok(exported.includes(traceId) && logged.includes(traceId));
  });
});
