import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { ConfigFile } from '../src/config.ts';
import { Api, errorOf, signUp, type SignedUpUser } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { addMember, groupNamed } from './helpers/organizations.ts';
import { startTenantry, TestClock, useTenantry } from './helpers/server.ts';
import { bodyOf, startSmtpReceiver } from './helpers/smtp.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/worker.ts';

/**
 * The fake upstream answers every chat completion with 5 input and 7 output tokens. At these prices
 * a call to `chat-model` costs exactly USD 1 (5 × 0.2) and a call to `free-model` nothing.
 */
const PRICES: NonNullable<ConfigFile['prices']> = {
  models: [{ id: 'chat-model', input_per_million_tokens: 200_000, output_per_million_tokens: 0 }],
};

/** A real HTTP receiver for webhooks that refuses the first `failFirst` deliveries with 500. */
async function startReceiver(failFirst: number) {
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string; answered: number }> = [];
  let failuresLeft = failFirst;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const answered = failuresLeft > 0 ? 500 : 200;
      if (failuresLeft > 0) failuresLeft -= 1;
      received.push({ headers: request.headers, body, answered });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hooks`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describeEachDatabase('budgets and spend', (kind) => {
  let upstream: FakeUpstream;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  const config: ConfigFile = { prices: PRICES, webhooks: { first_retry_seconds: 0.05, max_attempts: 4, timeout_seconds: 2, allow_private_addresses: true } };
  const clock = new TestClock();
  before(async () => {
    upstream = await startFakeUpstream();
    smtp = await startSmtpReceiver();
    config.models = ['chat-model', 'free-model'].map((id) => ({ id, upstream: upstream.url }));
    config.rate_limits = { max_requests_per_1_minute: 10_000, max_tokens_per_1_minute: 10_000_000, ceiling: { max_requests_per_1_minute: 10_000, max_tokens_per_1_minute: 10_000_000 } };
    config.smtp = { host: '127.0.0.1', port: smtp.port, from: 'Tenantry <no-reply@example.test>' };
  });
  after(async () => {
    await upstream?.close();
    await smtp?.close();
  });
  const server = useTenantry(kind, { config, clock });
  const api = () => new Api(server.tenantry.app);

  async function keyOf(owner: SignedUpUser, projectId = owner.project.id): Promise<{ id: string; key: string }> {
    const created = await api().post(`/v1/projects/${projectId}/api_keys`, owner.token, { name: 'budgeted' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  }

  const chat = (key: string, model = 'chat-model') => api().post('/v1/chat/completions', key, { model, messages: [{ role: 'user', content: 'hi' }] });

  async function budget(owner: SignedUpUser, path: string, body: Record<string, unknown>) {
    const created = await api().post(`${path}/budgets`, owner.token, { period: 'month', ...body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as { id: string; level: string; amount: number; period: string };
  }

  /** Calls until one is refused; answers how many went through and the refusal. */
  async function spendUntilRefused(key: string, most: number) {
    for (let made = 0; made < most; made += 1) {
      const answer = await chat(key);
      if (answer.status !== 200) return { made, refusal: answer };
    }
    assert.fail(`no refusal after ${most} calls`);
  }

  test('spend is usage at the configured prices, per project, key and model, in the spend and the usage API', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyOf(ann);
    for (const model of ['chat-model', 'chat-model', 'free-model']) assert.equal((await chat(key.key, model)).status, 200);
    const start = clock.now() - 3600;
    const spend = await api().get(`/v1/organizations/${ann.org.id}/spend?start_time=${start}&group_by=project_id,api_key_id,model`, ann.token);
    assert.equal(spend.status, 200, JSON.stringify(spend.body));
    const results = spend.body.data.flatMap((b: { results: unknown[] }) => b.results);
    const byModel = new Map(results.map((r: { model: string }) => [r.model, r]));
    assert.deepEqual(byModel.get('chat-model'), {
      object: 'organization.costs.result',
      amount: { value: 2, currency: 'usd' },
      project_id: ann.project.id,
      api_key_id: key.id,
      model: 'chat-model',
      num_model_requests: 2,
      input_tokens: 10,
      output_tokens: 14,
    });
    assert.deepEqual((byModel.get('free-model') as { amount: unknown }).amount, { value: 0, currency: 'usd' });

    const project = await api().get(`/v1/projects/${ann.project.id}/spend?start_time=${start}`, ann.token);
    assert.deepEqual(project.body.data.flatMap((b: { results: Array<{ amount: unknown }> }) => b.results.map((r) => r.amount)), [{ value: 2, currency: 'usd' }]);
    const usage = await api().get(`/v1/projects/${ann.project.id}/usage?start_time=${start}&group_by=model`, ann.token);
    const chatUsage = usage.body.data.flatMap((b: { results: Array<{ model: string }> }) => b.results).find((r: { model: string }) => r.model === 'chat-model');
    assert.deepEqual(chatUsage.amount, { value: 2, currency: 'usd' });
  });

  // The precedence table: whichever level holds the least, binds; the refusal names it.
  for (const [name, amounts, binds] of [
    ['org 5, project 4, key 2: the key binds', { organization: 5, project: 4, api_key: 2 }, 'api_key'],
    ['org 5, project 2, key 4: the project binds', { organization: 5, project: 2, api_key: 4 }, 'project'],
    ['org 2, project 4, key 5: the organization binds', { organization: 2, project: 4, api_key: 5 }, 'organization'],
  ] as const) {
    test(`the tightest hard budget wins (${name}); the chain shows it and the refusal names it`, async () => {
      const ann = await signUp(api(), 'ann');
      const key = await keyOf(ann);
      const created = {
        organization: await budget(ann, `/v1/organizations/${ann.org.id}`, { amount: amounts.organization }),
        project: await budget(ann, `/v1/projects/${ann.project.id}`, { amount: amounts.project }),
        api_key: await budget(ann, `/v1/projects/${ann.project.id}`, { amount: amounts.api_key, api_key_id: key.id }),
      };
      assert.equal(created.api_key.level, 'api_key');
      const effective = await api().get(`/v1/projects/${ann.project.id}/budgets/effective?api_key_id=${key.id}`, ann.token);
      assert.equal(effective.status, 200, JSON.stringify(effective.body));
      assert.deepEqual(effective.body.chain.map((b: { level: string }) => b.level), ['organization', 'project', 'api_key']);
      assert.equal(effective.body.binding_budget_id, created[binds].id);
      assert.deepEqual(effective.body.chain.filter((b: { binds: boolean }) => b.binds).map((b: { id: string }) => b.id), [created[binds].id]);

      const { made, refusal } = await spendUntilRefused(key.key, 10);
      assert.equal(made, amounts[binds], 'every call costs USD 1');
      assert.equal(refusal.status, 429);
      assert.equal(errorOf(refusal).code, 'budget_exceeded');
      assert.equal(errorOf(refusal).type, 'rate_limit_error');
      assert.deepEqual(refusal.body.error.budget, { id: created[binds].id, level: binds, amount: amounts[binds], tokens: null, period: 'month' });
      assert.ok(Number(refusal.headers['retry-after']) > 0, 'Retry-After: when the period renews');

      const spent = await api().get(`/v1/projects/${ann.project.id}/budgets/effective?api_key_id=${key.id}`, ann.token);
      const binding = spent.body.chain.find((b: { id: string }) => b.id === created[binds].id);
      assert.deepEqual({ spent: binding.spent, remaining: binding.remaining, exhausted: binding.exhausted }, { spent: { amount: amounts[binds], tokens: 12 * amounts[binds] }, remaining: { amount: 0, tokens: null }, exhausted: true });
    });
  }

  test('a key budget binds only calls through that key; the project\'s other keys go on', async () => {
    const ann = await signUp(api(), 'ann');
    const [capped, free] = [await keyOf(ann), await keyOf(ann)];
    await budget(ann, `/v1/projects/${ann.project.id}`, { amount: 1, api_key_id: capped.id });
    assert.equal((await chat(capped.key)).status, 200);
    assert.equal((await chat(capped.key)).status, 429);
    assert.equal((await chat(free.key)).status, 200);
  });

  test('a token budget refuses once its tokens are used, whatever the money', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyOf(ann);
    await budget(ann, `/v1/projects/${ann.project.id}`, { amount: 1000, tokens: 24 });
    assert.equal((await chat(key.key, 'free-model')).status, 200);
    assert.equal((await chat(key.key, 'free-model')).status, 200);
    const refused = await chat(key.key, 'free-model');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.budget.tokens, 24);
  });

  test('concurrent calls overshoot a hard budget by at most their own cost, and the next call is refused', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyOf(ann);
    const amount = 3;
    const created = await budget(ann, `/v1/projects/${ann.project.id}`, { amount });
    assert.equal((await chat(key.key)).status, 200, 'warm: the budgets are held in memory');
    const inFlight = 8;
    const answers = await Promise.all(Array.from({ length: inFlight }, () => chat(key.key)));
    const admitted = answers.filter((a) => a.status === 200).length;
    assert.ok(answers.every((a) => a.status === 200 || (a.status === 429 && a.body.error.code === 'budget_exceeded')));
    const effective = await api().get(`/v1/projects/${ann.project.id}/budgets/effective`, ann.token);
    const spent = effective.body.chain.find((b: { id: string }) => b.id === created.id).spent.amount;
    assert.equal(spent, 1 + admitted, 'each admitted call counted once');
    // The bound: what was spent before the burst, plus the cost of the calls in flight at once.
    assert.ok(spent <= amount + inFlight * 1, `spent ${spent} > ${amount} + ${inFlight} in flight`);
    assert.equal((await chat(key.key)).status, 429, 'once the answers are counted, nothing more gets through');
  });

  test('a warm call under budgets at every level runs no database query: admission and counting are in memory', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyOf(ann);
    await budget(ann, `/v1/organizations/${ann.org.id}`, { amount: 100 });
    await budget(ann, `/v1/projects/${ann.project.id}`, { amount: 50 });
    await budget(ann, `/v1/projects/${ann.project.id}`, { amount: 10, api_key_id: key.id });
    assert.equal((await chat(key.key)).status, 200, 'warm');
    await server.tenantry.services.flush();
    const before = server.tenantry.store.queryCount();
    assert.equal((await chat(key.key)).status, 200);
    assert.equal(server.tenantry.store.queryCount() - before, 0);
  });

  test('a day budget renews when the day turns (the clock moved); the month budget does not', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyOf(ann);
    await budget(ann, `/v1/projects/${ann.project.id}`, { amount: 2, period: 'day' });
    const { made, refusal } = await spendUntilRefused(key.key, 5);
    assert.equal(made, 2);
    assert.equal(refusal.body.error.budget.period, 'day');
    const monthly = await budget(ann, `/v1/organizations/${ann.org.id}`, { amount: 3, period: 'month' });
    clock.advance(86_400);
    try {
      const renewed = await chat(key.key);
      assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
      const month = await chat(key.key);
      assert.equal(month.status, 429);
      // Unless the test runs across a month's end, the month's budget counts all three calls.
      if (new Date((clock.now() - 86_400) * 1000).getUTCMonth() === new Date(clock.now() * 1000).getUTCMonth()) assert.equal(month.body.error.budget.id, monthly.id);
    } finally {
      clock.advance(-86_400);
    }
  });

  test('a soft budget alerts by email at 50, 80 and 100% once each, and never refuses', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyOf(ann);
    const before = smtp.messages.length;
    await budget(ann, `/v1/projects/${ann.project.id}`, { amount: 5, hard: false, alert_emails: ['finance@example.test'] });
    for (let call = 0; call < 7; call += 1) assert.equal((await chat(key.key)).status, 200, 'a soft budget refuses nothing');
    await smtp.waitFor(before + 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const mails = smtp.messages.slice(before).filter((m) => m.to.includes('finance@example.test'));
    assert.equal(mails.length, 3, 'one mail per threshold');
    const text = mails.map(bodyOf).join('\n');
    for (const threshold of ['50%', '80%', '100%']) assert.match(text, new RegExp(`reached ${threshold}`));
  });

  test('a budget given a new limit is alerted on afresh', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyOf(ann);
    const to = `raise.${Date.now()}@example.test`;
    const created = await budget(ann, `/v1/projects/${ann.project.id}`, { amount: 2, hard: false, alert_emails: [to] });
    const mailsTo = () => smtp.messages.filter((m) => m.to.includes(to));
    assert.equal((await chat(key.key)).status, 200);
    await waitFor(async () => (mailsTo().length === 1 ? true : undefined), 'the 50% alert', 3000);
    assert.equal((await api().patch(`/v1/projects/${ann.project.id}/budgets/${created.id}`, ann.token, { amount: 4 })).status, 200);
    assert.equal((await chat(key.key)).status, 200, 'USD 2 of the new 4: 50% again');
    await waitFor(async () => (mailsTo().length === 2 ? true : undefined), 'the 50% alert of the new limit', 3000);
    assert.match(bodyOf(mailsTo()[1]!), /USD 4 per month/);
  });

  test('webhooks get signed alerts, retried with backoff until the receiver takes them; the delivery log shows each', async () => {
    const receiver = await startReceiver(2);
    try {
      const ann = await signUp(api(), 'ann');
      const key = await keyOf(ann);
      const webhook = await api().post(`/v1/organizations/${ann.org.id}/webhooks`, ann.token, { url: receiver.url, description: 'finance' });
      assert.equal(webhook.status, 201, JSON.stringify(webhook.body));
      const secret: string = webhook.body.secret;
      assert.match(secret, /^whsec_/);
      const listed = await api().get(`/v1/organizations/${ann.org.id}/webhooks`, ann.token);
      assert.equal(listed.body.data[0].secret, undefined, 'the secret is shown once');

      const created = await budget(ann, `/v1/organizations/${ann.org.id}`, { amount: 4 });
      assert.equal((await chat(key.key)).status, 200);
      assert.equal((await chat(key.key)).status, 200);
      // 50% reached: two refusals, then the third try is taken.
      await waitFor(async () => (receiver.received.some((r) => r.answered === 200) ? true : undefined), 'the delivery to be taken', 5000);
      assert.equal(receiver.received.length, 3);
      const bodies = new Set(receiver.received.map((r) => r.body));
      assert.equal(bodies.size, 1, 'each retry sends the same event');
      for (const delivery of receiver.received) {
        const header = String(delivery.headers['tenantry-signature']);
        const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
        assert.ok(t && v1, header);
        assert.equal(v1, createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest('hex'), 'the signature verifies with the secret');
      }
      const event = JSON.parse(receiver.received[0]!.body);
      assert.equal(event.type, 'budget.threshold_reached');
      assert.equal(event.data.threshold, 50);
      assert.equal(event.data.budget.id, created.id);
      assert.deepEqual(event.data.spent, { amount: 2, tokens: 24 });

      const log = await api().get(`/v1/organizations/${ann.org.id}/webhooks/${webhook.body.id}/deliveries`, ann.token);
      assert.equal(log.status, 200, JSON.stringify(log.body));
      assert.equal(log.body.data.length, 1);
      assert.deepEqual(
        { status: log.body.data[0].status, attempts: log.body.data[0].attempts, last_status_code: log.body.data[0].last_status_code },
        { status: 'succeeded', attempts: 3, last_status_code: 200 },
      );
      assert.equal(log.body.has_more, false);
      const exactlyFull = await api().get(`/v1/organizations/${ann.org.id}/webhooks/${webhook.body.id}/deliveries?limit=1`, ann.token);
      assert.deepEqual([exactlyFull.body.data.length, exactlyFull.body.has_more], [1, false], 'a page that holds every delivery has no more');
      assert.ok(!JSON.stringify(log.body).includes(secret), 'the log never shows the secret');
      const audit = await api().get(`/v1/organizations/${ann.org.id}/audit_logs?limit=100`, ann.token);
      assert.ok(!JSON.stringify(audit.body).includes(secret), 'nor does the audit log');
    } finally {
      await receiver.close();
    }
  });

  test('a receiver that never takes a delivery: it is tried max_attempts times, then marked failed', async () => {
    const receiver = await startReceiver(100);
    try {
      const ann = await signUp(api(), 'ann');
      const key = await keyOf(ann);
      const webhook = await api().post(`/v1/organizations/${ann.org.id}/webhooks`, ann.token, { url: receiver.url });
      await budget(ann, `/v1/projects/${ann.project.id}`, { amount: 2 });
      assert.equal((await chat(key.key)).status, 200);
      const path = `/v1/organizations/${ann.org.id}/webhooks/${webhook.body.id}/deliveries`;
      const failed = await waitFor(async () => {
        const log = await api().get(path, ann.token);
        return log.body.data[0]?.status === 'failed' ? log.body.data[0] : undefined;
      }, 'the delivery to fail', 5000);
      assert.equal(failed.attempts, 4);
      assert.equal(failed.last_status_code, 500);
      assert.equal(receiver.received.length, 4);
    } finally {
      await receiver.close();
    }
  });

  test('budgets: changes are audited and take effect at once; bad input is a 400 naming the field; others\' keys are 404', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyOf(ann);
    const created = await budget(ann, `/v1/projects/${ann.project.id}`, { amount: 1 });
    assert.equal((await chat(key.key)).status, 200);
    assert.equal((await chat(key.key)).status, 429);
    const raised = await api().patch(`/v1/projects/${ann.project.id}/budgets/${created.id}`, ann.token, { amount: 2.5 });
    assert.equal(raised.status, 200, JSON.stringify(raised.body));
    assert.equal(raised.body.amount, 2.5);
    assert.equal((await chat(key.key)).status, 200, 'raised: calls go through again');
    const removed = await api().delete(`/v1/projects/${ann.project.id}/budgets/${created.id}`, ann.token);
    assert.equal(removed.status, 200);
    assert.equal((await api().get(`/v1/projects/${ann.project.id}/budgets/${created.id}`, ann.token)).status, 404);
    const audit = await api().get(`/v1/organizations/${ann.org.id}/audit_logs?limit=100`, ann.token);
    const types = audit.body.data.map((e: { type: string }) => e.type);
    for (const type of ['budget.created', 'budget.updated', 'budget.deleted']) assert.ok(types.includes(type), type);

    for (const [body, param] of [
      [{ amount: -1, period: 'month' }, 'amount'],
      [{ amount: 10, period: 'week' }, 'period'],
      [{ amount: 10, period: 'day', tokens: 1.5 }, 'tokens'],
      [{ amount: 10, period: 'day', alert_emails: ['not an address'] }, 'alert_emails.0'],
      [{ amount: 0.0000001, period: 'day' }, 'amount'],
      [{ period: 'day' }, 'amount'],
    ] as const) {
      const refused = await api().post(`/v1/projects/${ann.project.id}/budgets`, ann.token, body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(errorOf(refused).param, param, JSON.stringify(refused.body));
    }
    const bob = await signUp(api(), 'bob');
    const bobsKey = await keyOf(bob);
    const foreign = await api().post(`/v1/projects/${ann.project.id}/budgets`, ann.token, { amount: 1, period: 'day', api_key_id: bobsKey.id });
    assert.equal(foreign.status, 404);
    assert.equal(errorOf(foreign).param, 'api_key_id');
    assert.equal((await api().get(`/v1/projects/${ann.project.id}/budgets/effective?api_key_id=${bobsKey.id}`, ann.token)).status, 404);
    assert.equal((await api().get(`/v1/projects/${ann.project.id}/budgets`, bob.token)).status, 404, 'another tenant sees nothing');
    assert.equal((await api().post(`/v1/organizations/${ann.org.id}/webhooks`, ann.token, { url: 'ftp://example.test/x' })).status, 400);
  });
});

// Without SMTP, so that invited members need no verified email.
describeEachDatabase('budget permissions', (kind) => {
  let upstream: FakeUpstream;
  const config: ConfigFile = { prices: PRICES, webhooks: { max_attempts: 1 } };
  before(async () => {
    upstream = await startFakeUpstream();
    config.models = [{ id: 'chat-model', upstream: upstream.url }];
  });
  after(async () => upstream?.close());
  const server = useTenantry(kind, { config });
  const api = () => new Api(server.tenantry.app);

  test('billing managers set organization budgets and webhooks; project members read the chain but cannot change it', async () => {
    const ann = await signUp(api(), 'ann');
    const bea = await signUp(api(), 'bea');
    const billing = await groupNamed(api(), ann.token, `/v1/organizations/${ann.org.id}`, 'billing_managers');
    await addMember(api(), ann, ann.org.id, bea, { group_ids: [billing.id] });
    const created = await api().post(`/v1/organizations/${ann.org.id}/budgets`, bea.token, { amount: 100, period: 'month' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api().get(`/v1/organizations/${ann.org.id}/spend?start_time=0`, bea.token)).status, 200);
    assert.equal((await api().post(`/v1/organizations/${ann.org.id}/webhooks`, bea.token, { url: 'https://finance.example.test/hook' })).status, 201);

    const max = await signUp(api(), 'max');
    const members = await groupNamed(api(), ann.token, `/v1/projects/${ann.project.id}`, 'members');
    await addMember(api(), ann, ann.org.id, max, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    const chain = await api().get(`/v1/projects/${ann.project.id}/budgets/effective`, max.token);
    assert.equal(chain.status, 200, JSON.stringify(chain.body));
    assert.equal(chain.body.binding_budget_id, created.body.id);
    assert.equal((await api().post(`/v1/projects/${ann.project.id}/budgets`, max.token, { amount: 1, period: 'day' })).status, 403);
    assert.equal((await api().post(`/v1/organizations/${ann.org.id}/budgets`, max.token, { amount: 1, period: 'day' })).status, 403);
  });

  test('by default a webhook on a private address is not sent to: the delivery log says why', async () => {
    const receiver = await startReceiver(0);
    try {
      const ann = await signUp(api(), 'ann');
      const key = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key;
      const webhook = await api().post(`/v1/organizations/${ann.org.id}/webhooks`, ann.token, { url: receiver.url });
      await api().post(`/v1/projects/${ann.project.id}/budgets`, ann.token, { amount: 2, period: 'month' });
      assert.equal((await api().post('/v1/chat/completions', key, { model: 'chat-model', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
      const failed = await waitFor(async () => {
        const log = await api().get(`/v1/organizations/${ann.org.id}/webhooks/${webhook.body.id}/deliveries`, ann.token);
        return log.body.data[0]?.status === 'failed' ? log.body.data[0] : undefined;
      }, 'the delivery to be refused', 3000);
      assert.match(failed.last_error, /private address/);
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.close();
    }
  });
});

describeEachDatabase('webhook retries across a restart', (kind) => {
  test('a delivery whose retry was still waiting when the server stopped is tried again by the next start', async () => {
    const database = await kind.create();
    const upstream = await startFakeUpstream();
    const receiver = await startReceiver(1);
    const config: ConfigFile = {
      models: [{ id: 'chat-model', upstream: upstream.url }],
      prices: PRICES,
      // The retry waits longer than the restart takes.
      webhooks: { first_retry_seconds: 1, max_attempts: 3, allow_private_addresses: true },
    };
    let tenantry = await startTenantry(database, { config });
    try {
      const api = new Api(tenantry.app);
      const ann = await signUp(api, 'ann');
      const key = (await api.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key;
      const webhook = (await api.post(`/v1/organizations/${ann.org.id}/webhooks`, ann.token, { url: receiver.url })).body;
      await api.post(`/v1/projects/${ann.project.id}/budgets`, ann.token, { amount: 1, period: 'month' });
      assert.equal((await api.post('/v1/chat/completions', key, { model: 'chat-model', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
      await waitFor(async () => (receiver.received.length >= 3 ? true : undefined), 'the first tries (50, 80, 100%)', 3000);
      assert.deepEqual(receiver.received.map((r) => r.answered).sort(), [200, 200, 500]);
      await tenantry.close();
      tenantry = await startTenantry(database, { config });
      await waitFor(async () => (receiver.received.length >= 4 ? true : undefined), 'the retry after the restart', 5000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(receiver.received.length, 4, 'the retry is made once');
      const log = await new Api(tenantry.app).get(`/v1/organizations/${ann.org.id}/webhooks/${webhook.id}/deliveries`, ann.token);
      assert.deepEqual(log.body.data.map((d: { status: string; attempts: number }) => [d.status, d.attempts]).sort(), [['succeeded', 1], ['succeeded', 1], ['succeeded', 2]]);
    } finally {
      await tenantry.close();
      await receiver.close();
      await upstream.close();
      await database.drop();
    }
  });
});

describeEachDatabase('budgets while Redis is unreachable', (kind) => {
  let upstream: FakeUpstream;
  const config: ConfigFile = { prices: PRICES };
  before(async () => {
    upstream = await startFakeUpstream();
    config.models = [{ id: 'chat-model', upstream: upstream.url }];
  });
  after(async () => upstream?.close());
  // Nothing listens on port 1: every Redis command fails at once.
  const server = useTenantry(kind, { config, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  const api = () => new Api(server.tenantry.app);

  test('a hard budget still binds, counted by this instance alone', async () => {
    const ann = await signUp(api(), 'ann');
    const key = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key;
    await api().post(`/v1/projects/${ann.project.id}/budgets`, ann.token, { amount: 2, period: 'day' });
    const call = () => api().post('/v1/chat/completions', key, { model: 'chat-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal((await call()).status, 200);
    assert.equal((await call()).status, 200);
    const refused = await call();
    assert.equal(refused.status, 429);
    assert.equal(errorOf(refused).code, 'budget_exceeded');
  });
});
