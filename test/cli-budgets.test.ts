import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { useTenantry } from './helpers/server.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'tenantry.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `tenantry` bin as a child process, as a person would in a shell. */
function tenantry(home: string, args: string[], stdin = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, XDG_CONFIG_HOME: home, TENANTRY_URL: '', TENANTRY_API_KEY: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(stdin);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const json = (result: Result) => {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
};

describeEachDatabase('tenantry budgets, spend and webhooks on the command line', (kind) => {
  const server = useTenantry(kind);

  test('budgets at three levels, the effective chain naming the one that binds, spend, and a webhook whose secret shows once', async () => {
    const url = await listen(server.tenantry);
    const ann = await signUp(new Api(server.tenantry.app), 'ann', 'ann password 1');
    const home = mkdtempSync(join(tmpdir(), 'tenantry-cli-budgets-'));
    assert.equal((await tenantry(home, ['login', '--url', url, '--email', ann.user.email, '--password-stdin'], 'ann password 1\n')).code, 0);
    assert.equal((await tenantry(home, ['use', 'org', ann.org.id])).code, 0);
    assert.equal((await tenantry(home, ['use', 'project', ann.project.id])).code, 0);
    const key = json(await tenantry(home, ['keys', 'create', 'ci', '--json']));

    const org = json(await tenantry(home, ['budgets', 'create', '--organization', '--amount', '100', '--period', 'month', '--json']));
    assert.equal(org.level, 'organization');
    json(await tenantry(home, ['budgets', 'create', '--amount', '50', '--period', 'month', '--json']));
    const keyBudget = json(await tenantry(home, ['budgets', 'create', '--key', key.id, '--amount', '10', '--period', 'day', '--soft', '--json']));
    assert.deepEqual([keyBudget.level, keyBudget.hard], ['api_key', false]);
    const raised = json(await tenantry(home, ['budgets', 'update', keyBudget.id, '--hard', '--json']));
    assert.equal(raised.hard, true);

    const chain = await tenantry(home, ['budgets', 'effective', '--key', key.id]);
    assert.equal(chain.code, 0, chain.stderr);
    assert.match(chain.stdout, new RegExp(`${keyBudget.id}.*BINDS`));
    assert.equal(json(await tenantry(home, ['budgets', 'list', '--json'])).data.length, 2, 'the project\'s and its key\'s');
    const missing = await tenantry(home, ['budgets', 'create', '--amount', '5']);
    assert.equal(missing.code, 2);
    const refused = await tenantry(home, ['budgets', 'create', '--amount', '5', '--period', 'week']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /period/);
    assert.equal((await tenantry(home, ['budgets', 'delete', org.id, '--organization'])).code, 0);

    const spend = await tenantry(home, ['spend', '--json']);
    assert.equal(json(spend).object, 'page');

    const hook = await tenantry(home, ['webhooks', 'create', 'https://finance.example.test/hooks']);
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stdout, /whsec_/);
    assert.match(hook.stderr, /will not be shown again/);
    const hooks = await tenantry(home, ['webhooks', 'list']);
    assert.match(hooks.stdout, /finance\.example\.test/);
    assert.doesNotMatch(hooks.stdout, /whsec_/);
  });
});
