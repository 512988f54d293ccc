import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { randomBase62 } from '../src/lib/ids.ts';
import { sha256Hex } from '../src/lib/secrets.ts';
import { describeEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { fetchClient } from './helpers/fetch-client.ts';
import { startServerProcess, type ServerProcess } from './helpers/server-process.ts';
import { bodyOf, startSmtpReceiver } from './helpers/smtp.ts';
import { killWorkerGroup, startWorkerProcess, waitFor } from './helpers/worker.ts';

/**
 * Secrets at rest: after a scenario that issues every kind of secret the server hands out or is given
 * (passwords, sessions, email verification tokens, project, rotated, service-account and organization
 * keys, the worker token, the server secret, an SSO connection's client secret), with LOG_LEVEL=debug, none of them appears in plain text
 * in the database (the SQLite files byte for byte, or a PostgreSQL dump), in the server's log or in any
 * audit event. Planted markers prove the scan reads what it scans.
 */

const BASE_MODEL = 'meta-llama/Llama-3.3-70B-Instruct';
const unique = () => randomBase62(10);
const training = Array.from({ length: 10 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] })).join('\n') + '\n';

/** The labels of the secrets that occur in `haystack`: the whole secret, or a token's random part alone. */
function occurrences(haystack: Buffer, secrets: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [label, secret] of secrets) {
    const randomPart = /^tnt_[a-z]+_([0-9A-Za-z]{40,})$/.exec(secret)?.[1];
    if (haystack.includes(Buffer.from(secret)) || (randomPart && haystack.includes(Buffer.from(randomPart)))) found.push(label);
  }
  return found;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every row of every table of the database, as text. */
async function selectEverything(url: string): Promise<Buffer> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`SELECT * FROM "${table_name}"`);
      parts.push(`-- ${table_name}\n${rows.rows.map((row) => JSON.stringify(row)).join('\n')}`);
    }
    return Buffer.from(parts.join('\n'));
  } finally {
    await client.end();
  }
}

