import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeEachDatabase } from './helpers/databases.ts';
import { startServerProcess, type ServerProcess } from './helpers/server-process.ts';

async function json(url: string, path: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(`${url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  return response.json();
}

describeEachDatabase('an upload cut off by a crash', (kind) => {
  test('an upload cut off by the server being killed leaves no file behind and nothing listed after a restart', async () => {
    const database = await kind.create();
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-crash-'));
    const start = () => startServerProcess({ dataDir, databaseUrl: database.kind === 'sqlite' ? '' : database.url });
    let server: ServerProcess = await start();
    try {
      const { url } = server;
      const signup = await json(url, '/v1/auth/signup', { method: 'POST', body: JSON.stringify({ email: 'crash@example.test', password: 'a long password', name: 'C' }) });
      const key = (await json(url, `/v1/projects/${signup.project.id}/api_keys`, { method: 'POST', headers: { authorization: `Bearer ${signup.session_token}` }, body: JSON.stringify({ name: 'k' }) })).key;

      const target = new URL(url);
      const boundary = 'crashboundary';
      const req = httpRequest({
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: '/v1/files',
        headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(10 * 1024 * 1024) },
      });
      req.on('error', () => {});
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n`);
      const line = JSON.stringify({ text: 'x'.repeat(1000) }) + '\n';
      for (let i = 0; i < 200; i += 1) req.write(line);
      // Wait until the server has begun writing the file, then kill it without warning.
      const filesDir = join(dataDir, 'files');
      for (let i = 0; i < 100; i += 1) {
        try {
          if (readdirSync(filesDir).some((f) => f.endsWith('.partial'))) break;
        } catch {
          // The folder appears with the first upload.
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(readdirSync(filesDir).some((f) => f.endsWith('.partial')), 'the upload was under way');
      await server.kill();
      req.destroy();

      server = await start();
      assert.deepEqual(readdirSync(filesDir), [], 'the restart swept the partial upload');
      const listed = await json(server.url, '/v1/files', { headers: { authorization: `Bearer ${key}` } });
      assert.deepEqual(listed.data, []);
      const events = await json(server.url, `/v1/organizations/${signup.organization.id}/audit_logs?type=file.created`, { headers: { authorization: `Bearer ${signup.session_token}` } });
      assert.deepEqual(events.data, [], 'no file.created event for the upload that never finished');
      const verified = await json(server.url, `/v1/organizations/${signup.organization.id}/audit_logs/verify`, { headers: { authorization: `Bearer ${signup.session_token}` } });
      assert.equal(verified.ok, true, JSON.stringify(verified));

      // The restarted server takes the same upload whole.
      const form = new FormData();
      form.append('purpose', 'fine-tune');
      form.append('file', new Blob([line.repeat(200)]), 'big.jsonl');
      const uploaded = await fetch(`${server.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
      assert.equal(uploaded.status, 200);
      const file = (await uploaded.json()) as { id: string; bytes: number };
      assert.equal(file.bytes, line.length * 200);
      assert.deepEqual(readdirSync(filesDir), [file.id]);
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});
