import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describeEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { fetchClient } from './helpers/fetch-client.ts';
import { freePort, startServerProcess, type ServerProcess, type ServerProcessOptions } from './helpers/server-process.ts';
import { killWorkerGroup, startWorkerProcess, waitFor } from './helpers/worker.ts';

/**
 * Crash safety: the server is killed with SIGKILL while it works, then started again on the same
 * database and data folder. Whatever it acknowledged with a 2xx must be there, whole; whatever it did
 * not finish must leave no trace; every organization's audit chain must still verify.
 * (A large upload cut off by a crash: test/upload-crash.test.ts.)
 */

const BASE_MODEL = 'meta-llama/Llama-3.3-70B-Instruct';
const WORKER_TOKEN = 'worker-token-for-crash-tests';
const CLIENTS = 20;
const OWNERS = 4;
const SEED = Number(process.env.TENANTRY_CRASH_SEED ?? 20261201);

/** A small seeded generator (mulberry32), so that a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const trainingFile = (label: string) =>
  Array.from({ length: 10 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `${label} q${i}` }, { role: 'assistant', content: `${label} a${i}` }] })).join('\n') + '\n';

interface Owner {
  token: string;
  orgId: string;
  defaultProjectId: string;
}

/** A write the server answered with a 2xx, and what it must still show after the crash. */
type Acknowledged =
  | { type: 'project'; id: string; owner: Owner }
  | { type: 'group'; id: string; owner: Owner }
  | { type: 'api_key'; id: string; owner: Owner; projectId: string; secret: string }
  | { type: 'api_key.revoked'; id: string; owner: Owner; projectId: string }
  | { type: 'file'; id: string; owner: Owner; projectId: string; content: string }
  | { type: 'file.deleted'; id: string; owner: Owner; projectId: string }
  | { type: 'fine_tuning.job'; id: string; owner: Owner; projectId: string; trainingFile: string };

const EVENT_OF: Record<Acknowledged['type'], string> = {
  project: 'project.created',
  group: 'group.created',
  api_key: 'api_key.created',
  'api_key.revoked': 'api_key.revoked',
  file: 'file.created',
  'file.deleted': 'file.deleted',
  'fine_tuning.job': 'fine_tuning.job.created',
};