function pgDumpAvailable(): boolean {
  try {
    execFileSync('pg_dump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describeEachDatabase('secrets at rest and in logs', (kind) => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let database: TestDatabase;
  const smtpCredentials = { user: 'tenantry', password: `smtp-password-${unique()}` };
  before(async () => {
    smtp = await startSmtpReceiver(smtpCredentials);
    database = await kind.create();
  });
  after(async () => {
    await smtp?.close();
    await database?.drop();
  });

  test('no password, token or key appears in plain text in the database, the debug log or any audit event', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-secrets-'));
    const secrets = new Map<string, string>();
    const keep = (label: string, value: unknown): string => {
      assert.equal(typeof value, 'string', `${label} was issued`);
      secrets.set(label, value as string);
      return value as string;
    };
    const serverSecret = keep('TENANTRY_SECRET', `server-secret-${unique()}`);
    const workerToken = keep('TENANTRY_WORKER_TOKEN', `worker-token-${unique()}`);
    keep('SMTP password', smtpCredentials.password);
    // Markers the scan must find: a region id (logged at start, stored with the project, in its audit
    // event) and a project name (stored and audited).
    const markerRegion = `planted-region-${unique().toLowerCase()}`;
    const markerName = `planted-name-${unique()}`;
    // On PostgreSQL the server gets a password in its URL (the test server trusts local connections and
    // ignores it): the URL must not reach the log either.
    const databasePassword = keep('the database password', `db-password-${unique()}`);
    const withPassword = new URL(database.url);
    withPassword.password = databasePassword;
    const databaseUrl = database.kind === 'sqlite' ? `sqlite:${join(dataDir, 'tenantry.db')}` : withPassword.toString();
    let server: ServerProcess | undefined = await startServerProcess({
      dataDir,
      databaseUrl,
      logLevel: 'debug',
      env: { TENANTRY_SECRET: serverSecret, TENANTRY_WORKER_TOKEN: workerToken },
      config: {
        regions: [
          { id: 'eu-north1', inference_base_url: 'http://127.0.0.1:9/v1' },
          { id: markerRegion, inference_base_url: 'http://127.0.0.1:9/v1' },
        ],
        models: [{ id: BASE_MODEL, upstream: 'http://127.0.0.1:9/v1', fine_tunable: true }],
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false, user: smtpCredentials.user, password: smtpCredentials.password, from: 'Tenantry <no-reply@tenantry.test>' },
      },
    });
    const { call, all } = fetchClient(() => server!.url);
    const worker: { child?: ReturnType<typeof startWorkerProcess> } = {};
    const organizations: Array<{ id: string; token: () => string }> = [];
    try {
      // Accounts: signups with their verification emails, a failed and a good login, a password change.
      const mailsBefore = smtp.messages.length;
      const signUp = async (label: string) => {
        const email = `${label}.${unique()}@secrets.test`.toLowerCase();
        const password = keep(`${label} password`, `${label}-password-${unique()}`);
        const answer = await call('POST', '/v1/auth/signup', { body: { email, password, name: label } });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        keep(`${label} signup session`, answer.body.session_token);
        keep(`${label} csrf token`, answer.body.csrf_token);
        return { email, password, token: answer.body.session_token as string, org: answer.body.organization.id as string, project: answer.body.project.id as string };
      };
      const ann = await signUp('ann');
      const bob = await signUp('bob');
      const carol = await signUp('carol');
      await smtp.waitFor(mailsBefore + 3);
      const verificationToken = (email: string) => {
        const mail = smtp.messages.find((m) => m.to.includes(email));
        assert.ok(mail, `a verification email to ${email}`);
        return /POST \/v1\/auth\/verify_email: (tnt_verify_[0-9A-Za-z]+)/.exec(bodyOf(mail))?.[1];
      };
      for (const user of [ann, bob]) {
        const token = keep(`${user.email} verification token`, verificationToken(user.email));
        assert.equal((await call('POST', '/v1/auth/verify_email', { token: user.token, body: { token } })).status, 200);
      }
      keep('carol verification token (never used)', verificationToken(carol.email));

      const wrongPassword = keep('a wrong password', `wrong-password-${unique()}`);
      assert.equal((await call('POST', '/v1/auth/login', { body: { email: ann.email, password: wrongPassword } })).status, 401);
      assert.equal((await call('POST', '/v1/auth/login', { body: { email: `nobody.${unique()}@secrets.test`, password: wrongPassword } })).status, 401);
      const login = await call('POST', '/v1/auth/login', { body: { email: ann.email, password: ann.password } });
      assert.equal(login.status, 200);
      const annSession = keep('ann login session', login.body.session_token);
      const newPassword = keep('ann new password', `ann-new-password-${unique()}`);
      assert.equal((await call('POST', '/v1/me/password', { token: annSession, body: { current_password: ann.password, new_password: newPassword } })).status, 200);
      const relogin = await call('POST', '/v1/auth/login', { body: { email: ann.email, password: newPassword } });
      assert.equal(relogin.status, 200);
      const annToken = keep('ann session after the password change', relogin.body.session_token);
      const spare = await call('POST', '/v1/auth/login', { body: { email: ann.email, password: newPassword } });
      assert.equal((await call('POST', '/v1/auth/logout', { token: keep('ann logged-out session', spare.body.session_token) })).status, 204);
      organizations.push({ id: ann.org, token: () => annToken }, { id: bob.org, token: () => bob.token }, { id: carol.org, token: () => carol.token });

      // An invitation by email, accepted by a verified user.
      const invitation = await call('POST', `/v1/organizations/${ann.org}/invitations`, { token: annToken, body: { email: bob.email } });
      assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
      assert.equal((await call('POST', `/v1/me/invitations/${invitation.body.id}/accept`, { token: bob.token })).status, 200);

      // An SSO connection's client secret, given at creation and changed: sealed at rest, never shown.
      const ssoSecret = keep('SSO client secret', `sso-client-secret-${unique()}`);
      const connection = await call('POST', `/v1/organizations/${ann.org}/sso_connections`, { token: annToken, body: { issuer: 'https://idp.secrets.test', client_id: 'tenantry', client_secret: ssoSecret, domains: ['secrets.test'] } });
      assert.equal(connection.status, 201, JSON.stringify(connection.body));
      const changedSsoSecret = keep('SSO client secret after a change', `sso-client-secret-${unique()}`);
      assert.equal((await call('PATCH', `/v1/organizations/${ann.org}/sso_connections/${connection.body.id}`, { token: annToken, body: { client_secret: changedSsoSecret } })).status, 200);

      // A project whose name and region are the planted markers.
      const marked = await call('POST', `/v1/organizations/${ann.org}/projects`, { token: annToken, body: { name: markerName, regions: [markerRegion] } });
      assert.equal(marked.status, 201, JSON.stringify(marked.body));

      // Keys: a project key, rotated with a grace period (both secrets used); a service account's
      // project key and its organization key; a revoked key used after its revocation.
      const project = ann.project;
      const created = await call('POST', `/v1/projects/${project}/api_keys`, { token: annToken, body: { name: 'first' } });
      assert.equal(created.status, 201);
      const oldKey = keep('project key before rotation', created.body.key);
      const rotated = await call('POST', `/v1/projects/${project}/api_keys/${created.body.id}/rotate`, { token: annToken, body: { grace_seconds: 600 } });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const newKey = keep('project key after rotation', rotated.body.key);
      for (const key of [oldKey, newKey]) assert.equal((await call('GET', '/v1/files', { token: key })).status, 200);

      const account = await call('POST', `/v1/organizations/${ann.org}/service_accounts`, { token: annToken, body: { name: 'robot' } });
      assert.equal(account.status, 201, JSON.stringify(account.body));
      const members = (await all<{ id: string; name: string }>(`/v1/projects/${project}/groups`, annToken)).find((g) => g.name === 'members')!;
      assert.equal((await call('POST', `/v1/projects/${project}/groups/${members.id}/members`, { token: annToken, body: { principal_id: account.body.id } })).status, 201);
      const saKey = await call('POST', `/v1/projects/${project}/api_keys`, { token: annToken, body: { name: 'robot', owner_id: account.body.id } });
      assert.equal(saKey.status, 201, JSON.stringify(saKey.body));
      assert.equal((await call('GET', '/v1/files', { token: keep('service account project key', saKey.body.key) })).status, 200);
      const orgKey = await call('POST', `/v1/organizations/${ann.org}/api_keys`, { token: annToken, body: { name: 'automation', owner_id: account.body.id } });
      assert.equal(orgKey.status, 201, JSON.stringify(orgKey.body));
      assert.equal((await call('GET', '/v1/files', { token: keep('organization key', orgKey.body.key), headers: { 'openai-project': project } })).status, 200);
      assert.equal((await call('DELETE', `/v1/projects/${project}/api_keys/${saKey.body.id}`, { token: annToken })).status, 200);
      assert.equal((await call('GET', '/v1/files', { token: saKey.body.key })).status, 401);
      const madeUp = keep('a made-up key presented', `tnt_key_${randomBase62(43)}`);
      assert.equal((await call('GET', '/v1/files', { token: madeUp })).status, 401);

      // A fine-tuning job run by a worker holding the worker token.
      const form = new FormData();
      form.append('purpose', 'fine-tune');
      form.append('file', new Blob([training]), 'train.jsonl');
      const file = await call('POST', '/v1/files', { token: newKey, form });
      assert.equal(file.status, 200, JSON.stringify(file.body));
      const job = await call('POST', '/v1/fine_tuning/jobs', { token: newKey, body: { model: BASE_MODEL, training_file: file.body.id } });
      assert.equal(job.status, 200, JSON.stringify(job.body));
      worker.child = startWorkerProcess({ url: server.url, token: workerToken, trainerArgs: '--steps 2 --step-ms 10' });
      const finished = await waitFor(async () => {
        const current = await call('GET', `/v1/fine_tuning/jobs/${job.body.id}`, { token: newKey });
        return ['succeeded', 'failed', 'cancelled'].includes(current.body.status) ? current.body.status : undefined;
      }, 'the job to finish');
      assert.equal(finished, 'succeeded', worker.child.output());

      // The scan: every audit event of every organization, through the API.
      const events: unknown[] = [];
      for (const organization of organizations) events.push(...(await all(`/v1/organizations/${organization.id}/audit_logs`, organization.token())));
      const auditText = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n'));
      assert.ok(events.some((e) => (e as { type: string }).type === 'api_key.rotated'), 'the audit log holds the rotation');
      assert.ok(auditText.includes(markerName) && auditText.includes(markerRegion), 'the audit scan reads the planted markers');
      assert.deepEqual(occurrences(auditText, secrets), [], 'no secret in any audit event');

      // The database, as stored.
      const dumps: Array<[string, Buffer]> = [];
      const readDatabase = async () => {
        if (database.kind === 'sqlite') {
          for (const path of filesUnder(dataDir)) dumps.push([path, readFileSync(path)]);
        } else {
          dumps.push(['SELECT * of every table', await selectEverything(database.url)]);
          if (pgDumpAvailable()) dumps.push(['pg_dump', execFileSync('pg_dump', ['--no-owner', database.url], { maxBuffer: 256 * 1024 * 1024 })]);
        }
      };
      await readDatabase();
      const log = () => Buffer.from(server!.output() + (worker.child?.output() ?? ''));
      await killWorkerGroup(worker.child.child);
      // Stopped, SQLite folds its write-ahead log into the main file: read both states.
      await server.stop();
      const finalLog = log();
      server = undefined;
      await readDatabase();

      const everything = Buffer.concat(dumps.map(([, bytes]) => bytes));
      if (database.kind === 'sqlite') {
        assert.ok(dumps.some(([path]) => path.endsWith('tenantry.db-wal')), 'the write-ahead log was read');
      } else {
        assert.ok(dumps.length >= 2, 'the database was dumped');
      }
      assert.ok(everything.includes(Buffer.from(markerName)) && everything.includes(Buffer.from(markerRegion)), 'the database scan reads the planted markers');
      for (const [source, bytes] of dumps) assert.deepEqual(occurrences(bytes, secrets), [], `no secret in ${source}`);
      assert.ok(everything.includes(Buffer.from(sha256Hex(newKey))), 'the database scan reads where the key hashes are kept');

      assert.ok(finalLog.includes(Buffer.from(markerRegion)), 'the log scan reads the planted region (logged at start)');
      assert.ok(finalLog.includes(Buffer.from('tenantry is serving')), 'the log was captured');
      assert.deepEqual(occurrences(finalLog, secrets), [], 'no secret in the server or worker log');
      t.diagnostic(`${secrets.size} secrets; scanned ${events.length} audit events, ${dumps.length} database reads (${everything.length} bytes), ${finalLog.toString().split('\n').length} log lines`);
    } finally {
      if (worker.child) await killWorkerGroup(worker.child.child);
      await server?.stop();
    }
  });
});
