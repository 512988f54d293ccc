import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Api, SignedUpUser } from './client.ts';
import { signUp } from './client.ts';

/**
 * Real objects for the fuzzer to aim at: path parameters filled with these ids get past the 404 and
 * reach validation and the services. Created through the public API like any client would.
 */
export interface FuzzFixtures {
  owner: SignedUpUser;
  password: string;
  /** A user whose sessions the fuzzer may end (logout, log out everywhere, change of password). */
  throwaway: { email: string; password: string };
  /** A project API key used only to authenticate; its id is not in the pool, so no request revokes it. */
  apiKey: string;
  workerToken: string;
  /** A SCIM token of the owner's personal organization; its id is not in the pool, so no request revokes it. */
  scimToken: string;
  workerId: string;
  /** Real ids by path-parameter (or field) name. */
  ids: Record<string, string[]>;
}

export const FUZZ_PASSWORD = 'correct horse battery';
export const WORKER_TOKEN = 'fuzz-worker-token';
const conversation = JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] });
export const TRAINING_JSONL = `${conversation}\n${conversation}\n`;

/** A multipart/form-data body, built by hand so that the fuzzer controls every byte of it. */
export function multipartBody(parts: Array<{ name: string; filename?: string; value: string; contentType?: string }>, boundary = 'fuzzboundary'): string {
  const lines: string[] = [];
  for (const part of parts) {
    lines.push(`--${boundary}`);
    const filename = part.filename !== undefined ? `; filename="${part.filename}"` : '';
    lines.push(`Content-Disposition: form-data; name="${part.name}"${filename}`);
    if (part.contentType) lines.push(`Content-Type: ${part.contentType}`);
    lines.push('', part.value);
  }
  lines.push(`--${boundary}--`, '');
  return lines.join('\r\n');
}