describeEachDatabase('crash safety: kill -9 and restart', (kind) => {
  // A database of its own for each test: a worker would otherwise claim the jobs another test queued.
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const database of databases) await database.drop();
  });

  async function serverOptions(dataDir: string, port: number): Promise<ServerProcessOptions> {
    const database = await kind.create();
    databases.push(database);
    return {
      dataDir,
      port,
      databaseUrl: database.kind === 'sqlite' ? `sqlite:${join(dataDir, 'crash.db')}` : database.url,
      config: { models: [{ id: BASE_MODEL, upstream: 'http://127.0.0.1:9/v1', fine_tunable: true }] },
      env: { TENANTRY_WORKER_TOKEN: WORKER_TOKEN },
    };
  }

  test('20 clients writing while the server is killed: every acknowledged write survives whole, nothing half-written shows, every audit chain verifies', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-crash-load-'));
    const options = await serverOptions(dataDir, await freePort());
    let server: ServerProcess = await startServerProcess(options);
    const http = fetchClient(() => server.url);
    try {
      const owners: Owner[] = [];
      for (let i = 0; i < OWNERS; i += 1) {
        const signup = await http.call('POST', '/v1/auth/signup', { body: { email: `owner${i}.${kind.kind}@crash.test`, password: 'a long password', name: `Owner ${i}` } });
        assert.equal(signup.status, 201, JSON.stringify(signup.body));
        owners.push({ token: signup.body.session_token, orgId: signup.body.organization.id, defaultProjectId: signup.body.project.id });
      }

      const next = random(SEED + (kind.kind === 'postgres' ? 1 : 0));
      const killAfter = 60 + Math.floor(next() * 60);
      t.diagnostic(`seed ${SEED}: kill -9 after ${killAfter} acknowledged writes`);
      const acknowledged: Acknowledged[] = [];
      const refused: string[] = [];
      let killing: Promise<void> | undefined;
      let inFlight = 0;
      let inFlightAtKill = 0;
      const acknowledge = (write: Acknowledged) => {
        acknowledged.push(write);
        if (acknowledged.length === killAfter) {
          inFlightAtKill = inFlight;
          killing = server.kill();
        }
      };

      // Revocations and deletions sent but not answered when the server died: either outcome is fine.
      const unanswered = new Set<string>();

      async function client(index: number): Promise<void> {
        const owner = owners[index % OWNERS]!;
        const pick = random(SEED * 31 + index);
        const choose = <T>(items: T[]): T => items[Math.floor(pick() * items.length)]!;
        const projects = [owner.defaultProjectId];
        const keys: Array<{ id: string; projectId: string }> = [];
        // Files a job names are never deleted here, so that every job's file stays.
        const files: Array<{ id: string; projectId: string; named: boolean }> = [];
        for (let n = 0; !killing; n += 1) {
          const label = `c${index}-${n}`;
          const projectId = choose(projects);
          const roll = pick();
          let target: string | undefined;
          inFlight += 1;
          try {
            if (roll < 0.12) {
              const answer = await http.call('POST', `/v1/organizations/${owner.orgId}/projects`, { token: owner.token, body: { name: `Project ${label}` } });
              if (answer.status !== 201) refused.push(`project ${answer.status} ${JSON.stringify(answer.body)}`);
              else {
                projects.push(answer.body.id);
                acknowledge({ type: 'project', id: answer.body.id, owner });
              }
            } else if (roll < 0.24) {
              const answer = await http.call('POST', `/v1/organizations/${owner.orgId}/groups`, { token: owner.token, body: { name: `group ${label}`, role: 'viewer' } });
              if (answer.status !== 201) refused.push(`group ${answer.status} ${JSON.stringify(answer.body)}`);
              else acknowledge({ type: 'group', id: answer.body.id, owner });
            } else if (roll < 0.32 && keys.length > 0) {
              const key = keys.splice(Math.floor(pick() * keys.length), 1)[0]!;
              target = key.id;
              const answer = await http.call('DELETE', `/v1/projects/${key.projectId}/api_keys/${key.id}`, { token: owner.token });
              if (answer.status !== 200) refused.push(`revoke ${answer.status} ${JSON.stringify(answer.body)}`);
              else acknowledge({ type: 'api_key.revoked', id: key.id, owner, projectId: key.projectId });
            } else if (roll < 0.5) {
              const answer = await http.call('POST', `/v1/projects/${projectId}/api_keys`, { token: owner.token, body: { name: `key ${label}` } });
              if (answer.status !== 201) refused.push(`key ${answer.status} ${JSON.stringify(answer.body)}`);
              else {
                keys.push({ id: answer.body.id, projectId });
                acknowledge({ type: 'api_key', id: answer.body.id, owner, projectId, secret: answer.body.key });
              }
            } else if (roll < 0.56 && files.some((f) => !f.named)) {
              const unnamed = files.filter((f) => !f.named);
              const file = choose(unnamed);
              files.splice(files.indexOf(file), 1);
              target = file.id;
              const answer = await http.call('DELETE', `/v1/files/${file.id}`, { token: owner.token, headers: { 'openai-project': file.projectId } });
              if (answer.status !== 200) refused.push(`file delete ${answer.status} ${JSON.stringify(answer.body)}`);
              else acknowledge({ type: 'file.deleted', id: file.id, owner, projectId: file.projectId });
            } else if (roll < 0.8 || files.length === 0) {
              const content = trainingFile(label);
              const form = new FormData();
              form.append('purpose', 'fine-tune');
              form.append('file', new Blob([content]), `${label}.jsonl`);
              const answer = await http.call('POST', '/v1/files', { token: owner.token, form, headers: { 'openai-project': projectId } });
              if (answer.status !== 200) refused.push(`file ${answer.status} ${JSON.stringify(answer.body)}`);
              else {
                files.push({ id: answer.body.id, projectId, named: false });
                acknowledge({ type: 'file', id: answer.body.id, owner, projectId, content });
              }
            } else {
              const file = choose(files);
              file.named = true;
              const answer = await http.call('POST', '/v1/fine_tuning/jobs', { token: owner.token, body: { model: BASE_MODEL, training_file: file.id }, headers: { 'openai-project': file.projectId } });
              if (answer.status !== 200) refused.push(`job ${answer.status} ${JSON.stringify(answer.body)}`);
              else acknowledge({ type: 'fine_tuning.job', id: answer.body.id, owner, projectId: file.projectId, trainingFile: file.id });
            }
          } catch {
            // The connection died with the server: this write was never acknowledged.
            if (!killing) throw new Error(`client ${index} lost the server before the kill`);
            if (target) unanswered.add(target);
          } finally {
            inFlight -= 1;
          }
        }
      }

      await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
      await killing;
      assert.deepEqual(refused, [], 'every write before the crash was accepted');
      assert.ok(acknowledged.length >= killAfter);
      // The kill must land while writes are under way, or it proves nothing.
      assert.ok(inFlightAtKill >= CLIENTS / 2, `${inFlightAtKill} writes were in flight at the kill`);
      const counts = new Map<string, number>();
      for (const write of acknowledged) counts.set(write.type, (counts.get(write.type) ?? 0) + 1);
      const byType = [...counts].map(([type, count]) => `${count} ${type}`);
      t.diagnostic(`${acknowledged.length} writes acknowledged (${byType.join(', ')}), ${inFlightAtKill - 1} others in flight at the kill`);

      server = await startServerProcess(options);
      await verifyAfterRestart(http, owners, acknowledged, unanswered, join(dataDir, 'files'));
    } finally {
      await server.stop();
    }
  });

  const leaseCases = [
    { title: 'the server killed while a worker holds a lease: after the restart the job finishes (the worker carries on, or claims it again)', workerDiesToo: false },
    { title: 'the server and its worker killed together mid-job: after the restart another worker takes the job once the lease lapses, and it finishes', workerDiesToo: true },
  ];
  for (const { title, workerDiesToo } of leaseCases) {
    test(title, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-crash-lease-'));
      const options = await serverOptions(dataDir, await freePort());
      let server: ServerProcess = await startServerProcess(options);
      const http = fetchClient(() => server.url);
      // A short lease, so that a lapsed one is taken over within the test's time.
      const startWorker = () => startWorkerProcess({ url: server.url, token: WORKER_TOKEN, leaseSeconds: 2, trainerArgs: '--steps 20 --step-ms 100' });
      const workers = [startWorker()];
      try {
        const signup = await http.call('POST', '/v1/auth/signup', { body: { email: `lease.${kind.kind}.${workerDiesToo}@crash.test`, password: 'a long password', name: 'Lease' } });
        const token = signup.body.session_token as string;
        const project = { 'openai-project': signup.body.project.id as string };
        const form = new FormData();
        form.append('purpose', 'fine-tune');
        form.append('file', new Blob([trainingFile('lease')]), 'train.jsonl');
        const file = await http.call('POST', '/v1/files', { token, form, headers: project });
        assert.equal(file.status, 200, JSON.stringify(file.body));
        const job = await http.call('POST', '/v1/fine_tuning/jobs', { token, body: { model: BASE_MODEL, training_file: file.body.id }, headers: project });
        assert.equal(job.status, 200, JSON.stringify(job.body));
        const events = async () => (await http.call('GET', `/v1/fine_tuning/jobs/${job.body.id}/events?limit=100`, { token, headers: project })).body.data as Array<{ type: string; message: string }>;

        // Kill the server once the worker holds the job and its trainer has reported a step.
        await waitFor(async () => ((await events()).some((e) => e.type === 'metrics') ? true : undefined), 'the trainer to report a step');
        if (workerDiesToo) await Promise.all([server.kill(), killWorkerGroup(workers[0]!.child)]);
        else await server.kill();
        server = await startServerProcess(options);
        if (workerDiesToo) workers.push(startWorker());

        const finished = await waitFor(async () => {
          const current = await http.call('GET', `/v1/fine_tuning/jobs/${job.body.id}`, { token, headers: project });
          return ['succeeded', 'failed', 'cancelled'].includes(current.body.status) ? current.body : undefined;
        }, 'the job to finish after the restart', 40_000);
        assert.equal(finished.status, 'succeeded', workers.map((w) => w.output()).join('\n'));
        assert.ok(finished.fine_tuned_model.startsWith(`ft:${BASE_MODEL}:`) && finished.fine_tuned_model.endsWith(`:${job.body.id}`), finished.fine_tuned_model);
        if (workerDiesToo) {
          assert.ok((await events()).some((e) => /stopped renewing its lease; the job was queued again/.test(e.message)), 'the lapsed lease was taken over');
        }
        assert.ok(finished.result_files.length > 0);
        for (const id of finished.result_files) {
          const content = await http.call('GET', `/v1/files/${id}/content`, { token, headers: project });
          assert.equal(content.status, 200, `result file ${id} downloads`);
        }
        const verified = await http.call('GET', `/v1/organizations/${signup.body.organization.id}/audit_logs/verify`, { token });
        assert.equal(verified.body.ok, true, JSON.stringify(verified.body));
      } finally {
        for (const worker of workers) await killWorkerGroup(worker.child);
        await server.stop();
      }
    });
  }
});

