import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { useTenantry } from './helpers/server.ts';
import { killWorkerGroup, startWorkerProcess } from './helpers/worker.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'tenantry.js');
const BASE_MODEL = 'acme/base-model';
const WORKER_TOKEN = 'cli-worker-token';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `tenantry` bin as a child process, as a person would in a shell. */
function tenantry(home: string, args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, XDG_CONFIG_HOME: home, TENANTRY_URL: '', TENANTRY_API_KEY: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(options.stdin ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const json = (result: Result) => {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
};

describeEachDatabase('the tenantry command line', (kind) => {
  const server = useTenantry(kind, {
    env: { TENANTRY_WORKER_TOKEN: WORKER_TOKEN },
    config: { models: [{ id: BASE_MODEL, upstream: 'http://127.0.0.1:9/v1', fine_tunable: true }] },
  });

  test('login, projects, keys, an upload with progress, a job followed to its end, and an invitation accepted', async () => {
    const url = await listen(server.tenantry);
    const api = new Api(server.tenantry.app);
    const ann = await signUp(api, 'ann', 'ann password 1');
    const bob = await signUp(api, 'bob', 'bob password 1');
    const annHome = mkdtempSync(join(tmpdir(), 'tenantry-cli-ann-'));
    const bobHome = mkdtempSync(join(tmpdir(), 'tenantry-cli-bob-'));

    const login = await tenantry(annHome, ['login', '--url', url, '--email', ann.user.email, '--password-stdin'], { stdin: 'ann password 1\n' });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, /Signed in/);
    assert.equal(statSync(join(annHome, 'tenantry', 'credentials.json')).mode & 0o777, 0o600);
    const wrong = await tenantry(bobHome, ['login', '--url', url, '--email', bob.user.email, '--password-stdin'], { stdin: 'not it\n' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Incorrect email or password/);

    assert.equal(json(await tenantry(annHome, ['whoami', '--json'])).email, ann.user.email);
    const project = json(await tenantry(annHome, ['projects', 'create', 'From the CLI', '--region', 'eu-west1', '--json']));
    assert.deepEqual(project.regions, ['eu-west1']);
    const table = await tenantry(annHome, ['projects', 'list']);
    assert.match(table.stdout, /^ID\s+NAME\s+REGIONS/m);
    assert.match(table.stdout, /From the CLI/);
    assert.equal((await tenantry(annHome, ['use', 'project', project.id])).code, 0);

    const key = await tenantry(annHome, ['keys', 'create', 'ci']);
    assert.equal(key.code, 0, key.stderr);
    assert.match(key.stdout.trim(), /^tnt_key_[0-9A-Za-z]+$/, 'stdout holds only the secret');
    assert.match(key.stderr, /will not be shown again/);
    const keys = json(await tenantry(annHome, ['keys', 'list', '--json']));
    assert.equal(keys.data.length, 1);
    assert.ok(!JSON.stringify(keys).includes(key.stdout.trim()));

    const training = join(annHome, 'train.jsonl');
    writeFileSync(training, Array.from({ length: 200 }, (_, i) => JSON.stringify({ prompt: `p${i}`, completion: `c${i}` })).join('\n') + '\n');
    const upload = await tenantry(annHome, ['files', 'upload', training, '--purpose', 'fine-tune', '--json']);
    assert.match(upload.stderr, /Uploading .*100%/);
    const file = json(upload);
    assert.match(file.id, /^file-/);
    const badFile = join(annHome, 'bad.jsonl');
    writeFileSync(badFile, '{"prompt": "p", "completion": "c"}\n{"oops": true}\n');
    const refused = await tenantry(annHome, ['files', 'upload', badFile, '--purpose', 'fine-tune']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /line 2: /);

    const worker = startWorkerProcess({ url, token: WORKER_TOKEN, trainerArgs: '--steps 3' });
    try {
      const job = json(await tenantry(annHome, ['jobs', 'create', '--model', BASE_MODEL, '--training-file', file.id, '--suffix', 'cli', '--json']));
      const follow = await tenantry(annHome, ['jobs', 'events', job.id, '--follow', '--interval', '200']);
      assert.equal(follow.code, 0, follow.stderr);
      assert.match(follow.stdout, /Validating training file/);
      assert.match(follow.stdout, /Step 3\/3: training loss=/);
      assert.match(follow.stdout, /successfully completed/);
      assert.match(follow.stderr, /succeeded/);
    } finally {
      await killWorkerGroup(worker.child);
    }

    const invitation = json(await tenantry(annHome, ['invite', bob.user.email, '--org', ann.org.id, '--json']));
    assert.equal((await tenantry(bobHome, ['login', '--url', url, '--email', bob.user.email, '--password-stdin'], { stdin: 'bob password 1\n' })).code, 0);
    const mine = json(await tenantry(bobHome, ['invitations', 'list', '--mine', '--json']));
    assert.deepEqual(mine.data.map((i: { id: string }) => i.id), [invitation.id]);
    assert.equal(json(await tenantry(bobHome, ['invitations', 'accept', invitation.id, '--json'])).status, 'accepted');
    const orgs = json(await tenantry(bobHome, ['orgs', 'list', '--json']));
    assert.ok(orgs.data.some((o: { id: string }) => o.id === ann.org.id));

    const crew = json(await tenantry(annHome, ['orgs', 'create', 'Crew', '--json']));
    const robot = json(await tenantry(annHome, ['service-accounts', 'create', 'robot', '--org', crew.id, '--json']));
    const notEmpty = await tenantry(annHome, ['orgs', 'delete', crew.id]);
    assert.equal(notEmpty.code, 1);
    assert.equal(notEmpty.stderr, 'tenantry: The organization still has 1 other member; remove them first.\n', 'the refusal in the server\'s words');
    assert.equal((await tenantry(annHome, ['service-accounts', 'delete', robot.id, '--org', crew.id])).code, 0);
    assert.equal(json(await tenantry(annHome, ['orgs', 'delete', crew.id, '--json'])).deleted, true);

    const missing = await tenantry(annHome, ['projects', 'get', 'proj_nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such project/);
    const usage = await tenantry(annHome, ['keys', 'create']);
    assert.equal(usage.code, 2, 'a usage mistake exits 2');
    const apiKeyOnly = await tenantry(mkdtempSync(join(tmpdir(), 'tenantry-cli-key-')), ['files', 'list', '--json'], { env: { TENANTRY_URL: url, TENANTRY_API_KEY: key.stdout.trim() } });
    assert.ok(json(apiKeyOnly).data.some((f: { id: string }) => f.id === file.id), 'TENANTRY_URL and TENANTRY_API_KEY override the file; the key names its project');
    assert.equal((await tenantry(annHome, ['logout'])).code, 0);
    assert.equal((await tenantry(annHome, ['whoami'])).code, 1);
  });

  test('tables show times as ISO dates in UTC, lists joined and owners as type:id; --json stays the API\'s JSON; whoami names the organization', async () => {
    const url = await listen(server.tenantry);
    const api = new Api(server.tenantry.app);
    const cat = await signUp(api, 'cat', 'cat password 1');
    const home = mkdtempSync(join(tmpdir(), 'tenantry-cli-cat-'));
    assert.equal((await tenantry(home, ['login', '--url', url, '--email', cat.user.email, '--password-stdin'], { stdin: 'cat password 1\n' })).code, 0);
    const isoSecond = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\b/;

    const whoami = await tenantry(home, ['whoami']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.match(whoami.stdout, /^ID\s+EMAIL\s+NAME\s+ORGANIZATION\s+PROJECT$/m);
    assert.ok(whoami.stdout.includes(`cat's organization (${cat.org.id})`), whoami.stdout);

    const project = json(await tenantry(home, ['projects', 'create', 'Two regions', '--region', 'eu-north1', '--region', 'eu-west1', '--json']));
    assert.deepEqual(project.regions, ['eu-north1', 'eu-west1'], '--json keeps the array');
    const projects = await tenantry(home, ['projects', 'list']);
    const row = projects.stdout.split('\n').find((line) => line.startsWith(project.id));
    assert.match(row ?? '', /Two regions\s+eu-north1, eu-west1\s+active/, projects.stdout);
    assert.ok(!projects.stdout.includes('["'), 'no JSON arrays in a table');

    assert.equal((await tenantry(home, ['use', 'project', project.id])).code, 0);
    const whoamiInProject = await tenantry(home, ['whoami']);
    assert.ok(whoamiInProject.stdout.includes(`cat's organization (${cat.org.id})  ${project.id}`), whoamiInProject.stdout);
    assert.equal((await tenantry(home, ['keys', 'create', 'ci'])).code, 0);
    const keys = await tenantry(home, ['keys', 'list']);
    assert.ok(keys.stdout.includes(`user:${cat.user.id}`), keys.stdout);

    const invitation = await tenantry(home, ['invite', 'someone@example.test', '--org', cat.org.id]);
    assert.equal(invitation.code, 0, invitation.stderr);
    const invitationJson = json(await tenantry(home, ['invitations', 'list', '--org', cat.org.id, '--json']));
    const expiresAt: number = invitationJson.data[0].expires_at;
    assert.equal(typeof expiresAt, 'number', '--json keeps Unix seconds');
    const expected = new Date(expiresAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    assert.ok(invitation.stdout.includes(expected), invitation.stdout);
    assert.ok(!invitation.stdout.includes(String(expiresAt)), 'no raw Unix seconds in a table');

    const audit = await tenantry(home, ['audit', 'list', '--org', cat.org.id, '--type', 'project.created']);
    assert.match(audit.stdout, isoSecond);
    assert.ok(audit.stdout.includes(`project:${project.id}`), audit.stdout);
  });
  test('roles: create, list, update, delete from the command line; keys create --permissions makes a restricted key', async () => {
    const url = await listen(server.tenantry);
    const api = new Api(server.tenantry.app);
    const dee = await signUp(api, 'dee', 'dee password 1');
    const home = mkdtempSync(join(tmpdir(), 'tenantry-cli-dee-'));
    assert.equal((await tenantry(home, ['login', '--url', url, '--email', dee.user.email, '--password-stdin'], { stdin: 'dee password 1\n' })).code, 0);
    const org = ['--org', dee.org.id];

    const role = json(await tenantry(home, ['roles', 'create', 'File reader', '--permission', 'project.read,files.read', '--description', 'reads files', ...org, '--json']));
    assert.match(role.id, /^role_/);
    assert.deepEqual(role.permissions, ['project.read', 'files.read']);
    const table = await tenantry(home, ['roles', 'list', ...org]);
    assert.match(table.stdout, /^ID\s+NAME\s+SCOPE\s+BUILT_IN\s+PERMISSIONS/m);
    assert.match(table.stdout, new RegExp(`^${role.id}\\s+File reader\\s+project\\s+false\\s+2$`, 'm'));
    assert.ok(table.stdout.includes('project.viewer'), 'the built-in roles are listed');
    const updated = json(await tenantry(home, ['roles', 'update', role.id, '--permission', 'project.read', '--permission', 'files.read,datasets.read', ...org, '--json']));
    assert.deepEqual(updated.permissions, ['project.read', 'files.read', 'datasets.read']);
    const refused = await tenantry(home, ['roles', 'create', 'Bad', '--permission', 'files.steal', ...org]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Unknown permission "files.steal".*\(permissions\)/);
    const group = json(await tenantry(home, ['groups', 'create', 'readers', '--role', role.id, ...org, '--json']));
    assert.equal(group.role_name, 'File reader');
    assert.equal((await tenantry(home, ['roles', 'delete', role.id, ...org])).code, 1, 'held by a group');
    assert.equal((await tenantry(home, ['groups', 'delete', group.id, ...org])).code, 0);
    assert.equal((await tenantry(home, ['roles', 'delete', role.id, ...org])).code, 0);

    const key = json(await tenantry(home, ['keys', 'create', 'limited', '--project', dee.project.id, '--permissions', 'files=read,inference=write', '--json']));
    assert.deepEqual(key.permissions, { files: 'read', inference: 'write' });
    const keys = await tenantry(home, ['keys', 'list', '--project', dee.project.id]);
    assert.ok(keys.stdout.includes('files=read inference=write'), keys.stdout);
    const badSpec = await tenantry(home, ['keys', 'create', 'x', '--project', dee.project.id, '--permissions', 'files:read']);
    assert.equal(badSpec.code, 2);
    assert.match(badSpec.stderr, /resource=none\|read\|write/);
  });

  test('scim tokens create prints the secret once with the base URL, list shows it redacted, revoke ends it', async () => {
    const url = await listen(server.tenantry);
    const api = new Api(server.tenantry.app);
    const fay = await signUp(api, 'fay', 'fay password 1');
    const home = mkdtempSync(join(tmpdir(), 'tenantry-cli-fay-'));
    assert.equal((await tenantry(home, ['login', '--url', url, '--email', fay.user.email, '--password-stdin'], { stdin: 'fay password 1\n' })).code, 0);

    const created = await tenantry(home, ['scim', 'tokens', 'create', 'okta', '--org', fay.org.id]);
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.match(secret, /^tnt_scim_[0-9A-Za-z]{43}$/, 'stdout holds only the secret');
    assert.ok(created.stderr.includes(`${url}/scim/v2/${fay.org.id}`), created.stderr);
    assert.match(created.stderr, /will not be shown again/);
    const users = await api.request('GET', `/scim/v2/${fay.org.id}/Users`, { token: secret });
    assert.equal(users.status, 200, JSON.stringify(users.body));

    const listed = json(await tenantry(home, ['scim', 'tokens', 'list', '--org', fay.org.id, '--json']));
    assert.equal(listed.data.length, 1);
    assert.ok(!JSON.stringify(listed).includes(secret));
    const revoked = await tenantry(home, ['scim', 'tokens', 'revoke', listed.data[0].id, '--org', fay.org.id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await api.request('GET', `/scim/v2/${fay.org.id}/Users`, { token: secret })).status, 401);
  });
});
