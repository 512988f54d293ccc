import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, describe, test } from 'node:test';
import type { ConfigFile } from '../src/config.ts';
import { Api, signUp, type SignedUpUser } from './helpers/client.ts';
import { answersWithin } from './helpers/eventually.ts';
import { postgresOnly, useTwoInstances } from './helpers/postgres-only.ts';
import { startTenantry } from './helpers/server.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/worker.ts';

/**
 * Budgets across server instances on one PostgreSQL sharing one Redis: a budget changed through one
 * instance binds on the other within a second (NOTIFY), spend made on one counts on the other (Redis),
 * and each alert goes out once whichever instance crossed its threshold, a restarted one included.
 */
const REDIS_URL = process.env.TENANTRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('budgets on two server instances [postgres]', { skip: postgresOnly }, () => {
  let upstream: FakeUpstream;
  const config: ConfigFile = {};
  const options = () => ({ config, env: { REDIS_URL } });
  const servers = useTwoInstances(options, async () => {
    upstream = await startFakeUpstream();
    // A call costs USD 1 (5 input tokens at USD 0.2 each).
    config.models = [{ id: 'chat-model', upstream: upstream.url }];
    config.prices = { models: [{ id: 'chat-model', input_per_million_tokens: 200_000, output_per_million_tokens: 0 }] };
    config.webhooks = { first_retry_seconds: 0.05, allow_private_addresses: true };
  });
  after(async () => upstream?.close());

  async function keyOf(api: Api, owner: SignedUpUser): Promise<string> {
    return (await api.post(`/v1/projects/${owner.project.id}/api_keys`, owner.token, { name: 'k' })).body.key;
  }
  const chat = (api: Api, key: string) => api.post('/v1/chat/completions', key, { model: 'chat-model', messages: [{ role: 'user', content: 'hi' }] });

  test('a budget created on one instance refuses on the other within a second; raised, it lets calls through again', async () => {
    const a = new Api(servers.first.app);
    const b = new Api(servers.second.app);
    const ann = await signUp(a, 'ann');
    const key = await keyOf(a, ann);
    assert.equal((await chat(b, key)).status, 200, 'warm on the second instance, no budget yet');
    const created = await a.post(`/v1/projects/${ann.project.id}/budgets`, ann.token, { amount: 1, period: 'month' });
    assert.equal(created.status, 201);
    await answersWithin(async () => (await chat(b, key)).status, 429, 1000);
    await a.patch(`/v1/projects/${ann.project.id}/budgets/${created.body.id}`, ann.token, { amount: 100 });
    await answersWithin(async () => (await chat(b, key)).status, 200, 1000);
  });

  test('spend made on one instance counts against the budget on the other (shared through Redis)', async () => {
    const a = new Api(servers.first.app);
    const b = new Api(servers.second.app);
    const ann = await signUp(a, 'ann');
    const key = await keyOf(a, ann);
    await a.post(`/v1/projects/${ann.project.id}/budgets`, ann.token, { amount: 3, period: 'day' });
    assert.equal((await chat(b, key)).status, 200, 'the second instance holds the budget');
    assert.equal((await chat(a, key)).status, 200);
    assert.equal((await chat(a, key)).status, 200);
    // USD 3 spent, two of them on the first instance: the second refuses once it has read them back.
    await answersWithin(async () => (await chat(b, key)).status, 429, 1000, 100);
  });

  test('each threshold is alerted once, whichever instance crosses it, and not again after a restart', async () => {
    const received: Array<{ threshold: number }> = [];
    const receiver: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ threshold: JSON.parse(body).data.threshold });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const a = new Api(servers.first.app);
      const b = new Api(servers.second.app);
      const ann = await signUp(a, 'ann');
      const key = await keyOf(a, ann);
      await a.post(`/v1/organizations/${ann.org.id}/webhooks`, ann.token, { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/` });
      await a.post(`/v1/organizations/${ann.org.id}/budgets`, ann.token, { amount: 5, period: 'month', hard: false });
      for (const api of [a, a, b, b]) assert.equal((await chat(api, key)).status, 200);
      await waitFor(async () => (received.some((r) => r.threshold === 80) ? true : undefined), 'the 80% alert', 3000);
      // A restarted instance reads the spend back and passes 50% and 80% again: their alerts are not resent.
      await servers.second.close();
      servers.second = await startTenantry(servers.database, options());
      assert.equal((await chat(new Api(servers.second.app), key)).status, 200);
      await waitFor(async () => (received.some((r) => r.threshold === 100) ? true : undefined), 'the 100% alert', 3000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(received.map((r) => r.threshold).sort((x, y) => x - y), [50, 80, 100]);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
