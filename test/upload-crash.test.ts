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
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});
