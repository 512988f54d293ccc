import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { postgresAnswers, testEnvironment } from '../scripts/test.js';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const FIXTURE = join(import.meta.dirname, 'fixtures', 'two-database-suite.ts');

/** A TCP server that accepts connections and never answers: an open port that is not PostgreSQL. */
async function silentServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test('without PostgreSQL the summary counts each PostgreSQL half as skipped, saying how to run it', () => {
  // NODE_TEST_CONTEXT would make the child report to this runner instead of printing its TAP.
  const { CI: _ci, NODE_TEST_CONTEXT: _context, ...env } = process.env;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', FIXTURE], {
    env: { ...env, TENANTRY_TEST_DATABASE_URL: '' },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^# pass 2$/m, 'the SQLite half runs');
  assert.match(result.stdout, /^# skipped 1$/m, 'the PostgreSQL half shows in the summary');
  assert.match(result.stdout, /a two-test suite \[postgres\] skipped # SKIP .*TENANTRY_TEST_DATABASE_URL=postgres:\/\//);
});

test('npm test uses a PostgreSQL that answers on 127.0.0.1:5432 without being told, and says so', async () => {
  const found = await testEnvironment({ PATH: '/bin' }, async (url) => url === LOCAL_POSTGRES);
  assert.equal(found.env.TENANTRY_TEST_DATABASE_URL, LOCAL_POSTGRES);
  assert.equal(found.env.PATH, '/bin');
  assert.match(found.note ?? '', /PostgreSQL answers at 127\.0\.0\.1:5432/);

  const missing = await testEnvironment({ PATH: '/bin' }, async () => false);
  assert.equal(missing.env.TENANTRY_TEST_DATABASE_URL, undefined);
  assert.match(missing.note ?? '', /PostgreSQL halves are skipped.*TENANTRY_TEST_DATABASE_URL=postgres:\/\//);
});

test('a TENANTRY_TEST_DATABASE_URL that is set, even empty, is kept and nothing is probed', async () => {
  for (const value of ['postgres://someone@db.example:5432/x', '']) {
    const kept = await testEnvironment({ TENANTRY_TEST_DATABASE_URL: value }, async () => assert.fail('probed'));
    assert.equal(kept.env.TENANTRY_TEST_DATABASE_URL, value);
    assert.equal(kept.note, undefined);
  }
});

test('the probe wants a real answer to SELECT 1, not just an open port', async () => {
  const { server, port } = await silentServer();
  try {
    assert.equal(await postgresAnswers(`postgres://postgres@127.0.0.1:${port}/postgres`), false);
  } finally {
    server.close();
  }
  const closed = await silentServer();
  closed.server.close();
  assert.equal(await postgresAnswers(`postgres://postgres@127.0.0.1:${closed.port}/postgres`), false);
});

test('the probe answers true for a PostgreSQL that answers', { skip: process.env.TENANTRY_TEST_DATABASE_URL ? false : 'TENANTRY_TEST_DATABASE_URL is not set' }, async () => {
  assert.equal(await postgresAnswers(process.env.TENANTRY_TEST_DATABASE_URL!), true);
});