/** After the restart: each acknowledged write is there, whole, with its audit event; nothing else is half there. */
async function verifyAfterRestart(http: ReturnType<typeof fetchClient>, owners: Owner[], acknowledged: Acknowledged[], unanswered: Set<string>, filesDir: string): Promise<void> {
  const filesKept = new Set<string>();
  for (const owner of owners) {
    const { token, orgId } = owner;
    const verified = await http.call('GET', `/v1/organizations/${orgId}/audit_logs/verify`, { token });
    assert.equal(verified.status, 200);
    assert.equal(verified.body.ok, true, `the audit chain of ${orgId} verifies: ${JSON.stringify(verified.body)}`);
    const events = await http.all<{ type: string; seq: number; resource: { id: string } }>(`/v1/organizations/${orgId}/audit_logs`, token);
    assert.equal(verified.body.count, events.length);
    assert.deepEqual(events.map((e) => e.seq).sort((a, b) => a - b), Array.from({ length: events.length }, (_, i) => i + 1), 'seq has no gap');
    const recorded = (type: string) => new Set(events.filter((e) => e.type === type).map((e) => e.resource.id));
    const without = (all: Set<string>, gone: Set<string>) => new Set([...all].filter((id) => !gone.has(id)));

    const mine = acknowledged.filter((w) => w.owner === owner);
    assert.ok(events.length >= mine.length, 'every acknowledged write has its audit event');
    for (const write of mine) assert.ok(recorded(EVENT_OF[write.type]).has(write.id), `${write.type} ${write.id} has its ${EVENT_OF[write.type]} event`);

    // Projects: each one the server knows has its event and its built-in groups.
    const projects = await http.all<{ id: string }>(`/v1/organizations/${orgId}/projects?include_archived=true`, token);
    assert.deepEqual(new Set(projects.map((p) => p.id)), recorded('project.created'), 'the projects are exactly those with a project.created event');
    for (const project of projects) {
      const groups = await http.all<{ name: string; built_in: boolean }>(`/v1/projects/${project.id}/groups`, token);
      assert.deepEqual(groups.filter((g) => g.built_in).map((g) => g.name).sort(), ['admins', 'members'], `project ${project.id} has its built-in groups`);
    }

    // Organization groups: the custom ones are exactly those with a group.created event.
    const groups = await http.all<{ id: string; built_in: boolean }>(`/v1/organizations/${orgId}/groups`, token);
    assert.deepEqual(new Set(groups.filter((g) => !g.built_in).map((g) => g.id)), recorded('group.created'));
    for (const write of mine.filter((w) => w.type === 'group')) {
      assert.equal((await http.call('GET', `/v1/organizations/${orgId}/groups/${write.id}`, { token })).status, 200, `group ${write.id} survived`);
    }

    // Keys, files and jobs of every project, against the events that created, revoked or deleted them.
    const keysListed = new Map<string, { revoked_at: number | null }>();
    const filesListed = new Set<string>();
    const jobsListed = new Set<string>();
    for (const project of projects) {
      const headers = { 'openai-project': project.id };
      for (const key of await http.all<{ id: string; revoked_at: number | null }>(`/v1/projects/${project.id}/api_keys`, token)) keysListed.set(key.id, key);
      for (const file of await http.all<{ id: string; bytes: number }>('/v1/files', token, headers)) {
        const content = await http.call('GET', `/v1/files/${file.id}/content`, { token, headers });
        assert.equal(content.status, 200, `file ${file.id} downloads`);
        assert.equal(content.bytes.length, file.bytes, `file ${file.id} is whole`);
        filesListed.add(file.id);
      }
      for (const job of await http.all<{ id: string; training_file: string; status: string }>('/v1/fine_tuning/jobs', token, headers)) {
        assert.equal((await http.call('GET', `/v1/files/${job.training_file}`, { token, headers })).status, 200, `job ${job.id} names a file that exists`);
        assert.ok(['validating_files', 'queued'].includes(job.status), `job ${job.id} is ${job.status}`);
        jobsListed.add(job.id);
      }
    }
    const revoked = recorded('api_key.revoked');
    assert.deepEqual(new Set(keysListed.keys()), recorded('api_key.created'), 'the keys are exactly those with an api_key.created event');
    for (const [id, key] of keysListed) assert.equal(key.revoked_at !== null, revoked.has(id), `key ${id} is revoked exactly when its api_key.revoked event says so`);
    assert.deepEqual(filesListed, without(recorded('file.created'), recorded('file.deleted')), 'the files are exactly those created and not deleted');
    assert.deepEqual(jobsListed, recorded('fine_tuning.job.created'), 'the jobs are exactly those with a fine_tuning.job.created event');
    for (const id of filesListed) filesKept.add(id);

    const acknowledgedIds = (type: Acknowledged['type']) => new Set(mine.filter((w) => w.type === type).map((w) => w.id));
    for (const write of mine) {
      const headers = { 'openai-project': 'projectId' in write ? write.projectId : '' };
      if (write.type === 'project') {
        assert.equal((await http.call('GET', `/v1/projects/${write.id}`, { token })).status, 200, `project ${write.id} survived`);
      } else if (write.type === 'api_key') {
        // The secret the server handed out opens the project exactly while the key is not revoked.
        const used = await http.call('GET', '/v1/files', { token: write.secret });
        const isRevoked = keysListed.get(write.id)?.revoked_at !== null;
        if (acknowledgedIds('api_key.revoked').has(write.id)) assert.ok(isRevoked, `key ${write.id} stays revoked`);
        else if (!unanswered.has(write.id)) assert.ok(!isRevoked, `key ${write.id} was never revoked`);
        assert.equal(used.status, isRevoked ? 401 : 200, `key ${write.id} ${isRevoked ? 'is refused' : 'works'}: ${JSON.stringify(used.body)}`);
      } else if (write.type === 'file') {
        const content = await http.call('GET', `/v1/files/${write.id}/content`, { token, headers });
        if (acknowledgedIds('file.deleted').has(write.id)) assert.equal(content.status, 404, `file ${write.id} stays deleted`);
        else if (!unanswered.has(write.id)) assert.equal(content.bytes.toString(), write.content, `file ${write.id} has the bytes that were uploaded`);
        else assert.ok(content.status === 404 || content.bytes.toString() === write.content, `file ${write.id} is there whole or gone`);
      } else if (write.type === 'fine_tuning.job') {
        const job = await http.call('GET', `/v1/fine_tuning/jobs/${write.id}`, { token, headers });
        assert.equal(job.status, 200);
        assert.equal(job.body.training_file, write.trainingFile);
      }
    }
  }
  // On disk: no partial upload, no content without its row, no row without its content.
  assert.deepEqual(new Set(readdirSync(filesDir)), filesKept, 'the files folder holds exactly the listed files');
}