async function created(api: Api, method: string, url: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const response = await api.request(method, url, { token, body, headers });
  assert.ok(response.status === 200 || response.status === 201, `${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

async function uploadTrainingFile(api: Api, token: string, project: string): Promise<{ id: string }> {
  const upload = await api.request('POST', '/v1/files', {
    token,
    headers: { 'openai-project': project, 'content-type': 'multipart/form-data; boundary=fuzzboundary' },
    rawBody: multipartBody([{ name: 'purpose', value: 'fine-tune' }, { name: 'file', filename: 'train.jsonl', value: TRAINING_JSONL }]),
  });
  assert.equal(upload.status, 200, JSON.stringify(upload.body));
  return upload.body;
}

export async function createFuzzFixtures(api: Api): Promise<FuzzFixtures> {
  const owner = await signUp(api, 'fuzz-owner', FUZZ_PASSWORD);
  const invitee = await signUp(api, 'fuzz-invitee', FUZZ_PASSWORD);
  const throwaway = await signUp(api, 'fuzz-throwaway', FUZZ_PASSWORD);
  const t = owner.token;
  const org = owner.org.id;
  const project = owner.project.id;
  const inProject = { 'openai-project': project };

  const secondOrg = await created(api, 'POST', '/v1/organizations', t, { name: 'Fuzz second' });
  const secondProject = await created(api, 'POST', `/v1/organizations/${org}/projects`, t, { name: 'Fuzz project' });
  const orgGroup = await created(api, 'POST', `/v1/organizations/${org}/groups`, t, { name: 'fuzzers', role: 'member' });
  const projectGroup = await created(api, 'POST', `/v1/projects/${project}/groups`, t, { name: 'fuzz readers', role: 'viewer' });
  const serviceAccount = await created(api, 'POST', `/v1/organizations/${org}/service_accounts`, t, { name: 'fuzz robot' });
  const authKey = await created(api, 'POST', `/v1/projects/${project}/api_keys`, t, { name: 'fuzz auth' });
  const poolKey = await created(api, 'POST', `/v1/projects/${project}/api_keys`, t, { name: 'fuzz target' });
  const orgKey = await created(api, 'POST', `/v1/organizations/${org}/api_keys`, t, { name: 'fuzz org key', owner_id: serviceAccount.id });
  const outgoing = await created(api, 'POST', `/v1/organizations/${org}/invitations`, t, { email: invitee.user.email });
  const incoming = await created(api, 'POST', `/v1/organizations/${invitee.org.id}/invitations`, invitee.token, { email: owner.user.email });

  const scimToken = await created(api, 'POST', `/v1/organizations/${org}/scim_tokens`, t, { name: 'fuzz identity provider' });
  const file = await uploadTrainingFile(api, t, project);
  const dataset = await created(api, 'POST', '/v1/datasets', t, { name: 'fuzz data', file_ids: [file.id] }, inProject);
  const heldJob = await created(api, 'POST', '/v1/fine_tuning/jobs', t, { model: 'chat-model', training_file: file.id }, inProject);
  const queuedJob = await created(api, 'POST', '/v1/fine_tuning/jobs', t, { model: 'chat-model', training_file: file.id }, inProject);
  const workerId = 'fuzz-worker';
  const claim = await api.request('POST', '/v1/workers/claim', { token: WORKER_TOKEN, body: {}, headers: { 'x-worker-id': workerId } });
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  const endpoint = await created(api, 'POST', '/v1/dedicated_endpoints', t, { name: 'fuzz endpoint', model_name: 'chat-model', flavor_name: 'base', gpu_type: 'gpu-h100-sxm' }, inProject);

  return {
    owner,
    password: FUZZ_PASSWORD,
    throwaway: { email: throwaway.user.email, password: FUZZ_PASSWORD },
    apiKey: authKey.key,
    workerToken: WORKER_TOKEN,
    scimToken: scimToken.token,
    workerId,
    ids: {
      org: [org, secondOrg.id, invitee.org.id],
      proj: [project, secondProject.id],
      project_id: [project, secondProject.id],
      grp: [orgGroup.id, projectGroup.id],
      group_id: [orgGroup.id, projectGroup.id],
      principal_id: [owner.user.id, invitee.user.id, serviceAccount.id],
      user_id: [owner.user.id, invitee.user.id],
      owner_id: [owner.user.id, serviceAccount.id],
      inv: [outgoing.id, incoming.id],
      sa: [serviceAccount.id],
      key: [poolKey.id, orgKey.id],
      file_id: [file.id],
      training_file: [file.id],
      validation_file: [file.id],
      dataset_id: [dataset.id],
      job_id: [heldJob.id, queuedJob.id],
      endpoint_id: [endpoint.id],
      model: ['chat-model', 'embed-model', 'unreachable'],
      model_name: ['chat-model'],
      '*': ['chat-model', 'embed-model', 'ft:chat-model:x:y:z'],
      email: [invitee.user.email, owner.user.email],
      region: ['eu-north1', 'eu-west1'],
      regions: ['eu-north1', 'eu-west1'],
      flavor_name: ['base'],
      gpu_type: ['gpu-h100-sxm'],
      after: [project, file.id, heldJob.id],
      role: ['admin', 'member', 'viewer', 'billing_manager'],
      file_ids: [file.id],
      model_ids: ['chat-model', 'embed-model'],
      group_ids: [orgGroup.id],
    },
  };
}

/**
 * Undoes what earlier fuzzed requests may have changed that would shut later ones out of whole
 * areas: model permissions and rate limits that refuse every model, a region dropped from a project.
 */
export async function repairFixtures(api: Api, fixtures: FuzzFixtures): Promise<void> {
  const token = fixtures.owner.token;
  const project = fixtures.ids.proj![0]!;
  // A deleted file is replaced, in every pool that names it, by a new upload.
  const fileId = fixtures.ids.file_id![0]!;
  if ((await api.get(`/v1/files/${fileId}`, token, { 'openai-project': project })).status === 404) {
    const file = await uploadTrainingFile(api, token, project);
    for (const pool of ['file_id', 'training_file', 'validation_file', 'file_ids']) fixtures.ids[pool] = [file.id];
  }
  for (const project of fixtures.ids.proj!) {
    await api.post(`/v1/projects/${project}/model_permissions`, token, { mode: 'deny_list', model_ids: [] });
    await api.patch(`/v1/projects/${project}`, token, { regions: ['eu-north1', 'eu-west1'] });
    for (const model of ['chat-model', 'embed-model']) {
      await api.post(`/v1/projects/${project}/rate_limits/${model}`, token, { max_requests_per_1_minute: 100_000, max_tokens_per_1_minute: 100_000_000 });
    }
  }
}

/**
 * A model server that answers anything: the fuzzer sends it whatever the gateway forwards, and a
 * test helper that crashed on an odd body would hide the gateway's own behaviour.
 */
export async function startSturdyUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    let body: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(text || '{}');
      if (parsed && typeof parsed === 'object') body = parsed;
    } catch {
      // Not JSON: answer as to an empty request.
    }
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    if (request.url === '/v1/embeddings') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }], usage }));
    }
    if (body.stream === true) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'ok' } }] })}\n\n`);
      response.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
      return response.end('data: [DONE]\n\n');
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id: 'c1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
