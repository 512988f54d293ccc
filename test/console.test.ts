import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Tenantry } from '../src/server.ts';
import { CONSOLE_CSP } from '../src/http/routes/console.ts';
import { browserUnavailable, eventually, launchBrowser, screenshot } from './helpers/browser.ts';
import { uniqueEmail } from './helpers/client.ts';
import { createSqliteDatabase, type TestDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { startTenantry } from './helpers/server.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';
import { killWorkerGroup, startWorkerProcess } from './helpers/worker.ts';

/**
 * The web console end to end, in a real headless Chromium against a real listening server. SQLite
 * only: the API under it is tested on both databases elsewhere.
 */

const BASE_MODEL = 'meta-llama/Llama-3.3-70B-Instruct';
const CHAT_MODEL = 'shared-chat';
const WORKER_TOKEN = 'worker-secret-for-console-tests';
const PASSWORD = 'a long enough passphrase';
const conversation = (i: number) => JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] });
const TRAINING = Array.from({ length: 8 }, (_, i) => conversation(i)).join('\n') + '\n';

const unavailable = browserUnavailable();

if (unavailable && process.env.CI === 'true') {
  describe('web console', () => {
    test('runs under CI', () => assert.fail(`CI=true but ${unavailable}`));
  });
} else {
  describe('web console in Chromium [sqlite]', { skip: unavailable ? `web console tests skipped: ${unavailable}` : false }, () => {
    let database: TestDatabase;
    let tenantry: Tenantry;
    let upstream: FakeUpstream;
    let browser: Browser;
    let url: string;
    let admin: { context: BrowserContext; page: Page; email: string; name: string };
    /** Script errors and CSP violations of every page (refused requests are expected, and left out). */
    const pageErrors: string[] = [];

    before(async () => {
      upstream = await startFakeUpstream();
      database = await createSqliteDatabase();
      tenantry = await startTenantry(database, {
        env: { TENANTRY_WORKER_TOKEN: WORKER_TOKEN },
        config: {
          models: [
            { id: BASE_MODEL, upstream: 'http://127.0.0.1:9/v1', fine_tunable: true },
            { id: CHAT_MODEL, upstream: upstream.url },
          ],
          // USD 1 per prompt token: the playground's 5-token prompt costs USD 5.
          prices: { models: [{ id: CHAT_MODEL, input_per_million_tokens: 1_000_000, output_per_million_tokens: 0 }] },
        },
      });
      url = await listen(tenantry);
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await tenantry?.close();
      await database?.drop();
      await upstream?.close();
    });

    async function newUser(label: string) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: url });
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(`${label}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(`${label}: ${message.text()}`);
      });
      return { context, page, email: uniqueEmail(label), name: label[0]!.toUpperCase() + label.slice(1) };
    }

    async function signUp(user: { page: Page; email: string; name: string }) {
      const { page } = user;
      await page.goto('/signup');
      await page.getByLabel('Name', { exact: true }).fill(user.name);
      await page.getByLabel('Email', { exact: true }).fill(user.email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
    }

    const selected = (page: Page, name: string) =>
      page.getByRole('combobox', { name, exact: true }).evaluate((select) => (select as unknown as { selectedOptions: Array<{ textContent: string | null }> }).selectedOptions[0]?.textContent ?? '');
    const expectSelected = (page: Page, name: string, text: string) =>
      eventually(async () => assert.equal(await selected(page, name), text), `${name} to show ${text}`);
    const nav = (page: Page, name: string) => page.getByRole('link', { name, exact: true }).click();
    const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
    /** The session token from the browser's HttpOnly cookie, to ask the API directly. */
    const sessionOf = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'tenantry_session')!.value;
    /** The organization the console shows, from its path (/orgs/:org/...). */
    const orgIdOf = async (page: Page) => new URL(page.url()).pathname.split('/')[2]!;

    test('the server serves the console at / with a strict CSP, and still answers unknown API paths in the error shape', async () => {
      const page = await fetch(`${url}/orgs/anything/members`, { headers: { accept: 'text/html' } });
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('content-security-policy'), CONSOLE_CSP);
      assert.match(await page.text(), /<div id="root">/);
      const api = await fetch(`${url}/v1/nothing-here`, { headers: { accept: 'text/html' } });
      assert.equal(api.status, 404);
      assert.equal(((await api.json()) as { error: { type: string } }).error.type, 'not_found_error');
      const json = await fetch(`${url}/orgs/anything`, { headers: { accept: 'application/json' } });
      assert.equal(json.status, 404);
    });

    test('sign up opens the personal organization and its default project; sign out and sign in again', async () => {
      admin = await newUser('ada');
      const { page } = admin;
      await page.goto('/');
      await page.waitForURL('**/login');
      await screenshot(page, 'login');
      await nav(page, 'Create an account');
      await page.getByRole('button', { name: 'Create account' }).click();
      // The server's validation is shown next to the field it names.
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      assert.match((await refusal.textContent()) ?? '', /^(name|email|password): /);
      await signUp(admin);
      await expectSelected(page, 'Organization', "Ada's organization");
      await expectSelected(page, 'Project', 'Default project');
      await heading(page, 'API keys');
      for (const link of ['Projects', 'Members', 'Groups', 'Invitations', 'Audit log', 'API keys', 'Files', 'Fine-tuning', 'Endpoints', 'Playground', 'Usage', 'Budgets', 'Organization budgets']) {
        assert.equal(await page.getByRole('link', { name: link, exact: true }).count(), 1, link);
      }

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/login');
      await page.getByLabel('Email', { exact: true }).fill(admin.email);
      await page.getByLabel('Password', { exact: true }).fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await expectSelected(page, 'Project', 'Default project');
      // The CSRF token lives in memory only.
      const stored = await page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })');
      assert.equal(stored, '{}{}');
    });

    test('create a project in two regions from the one dialog', async () => {
      const { page } = admin;
      await nav(page, 'Projects');
      await heading(page, 'Projects');
      await page.getByRole('button', { name: 'Create project' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create project' });
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await dialog.getByText('name: must not be empty').waitFor();
      await dialog.getByLabel('Project name').fill('Search');
      await dialog.getByRole('checkbox', { name: 'eu-west1' }).check();
      await screenshot(page, 'create-project');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await expectSelected(page, 'Project', 'Search');
      await nav(page, 'Settings');
      const regions = page.getByRole('group', { name: 'Regions' });
      assert.equal(await regions.getByRole('checkbox', { name: 'eu-north1' }).isChecked(), true);
      assert.equal(await regions.getByRole('checkbox', { name: 'eu-west1' }).isChecked(), true);
      assert.equal(await regions.getByRole('checkbox', { name: 'us-central1' }).isChecked(), false);
      await nav(page, 'Projects');
      await page.getByRole('cell', { name: 'eu-north1, eu-west1' }).waitFor();
      await screenshot(page, 'projects');
    });

    test('create an API key: its secret is shown once, works, and stops working when revoked', async () => {
      const { page } = admin;
      await nav(page, 'API keys');
      await page.getByText('No API keys yet').waitFor();
      await page.getByRole('button', { name: 'Create API key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create API key' });
      await dialog.getByLabel('Name').fill('ci');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      const reveal = page.getByRole('region', { name: 'New API key' });
      await reveal.waitFor();
      await reveal.getByText('it will not be shown again').waitFor();
      await reveal.getByRole('button', { name: 'Copy' }).waitFor();
      const secret = await reveal.getByLabel('Secret key').inputValue();
      assert.match(secret, /^tnt_key_/);
      await screenshot(page, 'api-key-created');

      const models = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(models.status, 200);
      const row = page.getByRole('row', { name: /^ci\b/ });
      await row.getByText(`${admin.name} (you)`).waitFor();
      await eventually(async () => {
        await page.reload();
        assert.notEqual(await page.getByRole('row', { name: /^ci\b/ }).getByRole('cell').nth(5).textContent(), 'Never');
      }, 'last used to show');
      assert.equal(await page.getByRole('region', { name: 'New API key' }).count(), 0);
      assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
      await screenshot(page, 'api-keys');

      await page.getByRole('button', { name: 'Revoke ci' }).click();
      await page.getByRole('dialog', { name: 'Revoke ci' }).getByRole('button', { name: 'Revoke key' }).click();
      await page.getByRole('row', { name: /^ci\b/ }).getByText('revoked').waitFor();
      const refused = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(refused.status, 401);
    });

    test('upload files with a progress bar; a bad line is refused in the server\'s words', async () => {
      const { page } = admin;
      await nav(page, 'Files');
      await page.getByText('No files yet').waitFor();
      await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'train.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(TRAINING) });
      await page.getByLabel('Purpose').selectOption('fine-tune');
      await page.getByRole('button', { name: 'Upload file' }).click();
      await page.getByRole('cell', { name: 'train.jsonl', exact: true }).waitFor();
      assert.equal(await page.getByRole('progressbar', { name: 'Upload progress' }).getAttribute('value'), '1');
      const download = await page.getByRole('link', { name: 'Download train.jsonl' }).getAttribute('href');
      const content = await fetch(`${url}${download}`, { headers: { cookie: `tenantry_session=${await sessionOf(admin.context)}` } });
      assert.equal(await content.text(), TRAINING);

      await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'bad.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(`${conversation(1)}\nnot json\n`) });
      await page.getByRole('button', { name: 'Upload file' }).click();
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      assert.match((await refusal.textContent()) ?? '', /^line 2: /);
      await screenshot(page, 'files');
      assert.equal(await page.getByRole('cell', { name: 'bad.jsonl', exact: true }).count(), 0);
    });

    test('an admin invites a second user, who accepts and then sees only the project shared with them', async () => {
      const { page } = admin;
      const bob = await newUser('bob');
      try {
        await nav(page, 'Members');
        await heading(page, 'Members');
        await page.getByRole('button', { name: 'Invite member' }).click();
        const dialog = page.getByRole('dialog', { name: 'Invite member' });
        await dialog.getByLabel('Email').fill(bob.email);
        await dialog.getByRole('checkbox', { name: 'Search: members (member)' }).check();
        await screenshot(page, 'invite-member');
        await dialog.getByRole('button', { name: 'Send invitation' }).click();
        const pending = page.getByRole('row', { name: new RegExp(bob.email.replace(/[.+]/g, '\\$&')) });
        await pending.waitFor();
        await pending.getByRole('button', { name: 'Resend' }).waitFor();
        await pending.getByRole('button', { name: 'Revoke' }).waitFor();
        await screenshot(page, 'members');

        await signUp(bob);
        const invitations = bob.page.getByRole('region', { name: 'Invitations for you' });
        await invitations.getByRole('button', { name: 'Decline' }).waitFor();
        await screenshot(bob.page, 'invitation-for-me');
        await invitations.getByRole('button', { name: 'Accept' }).click();
        await bob.page.waitForURL(`**/orgs/${encodeURIComponent(await orgOf(page))}/projects`);
        await expectSelected(bob.page, 'Organization', "Ada's organization");
        await eventually(async () => {
          const names = await bob.page.getByRole('combobox', { name: 'Project', exact: true }).locator('option').allTextContents();
          assert.deepEqual(names, ['Search', 'New project…']);
        }, 'the shared project only');
        await bob.page.getByRole('link', { name: 'Search', exact: true }).waitFor();
        assert.equal(await bob.page.getByRole('link', { name: 'Default project' }).count(), 0);
        await screenshot(bob.page, 'invitee-projects');
        await page.reload();
        await page.getByRole('cell', { name: bob.email, exact: true }).waitFor();

        // Only admins list the members; Bob reads the refusal, and may still leave.
        await nav(bob.page, 'Members');
        await bob.page.getByRole('alert').waitFor();
        await bob.page.getByRole('button', { name: 'Leave organization' }).click();
        await bob.page.getByRole('dialog', { name: "Leave Ada's organization" }).getByRole('button', { name: 'Leave', exact: true }).click();
        await expectSelected(bob.page, 'Organization', "Bob's organization");
        await page.reload();
        await page.getByRole('cell', { name: admin.email, exact: true }).waitFor();
        assert.equal(await page.getByRole('cell', { name: bob.email, exact: true }).count(), 0);
      } finally {
        await bob.context.close();
      }
    });

    async function orgOf(page: Page): Promise<string> {
      return page.getByRole('combobox', { name: 'Organization', exact: true }).inputValue();
    }

    test('the last admin cannot leave: the refusal is shown as the server words it', async () => {
      const { page, context } = admin;
      await nav(page, 'Members');
      await page.getByRole('button', { name: 'Leave organization' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Leave', exact: true }).click();
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      const api = await fetch(`${url}/v1/organizations/${await orgOf(page)}/members/${await meId(context)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${await sessionOf(context)}` },
      });
      assert.equal(api.status, 409);
      const { error } = (await api.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, 'last_admin');
      assert.equal(await refusal.textContent(), error.message);
      await screenshot(page, 'last-admin');
    });

    async function meId(context: BrowserContext): Promise<string> {
      const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${await sessionOf(context)}` } });
      return ((await me.json()) as { id: string }).id;
    }

    test('a fine-tuning job runs on a worker: status, events and the loss chart as they arrive', async () => {
      const { page } = admin;
      // The training file was uploaded to Search, still open (organization pages and reloads keep it).
      await expectSelected(page, 'Project', 'Search');
      await nav(page, 'Fine-tuning');
      await heading(page, 'Fine-tuning');
      await page.getByLabel('Model').selectOption(BASE_MODEL);
      await eventually(async () => assert.match(await selected(page, 'Training file'), /^train\.jsonl/), 'the training file to be offered');
      await page.getByLabel('Suffix').fill('support');
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.getByRole('status', { name: 'Status: queued' }).waitFor();
      const worker = startWorkerProcess({ url, token: WORKER_TOKEN, trainerArgs: '--steps 6 --step-ms 150' });
      try {
        await page.getByRole('status', { name: 'Status: succeeded' }).waitFor({ timeout: 30_000 });
      } finally {
        await killWorkerGroup(worker.child);
      }
      await page.getByRole('img', { name: /^Training loss by step: 0\.3333 at step 6/ }).waitFor();
      await page.getByRole('list', { name: 'Job events' }).getByText('training finished').waitFor();
      await page.getByText(`ft:${BASE_MODEL}:`).first().waitFor();
      await screenshot(page, 'fine-tuning');
    });

    test('the playground streams a chat answer, and usage shows it', async () => {
      const { page } = admin;
      await nav(page, 'Playground');
      await page.getByLabel('Model').selectOption(CHAT_MODEL);
      await page.getByLabel('Message', { exact: true }).fill('hello there');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('list', { name: 'Conversation' }).getByText('echo: hello there').waitFor();
      await page.getByText('5 tokens in, 3 out').waitFor(); // the stream's usage chunk, which the playground asks for
      await screenshot(page, 'playground');
      await nav(page, 'Usage');
      await eventually(async () => {
        await page.reload();
        await page.getByRole('cell', { name: CHAT_MODEL, exact: true }).waitFor({ timeout: 500 });
      }, 'usage to show the request');
      await screenshot(page, 'usage');
    });

    test('a batch made from an uploaded file runs: its status and request counts as they change, and its output to download', async () => {
      const { page } = admin;
      const requests = ['b1', 'b2'].map((id) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: CHAT_MODEL, messages: [{ role: 'user', content: id }] } }));
      await nav(page, 'Files');
      await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'batch.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(requests.join('\n') + '\n') });
      await page.getByLabel('Purpose').selectOption('batch');
      await page.getByRole('button', { name: 'Upload file' }).click();
      await page.getByRole('cell', { name: 'batch.jsonl', exact: true }).waitFor();
      await nav(page, 'Batches');
      await heading(page, 'Batches');
      await page.getByText('No batches yet.').waitFor();
      await eventually(async () => assert.match(await selected(page, 'Input file'), /^batch\.jsonl/), 'the batch file to be offered');
      await page.getByRole('button', { name: 'Create batch' }).click();
      await page.getByRole('status', { name: 'Status: completed' }).waitFor({ timeout: 20_000 });
      await page.getByLabel('Request counts').getByText('2 completed, 0 failed, of 2').waitFor();
      await page.getByRole('row', { name: /batch_/ }).getByText('completed').waitFor();
      const href = await page.getByRole('link', { name: 'Download output' }).getAttribute('href');
      const output = await fetch(`${url}${href}`, { headers: { cookie: `tenantry_session=${await sessionOf(admin.context)}` } });
      assert.deepEqual((await output.text()).trim().split('\n').map((line) => JSON.parse(line).custom_id), ['b1', 'b2']);
      assert.equal(await page.getByRole('link', { name: 'Download errors' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Cancel batch' }).count(), 0);
      await screenshot(page, 'batches');
    });

    test('usage shows spend; the budgets page creates a hard budget and shows that it binds and is spent', async () => {
      const { page } = admin;
      await nav(page, 'Usage');
      await page.getByLabel('Chart').selectOption('spend');
      // USD 5 a call (5 input tokens at USD 1 each): the playground's call and the batch's two lines.
      await page.getByRole('img', { name: /^Spend per period \(USD\), at most \$15\.00/ }).waitFor();
      assert.equal(await page.getByTestId('total-spend').textContent(), '$15.00');
      await nav(page, 'Budgets');
      await heading(page, 'Budgets');
      await page.getByText('No budget applies').waitFor();
      await page.getByRole('button', { name: 'Create budget' }).click();
      await page.getByLabel('Amount (USD)').fill('-1');
      await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
      await page.getByRole('dialog').getByText(/amount/).first().waitFor();
      await page.getByLabel('Amount (USD)').fill('4');
      await page.getByLabel('Period').selectOption('day');
      await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
      const chain = page.getByRole('table', { name: 'Effective budget chain' });
      await chain.getByRole('cell', { name: 'binds' }).waitFor();
      await chain.getByText('spent', { exact: true }).waitFor();
      await page.getByRole('table', { name: 'Budgets' }).getByRole('cell', { name: '$4.00 / day' }).waitFor();
      await screenshot(page, 'budgets');

      await nav(page, 'Organization budgets');
      await heading(page, 'Organization budgets');
      await page.getByRole('button', { name: 'Create budget' }).click();
      await page.getByLabel('Amount (USD)').fill('100');
      await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
      await page.getByRole('table', { name: 'Organization budgets' }).getByRole('cell', { name: '$100.00 / month' }).waitFor();
      await page.getByLabel('Webhook URL').fill('ftp://nowhere.example');
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await page.getByText(/must be an http or https URL/).first().waitFor();
      await page.getByLabel('Webhook URL').fill('https://finance.example.test/hooks');
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await page.getByRole('region', { name: 'Webhook signing secret' }).waitFor();
      assert.match((await page.getByLabel('Secret key').inputValue()) ?? '', /^whsec_/);
      await page.getByRole('button', { name: 'Deliveries' }).click();
      await page.getByText('Nothing sent to https://finance.example.test/hooks yet.').waitFor();
      await screenshot(page, 'organization-budgets');
    });

    test('the audit log names events as the API does, filters by type and verifies the chain', async () => {
      const { page } = admin;
      await nav(page, 'Audit log');
      await page.getByRole('cell', { name: 'api_key.created' }).waitFor();
      await page.getByLabel('Event type').selectOption('invitation.accepted');
      await eventually(async () => assert.equal(await page.getByRole('cell', { name: 'api_key.created' }).count(), 0), 'the filter');
      await page.getByRole('cell', { name: 'invitation.accepted' }).waitFor();
      await page.getByLabel('Event type').selectOption('');
      await page.getByRole('button', { name: 'Verify chain' }).click();
      await page.getByText(/The chain is intact: \d+ events verified\./).waitFor();
      await screenshot(page, 'audit-log');
    });

    test('roles: create a custom role with permission checkboxes, grant it to a group, edit it, and a deletion refused while it is held; a restricted API key', async () => {
      const { page, context } = admin;
      const session = await sessionOf(context);
      await nav(page, 'Roles');
      await heading(page, 'Roles');
      await page.getByRole('row', { name: /^admin built in/ }).first().waitFor();
      await page.getByRole('button', { name: 'Create role' }).click();
      const create = page.getByRole('dialog', { name: 'Create role' });
      await create.getByLabel('Name', { exact: true }).fill('Auditor');
      await create.getByLabel('files.read', { exact: true }).check();
      await screenshot(page, 'role-create');
      await create.getByRole('button', { name: 'Create', exact: true }).click();
      const row = page.getByRole('row', { name: /^Auditor\b/ });
      await row.getByText('project.read, files.read').waitFor();
      const roles = (await (await fetch(`${url}/v1/organizations/${await orgIdOf(page)}/roles`, { headers: { authorization: `Bearer ${session}` } })).json()) as { data: Array<{ id: string; name: string; permissions: string[] }> };
      const auditor = roles.data.find((r) => r.name === 'Auditor')!;
      assert.deepEqual(auditor.permissions, ['project.read', 'files.read']);

      await nav(page, 'Groups');
      await page.getByRole('button', { name: 'Create group' }).click();
      const group = page.getByRole('dialog', { name: 'Create group' });
      await group.getByLabel('Name', { exact: true }).fill('auditors');
      await group.getByLabel('Role', { exact: true }).selectOption({ label: 'Auditor (project role)' });
      await group.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('row', { name: /^auditors\b/ }).getByText('Auditor', { exact: true }).waitFor();

      await nav(page, 'Roles');
      await page.getByRole('button', { name: 'Delete Auditor' }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete Auditor' });
      await confirm.getByRole('button', { name: 'Delete role' }).click();
      await page.getByRole('alert').getByText(/held by 1 group/).waitFor();
      await page.getByRole('button', { name: 'Edit Auditor' }).click();
      const edit = page.getByRole('dialog', { name: 'Edit Auditor' });
      await edit.getByLabel('project.read', { exact: true }).uncheck();
      await edit.getByRole('button', { name: 'Save' }).click();
      await edit.getByRole('alert').getByText(/must hold project.read/).waitFor();
      await edit.getByLabel('project.read', { exact: true }).check();
      await edit.getByLabel('datasets.read', { exact: true }).check();
      await edit.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('row', { name: /^Auditor\b/ }).getByText('project.read, files.read, datasets.read').waitFor();
      await screenshot(page, 'roles');

      await nav(page, 'API keys');
      await page.getByRole('button', { name: 'Create API key' }).click();
      const keyDialog = page.getByRole('dialog', { name: 'Create API key' });
      await keyDialog.getByLabel('Name', { exact: true }).fill('reader');
      await keyDialog.getByLabel('Permissions', { exact: true }).selectOption('restricted');
      await keyDialog.getByLabel('files', { exact: true }).selectOption('read');
      await keyDialog.getByRole('button', { name: 'Create', exact: true }).click();
      const secret = await page.getByRole('region', { name: 'New API key' }).getByLabel('Secret key').inputValue();
      await page.getByRole('row', { name: /^reader\b/ }).getByText('Restricted: files read').waitFor();
      assert.equal((await fetch(`${url}/v1/files`, { headers: { authorization: `Bearer ${secret}` } })).status, 200);
      assert.equal((await fetch(`${url}/v1/datasets`, { headers: { authorization: `Bearer ${secret}` } })).status, 403);
    });

    test('every other page renders (screenshots under test-results/console)', async () => {
      const { page } = admin;
      for (const [link, title] of [['Groups', 'Groups'], ['Invitations', 'Invitations'], ['Endpoints', 'Endpoints'], ['Access', 'Access'], ['Settings', 'Settings']] as const) {
        await nav(page, link);
        await heading(page, title);
        await eventually(async () => assert.equal(await page.getByText(/^Loading /).count(), 0), `${link} to load`);
        await screenshot(page, link.toLowerCase());
      }
    });

    test('no page met a script error or a Content-Security-Policy violation', () => {
      assert.deepEqual(pageErrors, []);
    });
  });
}
