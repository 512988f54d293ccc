import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { describeEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { fetchClient } from './helpers/fetch-client.ts';
import { freePort, startServerProcess, type ServerProcess } from './helpers/server-process.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/worker.ts';

/**
 * A batch survives `kill -9` of the server mid-way: after the restart it resumes where its lines'
 * states say, every line has exactly one result, and the model server saw each request at most twice,
 * twice only for those that were in flight when the server died (docs/reliability.md's bound).
 */

const LINES = 24;
const CONCURRENCY = 4;

describeEachDatabase('Batch API: kill -9 mid-batch and restart', (kind) => {
  let upstream: FakeUpstream;
  const databases: TestDatabase[] = [];
  before(async () => {
    upstream = await startFakeUpstream();
  });
  after(async () => {
    await upstream?.close();
    for (const database of databases) await database.drop();
  });

  async function serverOptions(label: string) {
    const database = await kind.create();
    databases.push(database);
    const dataDir = mkdtempSync(join(tmpdir(), `tenantry-batch-${label}-`));
    return {
      dataDir,
      port: await freePort(),
      databaseUrl: database.kind === 'sqlite' ? `sqlite:${join(dataDir, 'crash.db')}` : database.url,
      // `slow` answers after 2 s: the kill finds lines in flight.
      config: { models: [{ id: 'slow', upstream: upstream.url }], batches: { concurrency: CONCURRENCY, poll_interval_seconds: 0.2 }, endpoints: { leader_retry_seconds: 0.5 } },
    };
  }

  /** A batch of LINES requests to `slow`, created through `url`; answers its id, the key and the custom ids. */
  async function createBatch(url: string, label: string) {
    const http = fetchClient(() => url);
    const signup = await http.call('POST', '/v1/auth/signup', { body: { email: `${label}.${kind.kind}@crash.test`, password: 'a long password', name: 'Batch' } });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    const key = await http.call('POST', `/v1/projects/${signup.body.project.id}/api_keys`, { token: signup.body.session_token, body: { name: 'batch' } });
    const openai = new OpenAI({ apiKey: key.body.key, baseURL: `${url}/v1`, maxRetries: 0 });
    const customIds = Array.from({ length: LINES }, (_, i) => `${label}-${kind.kind}-${i}`);
    const input = customIds.map((id) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'slow', messages: [{ role: 'user', content: id }] } })).join('\n');
    const file = await openai.files.create({ file: await toFile(Buffer.from(input), `${label}.jsonl`), purpose: 'batch' });
    const created = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    return { id: created.id, key: key.body.key as string, customIds, openai };
  }

  const received = (label: string) =>
    upstream.requests.map((r) => String((r.body.messages as Array<{ content: string }> | undefined)?.[0]?.content)).filter((id) => id.startsWith(`${label}-${kind.kind}-`));

  /**
   * Waits for the batch to complete through `url`, then checks every line has exactly one result, in
   * order, and that only lines the model had received before the kill were received twice.
   */
  async function checkAfterKill(url: string, batch: Awaited<ReturnType<typeof createBatch>>, label: string, receivedBeforeKill: Set<string>) {
    const openai = new OpenAI({ apiKey: batch.key, baseURL: `${url}/v1`, maxRetries: 0 });
    const done = await waitFor(async () => {
      const current = await openai.batches.retrieve(batch.id);
      return current.status === 'completed' ? current : undefined;
    }, 'the batch to complete after the kill', 60_000);
    assert.deepEqual(done.request_counts, { total: LINES, completed: LINES, failed: 0 });
    assert.equal(done.error_file_id, null);
    const output = (await (await openai.files.content(done.output_file_id!)).text()).trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(output.map((line) => line.custom_id), batch.customIds, 'one result per line, in the file\'s order');
    for (const line of output) assert.equal(line.response.body.choices[0].message.content, `echo: ${line.custom_id}`);

    const times = new Map<string, number>();
    for (const id of received(label)) times.set(id, (times.get(id) ?? 0) + 1);
    assert.deepEqual([...times.keys()].sort(), [...batch.customIds].sort(), 'every line reached the model');
    const twice = [...times].filter(([, n]) => n > 1).map(([id]) => id);
    assert.ok([...times.values()].every((n) => n <= 2), 'no request reached the model more than twice');
    assert.ok(twice.length <= CONCURRENCY, `at most the ${CONCURRENCY} lines in flight were sent again (${twice.length})`);
    for (const id of twice) assert.ok(receivedBeforeKill.has(id), `${id} was sent again though it had not reached the model before the kill`);
    return twice.length;
  }

  test('every line gets exactly one result; only the lines in flight at the kill reach the model twice', async (t) => {
    const options = await serverOptions('crash');
    let server: ServerProcess = await startServerProcess(options);
    try {
      const batch = await createBatch(server.url, 'crash');
      await waitFor(async () => ((await batch.openai.batches.retrieve(batch.id)).request_counts!.completed >= 8 ? true : undefined), 'a third of the batch done');
      await server.kill();
      const receivedBeforeKill = new Set(received('crash'));
      server = await startServerProcess(options);
      const resent = await checkAfterKill(server.url, batch, 'crash', receivedBeforeKill);
      t.diagnostic(`${resent} line(s) in flight at the kill were sent again`);
      assert.match(server.output(), /sent again/, 'the restarted server says it resends what was in flight');
    } finally {
      await server.kill();
    }
  });

  // Only on PostgreSQL: one process serves an SQLite database, so there is no other instance to take over.
  if (kind.kind === 'postgres') test('two instances on one PostgreSQL: one processes the batches; killed, the other takes over and finishes them', async (t) => {
    const options = await serverOptions('takeover');
    // One database and one data folder (shared storage, as several instances need for their files); the first started takes the lock.
    const leader = await startServerProcess(options);
    const other = await startServerProcess({ ...options, port: await freePort() });
    try {
      await waitFor(async () => (/this instance processes the batches/.test(leader.output()) ? true : undefined), 'the first instance to lead');
      assert.doesNotMatch(other.output(), /this instance processes the batches/);
      // Created through the instance that does not process: the leader picks it up at its next poll.
      const batch = await createBatch(other.url, 'takeover');
      await waitFor(async () => ((await batch.openai.batches.retrieve(batch.id)).request_counts!.completed >= 8 ? true : undefined), 'a third of the batch done');
      await leader.kill();
      const receivedBeforeKill = new Set(received('takeover'));
      const resent = await checkAfterKill(other.url, batch, 'takeover', receivedBeforeKill);
      t.diagnostic(`${resent} line(s) in flight at the kill were sent again by the instance that took over`);
      assert.match(other.output(), /this instance processes the batches/);
    } finally {
      await leader.kill();
      await other.kill();
    }
  });
});
