import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { useTenantry } from './helpers/server.ts';

const conversation = (i: number) => JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] });
const trainingJsonl = Array.from({ length: 50 }, (_, i) => conversation(i)).join('\n') + '\n';

async function keyFor(api: Api, token: string, projectId: string): Promise<string> {
  return (await api.post(`/v1/projects/${projectId}/api_keys`, token, { name: 'sdk' })).body.key;
}

describeEachDatabase('files (through the openai SDK)', (kind) => {
  const server = useTenantry(kind, { config: { files: { max_bytes: 64 * 1024 } } });
  const api = () => new Api(server.tenantry.app);
  const client = async (apiKey: string, project?: string) => new OpenAI({ apiKey, baseURL: `${await listen(server.tenantry)}/v1`, maxRetries: 0, ...(project ? { project } : {}) });
  const storedFiles = () => readdirSync(join(server.tenantry.config.dataDir, 'files'));

  test('upload, retrieve, list, download byte for byte, delete', async () => {
    const ann = await signUp(api(), 'ann');
    const openai = await client(await keyFor(api(), ann.token, ann.project.id));
    const uploaded = await openai.files.create({ file: await toFile(Buffer.from(trainingJsonl), 'train.jsonl'), purpose: 'fine-tune' });
    assert.match(uploaded.id, /^file-/);
    assert.equal(uploaded.object, 'file');
    assert.equal(uploaded.bytes, Buffer.byteLength(trainingJsonl));
    assert.equal(uploaded.filename, 'train.jsonl');
    assert.equal(uploaded.purpose, 'fine-tune');
    assert.equal(uploaded.status, 'processed');
    // OpenAI types expires_at (integer) and status_details (string) as optional, never null: absent here.
    assert.deepEqual(Object.keys(uploaded).sort(), ['bytes', 'created_at', 'filename', 'id', 'object', 'purpose', 'status']);

    const retrieved = await openai.files.retrieve(uploaded.id);
    assert.deepEqual(retrieved, uploaded);
    const content = await openai.files.content(uploaded.id);
    assert.equal(content.headers.get('content-type'), 'application/octet-stream');
    assert.match(content.headers.get('content-disposition') ?? '', /^attachment; filename="train.jsonl"/);
    assert.equal(content.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(Buffer.from(await content.arrayBuffer()).toString(), trainingJsonl);

    const batch = await openai.files.create({
      file: await toFile(Buffer.from(JSON.stringify({ custom_id: 'r1', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [] } }) + '\n'), 'batch.jsonl'),
      purpose: 'batch',
    });
    const ids: string[] = [];
    for await (const file of openai.files.list()) ids.push(file.id);
    assert.deepEqual(ids.sort(), [batch.id, uploaded.id].sort());
    const fineTuneOnly: string[] = [];
    for await (const file of openai.files.list({ purpose: 'fine-tune' })) fineTuneOnly.push(file.id);
    assert.deepEqual(fineTuneOnly, [uploaded.id]);
    const listed = await api().get('/v1/files', await keyFor(api(), ann.token, ann.project.id));
    assert.ok(listed.body.data.every((file: object) => !('expires_at' in file) && !('status_details' in file)), JSON.stringify(listed.body.data));
    const documented = (await api().get('/openapi.json')).body.paths['/v1/files/{file_id}'].get.responses['200'].content['application/json'].schema;
    assert.equal(documented.properties.expires_at.type, 'integer', 'an integer, not nullable');
    assert.ok(!documented.required.includes('expires_at') && !documented.required.includes('status_details'));

    const deleted = await openai.files.delete(uploaded.id);
    assert.deepEqual(deleted, { id: uploaded.id, object: 'file', deleted: true });
    await assert.rejects(openai.files.retrieve(uploaded.id), (error: InstanceType<typeof OpenAI.NotFoundError>) => error.status === 404);
    assert.ok(!storedFiles().includes(uploaded.id), 'the content is gone from storage');
  });

  test('a bad fine-tune file is refused with the number of its first bad line', async () => {
    const ann = await signUp(api(), 'ann');
    const openai = await client(await keyFor(api(), ann.token, ann.project.id));
    const storedBefore = storedFiles().sort();
    const cases: Array<[string, RegExp]> = [
      [`${conversation(1)}\n${conversation(2)}\n{"messages": [{"role": "user", "content": "no answer"}]}\n`, /^line 3: the last message must be from the assistant/],
      [`${conversation(1)}\nnot json\n`, /^line 2: not valid JSON/],
      [`${conversation(1)}\n{"prompt": "p", "completion": "c"}\n`, /^line 2: the example is instruction but the file's first example is conversational/],
      [`{"foo": 1}\n`, /^line 1: expected "messages", "prompt" and "completion", or "text"/],
      [`${conversation(1)}\n\n${conversation(2)}\n`, /^line 2: empty line/],
      ['', /^line 1: the file holds no lines/],
    ];
    for (const [text, pattern] of cases) {
      await assert.rejects(
        openai.files.create({ file: await toFile(Buffer.from(text), 'bad.jsonl'), purpose: 'fine-tune' }),
        (error: InstanceType<typeof OpenAI.BadRequestError>) => {
          assert.equal(error.status, 400);
          assert.match((error.error as { message: string }).message, pattern);
          return true;
        },
      );
    }
    const badBatch = openai.files.create({ file: await toFile(Buffer.from('{"custom_id": "a", "method": "GET", "url": "/v1/x", "body": {}}\n'), 'b.jsonl'), purpose: 'batch' });
    await assert.rejects(badBatch, (error: InstanceType<typeof OpenAI.BadRequestError>) => /^line 1: "method" must be "POST"/.test((error.error as { message: string }).message));
    const list = await api().get('/v1/files', undefined, { authorization: `Bearer ${await keyFor(api(), ann.token, ann.project.id)}` });
    assert.deepEqual(list.body.data, [], 'nothing refused is listed');
    assert.deepEqual(storedFiles().sort(), storedBefore, 'nothing refused is stored');
  });

  test('files belong to their project: another project gets 404, and the project must be named for a session', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const other = (await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'Other' })).body;
    const annClient = await client(await keyFor(api(), ann.token, ann.project.id));
    const file = await annClient.files.create({ file: await toFile(Buffer.from(trainingJsonl), 't.jsonl'), purpose: 'fine-tune' });
    for (const openai of [await client(await keyFor(api(), ann.token, other.id)), await client(await keyFor(api(), bob.token, bob.project.id))]) {
      await assert.rejects(openai.files.retrieve(file.id), (e: { status: number }) => e.status === 404);
      await assert.rejects(openai.files.content(file.id), (e: { status: number }) => e.status === 404);
      await assert.rejects(openai.files.delete(file.id), (e: { status: number }) => e.status === 404);
    }
    const bySession = await client(ann.token, ann.project.id);
    assert.equal((await bySession.files.retrieve(file.id)).id, file.id, 'a session names its project with OpenAI-Project');
    const bobSession = await client(bob.token, ann.project.id);
    await assert.rejects(bobSession.files.retrieve(file.id), (e: { status: number }) => e.status === 404);
    const noProject = await api().get(`/v1/files/${file.id}`, ann.token);
    assert.equal(noProject.status, 400);
    assert.equal(noProject.body.error.param, 'project_id');
    const keyNamingOther = await api().get(`/v1/files/${file.id}`, undefined, { authorization: `Bearer ${await keyFor(api(), ann.token, ann.project.id)}`, 'openai-project': other.id });
    assert.equal(keyNamingOther.status, 404);
  });

  test('a file over the size limit is refused with 413 and leaves nothing behind', async () => {
    const ann = await signUp(api(), 'ann');
    const openai = await client(await keyFor(api(), ann.token, ann.project.id));
    const big = Array.from({ length: 2000 }, (_, i) => conversation(i)).join('\n');
    assert.ok(big.length > 64 * 1024);
    await assert.rejects(openai.files.create({ file: await toFile(Buffer.from(big), 'big.jsonl'), purpose: 'fine-tune' }), (e: { status: number; error: { code: string } }) => {
      assert.equal(e.status, 413);
      assert.equal(e.error.code, 'payload_too_large');
      return true;
    });
    assert.deepEqual(storedFiles().filter((f) => f.endsWith('.partial')), []);
  });

  test('an upload cut off half-way leaves no file behind and nothing listed', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyFor(api(), ann.token, ann.project.id);
    const base = new URL(await listen(server.tenantry));
    const before = storedFiles().length;
    await new Promise<void>((resolve) => {
      const boundary = 'cutoffboundary';
      const req = httpRequest({
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: '/v1/files',
        headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': '100000' },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n${conversation(1)}\n${conversation(2)}\n`);
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
    // Give the server a moment to notice the closed socket and clean up.
    for (let i = 0; i < 50 && storedFiles().length !== before; i += 1) await new Promise((r) => setTimeout(r, 20));
    assert.equal(storedFiles().length, before, 'no partial file left');
    const listed = await api().get('/v1/files', key);
    assert.deepEqual(listed.body.data, []);
  });
});

describeEachDatabase('datasets', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);

  test('a dataset is made from fine-tune files with its detected format, rows and region; it holds its region', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await keyFor(api(), ann.token, ann.project.id);
    const openai = new OpenAI({ apiKey: key, baseURL: `${await listen(server.tenantry)}/v1`, maxRetries: 0 });
    const first = await openai.files.create({ file: await toFile(Buffer.from(trainingJsonl), 'a.jsonl'), purpose: 'fine-tune' });
    const second = await openai.files.create({ file: await toFile(Buffer.from(`${conversation(1)}\n${conversation(2)}\n`), 'b.jsonl'), purpose: 'fine-tune' });
    const instruction = await openai.files.create({ file: await toFile(Buffer.from('{"prompt": "p", "completion": "c"}\n'), 'c.jsonl'), purpose: 'fine-tune' });
    await api().patch(`/v1/projects/${ann.project.id}`, ann.token, { regions: ['eu-north1', 'eu-west1'] });

    const made = await api().post('/v1/datasets', key, { name: 'support chats', file_ids: [first.id, second.id], region: 'eu-west1' });
    assert.equal(made.status, 201);
    assert.match(made.body.id, /^ds_/);
    assert.equal(made.body.object, 'dataset');
    assert.equal(made.body.format, 'conversational');
    assert.equal(made.body.rows, 52);
    assert.equal(made.body.region, 'eu-west1');
    assert.deepEqual(made.body.file_ids, [first.id, second.id]);

    const mixed = await api().post('/v1/datasets', key, { name: 'mixed', file_ids: [first.id, instruction.id] });
    assert.equal(mixed.status, 400);
    assert.equal(mixed.body.error.param, 'file_ids.1');
    const otherRegion = await api().post('/v1/datasets', key, { name: 'x', file_ids: [first.id], region: 'us-central1' });
    assert.equal(otherRegion.status, 400);
    assert.equal(otherRegion.body.error.param, 'region');
    const unknownFile = await api().post('/v1/datasets', key, { name: 'x', file_ids: ['file-nope'] });
    assert.equal(unknownFile.body.error.param, 'file_ids.0');

    const drop = await api().patch(`/v1/projects/${ann.project.id}`, ann.token, { regions: ['eu-north1'] });
    assert.equal(drop.status, 409);
    assert.equal(drop.body.error.code, 'region_in_use');

    assert.deepEqual((await api().get('/v1/datasets', key)).body.data.map((d: { id: string }) => d.id), [made.body.id]);
    assert.equal((await api().get(`/v1/datasets/${made.body.id}`, key)).body.rows, 52);
    const bob = await signUp(api(), 'bob');
    const bobKey = await keyFor(api(), bob.token, bob.project.id);
    assert.equal((await api().get(`/v1/datasets/${made.body.id}`, bobKey)).status, 404);

    // Its rows, a page at a time, in the order of its files, each with the line it came from.
    const rowsOf = (query: string, as = key) => api().get(`/v1/datasets/${made.body.id}/rows${query}`, as);
    const firstPage = await rowsOf('?limit=3');
    assert.equal(firstPage.status, 200);
    assert.equal(firstPage.body.total, 52);
    assert.equal(firstPage.body.has_more, true);
    assert.deepEqual(firstPage.body.data.map((r: { index: number; file_id: string; line: number }) => [r.index, r.file_id, r.line]), [[0, first.id, 1], [1, first.id, 2], [2, first.id, 3]]);
    assert.deepEqual(firstPage.body.data[0].data, JSON.parse(trainingJsonl.split('\n')[0]!));
    const across = await rowsOf('?offset=49&limit=10');
    assert.deepEqual(across.body.data.map((r: { file_id: string; line: number }) => [r.file_id, r.line]), [[first.id, 50], [second.id, 1], [second.id, 2]]);
    assert.deepEqual(across.body.data[2].data, JSON.parse(conversation(2)));
    assert.equal(across.body.has_more, false);
    assert.deepEqual((await rowsOf('?offset=52')).body.data, []);
    for (const bad of ['?limit=0', '?limit=101', '?offset=-1', '?offset=x']) {
      const refused = await rowsOf(bad);
      assert.equal(refused.status, 400, bad);
      assert.equal(refused.body.error.param, bad.slice(1, bad.indexOf('=')), bad);
    }
    assert.equal((await rowsOf('', bobKey)).status, 404, "another project's dataset");
    assert.equal((await api().get('/v1/datasets/ds_nope/rows', key)).status, 404);
    assert.deepEqual((await api().delete(`/v1/datasets/${made.body.id}`, key)).body, { id: made.body.id, object: 'dataset', deleted: true });
    assert.equal((await api().patch(`/v1/projects/${ann.project.id}`, ann.token, { regions: ['eu-north1'] })).status, 200, 'the region is free again');
  });
});
