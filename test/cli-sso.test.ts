import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Tenantry } from '../src/server.ts';
import { Api } from './helpers/client.ts';
import { describeEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { signInAtIdp, startTestIdp, type TestIdp } from './helpers/oidc-provider.ts';
import { createOrganization } from './helpers/organizations.ts';
import { startTenantry } from './helpers/server.ts';
import { startSmtpReceiver } from './helpers/smtp.ts';
import { verifiedUser } from './helpers/verified-user.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'tenantry.js');
const CONSOLE_URL = 'http://tenantry.test';
const CALLBACK = `${CONSOLE_URL}/v1/auth/sso/callback`;

interface Running {
  stderrUntil(pattern: RegExp): Promise<RegExpExecArray>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Runs the real `tenantry` bin as a child process, as a person would in a shell. */
function tenantry(home: string, args: string[], stdin = ''): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, XDG_CONFIG_HOME: home, TENANTRY_URL: '', TENANTRY_API_KEY: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stdin.end(stdin);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    done,
    async stderrUntil(pattern) {
      for (;;) {
        const match = pattern.exec(stderr);
        if (match) return match;
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), done.then(() => { throw new Error(`exited before ${pattern}: ${stderr}`); })]);
      }
    },
  };
}

async function json(running: Running) {
  const result = await running.done;
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describeEachDatabase('the tenantry command line with single sign-on', (kind) => {
  let database: TestDatabase;
  let server: Tenantry;
  let idp: TestIdp;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;

  before(async () => {
    idp = await startTestIdp({ redirectUri: CALLBACK });
    smtp = await startSmtpReceiver();
    database = await kind.create();
    server = await startTenantry(database, { config: { console_url: CONSOLE_URL, smtp: { host: '127.0.0.1', port: smtp.port }, sso: { allow_http_issuers: true } } });
  });
  after(async () => {
    await server?.close();
    await database?.drop();
    await idp?.close();
    await smtp?.close();
  });

  test('an admin sets up SSO and a mapping with `tenantry sso`, and a new person signs in with `tenantry login --sso` through the browser flow', async () => {
    const url = await listen(server);
    const api = new Api(server.app);
    const domain = `acme-${randomBytes(4).toString('hex')}.test`;
    const admin = await verifiedUser(api, smtp, `admin@${domain}`);
    const org = await createOrganization(api, admin);
    const adminHome = mkdtempSync(join(tmpdir(), 'tenantry-cli-sso-admin-'));
    const login = await tenantry(adminHome, ['login', '--url', url, '--email', admin.user.email, '--password-stdin'], 'correct horse battery\n').done;
    assert.equal(login.code, 0, login.stderr);

    const connection = await json(
      tenantry(adminHome, ['sso', 'connections', 'create', '--org', org.id, '--issuer', idp.issuer, '--client-id', idp.clientId, '--client-secret-stdin', '--domain', domain, '--json'], `${idp.clientSecret}\n`),
    );
    assert.equal(connection.client_secret_set, true);
    assert.equal(connection.redirect_uri, CALLBACK);
    assert.equal(connection.domains[0].verified, true);
    const group = await api.post(`/v1/organizations/${org.id}/groups`, admin.token, { name: 'engineers', role: 'member' });
    const mapping = await json(tenantry(adminHome, ['sso', 'mappings', 'create', connection.id, '--org', org.id, '--idp-group', 'eng', '--group', group.body.id, '--json']));
    assert.equal(mapping.idp_group, 'eng');
    const table = await tenantry(adminHome, ['sso', 'connections', 'list', '--org', org.id]).done;
    assert.match(table.stdout, new RegExp(`${connection.id}.*${domain}`));

    // The person runs `tenantry login --sso`; the test plays their browser.
    idp.accounts.set('nina', { email: `nina@${domain}`, groups: ['eng'] });
    const ninaHome = mkdtempSync(join(tmpdir(), 'tenantry-cli-sso-nina-'));
    const signingIn = tenantry(ninaHome, ['login', '--sso', '--url', url, '--email', `nina@${domain}`]);
    const [, startUrl] = await signingIn.stderrUntil(/^\s+(http:\/\/\S+)$/m);
    const started = await fetch(startUrl!, { redirect: 'manual' });
    assert.equal(started.status, 302);
    const stateCookie = started.headers.getSetCookie().find((c) => c.startsWith('tenantry_sso_state='))!.split(';')[0]!;
    const back = new URL(await signInAtIdp(started.headers.get('location')!, 'nina', CALLBACK));
    const handed = await fetch(`${url}${back.pathname}${back.search}`, { redirect: 'manual', headers: { cookie: stateCookie } });
    assert.equal(handed.status, 302, await handed.text());
    const loopback = await fetch(handed.headers.get('location')!);
    assert.equal(loopback.status, 200);
    const result = await signingIn.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Signed in .* through single sign-on/);
    const me = await json(tenantry(ninaHome, ['whoami', '--json']));
    assert.equal(me.email, `nina@${domain}`);
    const inOrg = me.organizations.find((o: { id: string }) => o.id === org.id);
    assert.deepEqual(inOrg.groups.map((g: { name: string }) => g.name), ['engineers']);

    const deleted = await json(tenantry(adminHome, ['sso', 'connections', 'delete', connection.id, '--org', org.id, '--json']));
    assert.equal(deleted.deleted, true);
  });
});
