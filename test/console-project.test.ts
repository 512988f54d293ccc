import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, screenshot } from './helpers/browser.ts';
import { describeConsole, focusInDialog, heading, nav, projectOf, type ConsoleUser } from './helpers/console.ts';

/** The project's pages of the console: its groups, rate limits, model permissions and datasets. */

const CHAT_MODEL = 'shared-chat';
const conversation = (i: number) => JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] });
const TRAINING = Array.from({ length: 25 }, (_, i) => conversation(i)).join('\n') + '\n';

describeConsole('web console: project pages', { config: { models: [{ id: CHAT_MODEL, upstream: 'http://127.0.0.1:9/v1' }] } }, ({ url, newUser, signUp, api, pageErrors }) => {
  let ada: ConsoleUser;
  let project: string;

  test('project groups: create one, add a member with an expiry (a past one refused at its field), remove them', async () => {
    ada = await newUser('ada');
    await signUp(ada);
    const { page } = ada;
    project = await projectOf(page);
    await nav(page, 'Project groups');
    await heading(page, 'Project groups');
    await page.getByRole('cell', { name: 'admins built in', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Create group' }).click();
    const create = page.getByRole('dialog', { name: 'Create group' });
    await create.getByLabel('Name').fill('reviewers');
    await create.getByLabel('Role').selectOption('viewer');
    await create.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('button', { name: 'Members of reviewers' }).click();
    const members = page.getByRole('table', { name: 'Members of reviewers' });
    await page.getByText('Nobody is in reviewers.').waitFor();

    const add = page.getByRole('form', { name: 'Add to reviewers' });
    await add.getByLabel('Expires').fill('2001-01-01T00:00');
    await add.getByRole('button', { name: 'Add member' }).click();
    await add.getByText('expires_at must be in the future.').waitFor();
    assert.equal(await add.getByLabel('Expires').getAttribute('aria-invalid'), 'true');
    await add.getByLabel('Expires').fill('2030-01-02T03:04');
    await add.getByRole('button', { name: 'Add member' }).click();
    await members.getByRole('cell', { name: 'Ada', exact: true }).waitFor();
    const groups = await api<{ data: Array<{ id: string; name: string }> }>(ada, 'GET', `/v1/projects/${project}/groups`);
    const reviewers = groups.body.data.find((g) => g.name === 'reviewers')!;
    const stored = await api<{ data: Array<{ expires_at: number }> }>(ada, 'GET', `/v1/projects/${project}/groups/${reviewers.id}/members`);
    assert.equal(stored.body.data[0]!.expires_at, Math.floor(new Date('2030-01-02T03:04').getTime() / 1000));
    assert.equal(await members.getByRole('cell', { name: 'Never' }).count(), 0, 'the expiry is shown');
    await screenshot(page, 'project-groups');

    await members.getByRole('button', { name: 'Remove Ada from reviewers' }).click();
    await page.getByText('Nobody is in reviewers.').waitFor();
  });

  test('rate limits: a refused value is shown at its field; a saved one is what the API answers', async () => {
    const { page } = ada;
    await nav(page, 'Rate limits');
    await heading(page, 'Rate limits');
    await page.getByRole('button', { name: `Edit rate limits of ${CHAT_MODEL}` }).click();
    const dialog = page.getByRole('dialog', { name: `Rate limits of ${CHAT_MODEL}` });
    assert.equal(await focusInDialog(page), true);
    await dialog.getByLabel('Requests per minute').fill('0');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText(/^max_requests_per_1_minute: /).waitFor();
    assert.equal(await dialog.getByLabel('Requests per minute').getAttribute('aria-invalid'), 'true');
    await dialog.getByLabel('Requests per minute').fill('5');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => assert.equal(await page.getByRole('dialog').count(), 0), 'the dialog to close');
    await page.getByRole('row', { name: new RegExp(`^${CHAT_MODEL} 5 `) }).waitFor();
    const limits = await api<{ data: Array<{ model: string; max_requests_per_1_minute: number }> }>(ada, 'GET', `/v1/projects/${project}/rate_limits`);
    assert.equal(limits.body.data.find((l) => l.model === CHAT_MODEL)!.max_requests_per_1_minute, 5);
    await screenshot(page, 'rate-limits');
  });

  test('model permissions: refuse a model; the API answers the saved policy and the page shows it again', async () => {
    const { page } = ada;
    await nav(page, 'Model permissions');
    await heading(page, 'Model permissions');
    await page.getByLabel('Mode', { exact: true }).selectOption('deny_list');
    await page.getByRole('group', { name: 'Models' }).getByRole('checkbox', { name: CHAT_MODEL }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const saved = await api(ada, 'GET', `/v1/projects/${project}/model_permissions`);
    assert.deepEqual([saved.body.mode, saved.body.model_ids], ['deny_list', [CHAT_MODEL]]);
    await page.reload();
    await page.getByRole('group', { name: 'Models' }).getByRole('checkbox', { name: CHAT_MODEL }).waitFor();
    assert.equal(await page.getByRole('group', { name: 'Models' }).getByRole('checkbox', { name: CHAT_MODEL }).isChecked(), true);
    await screenshot(page, 'model-permissions');
  });

  test('datasets: made from an uploaded file, previewed ten rows a page in order, then deleted', async () => {
    const { page, context } = ada;
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    form.append('file', new Blob([TRAINING]), 'train.jsonl');
    const session = (await context.cookies()).find((c) => c.name === 'tenantry_session')!.value;
    const uploaded = await fetch(`${url()}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${session}`, 'openai-project': project }, body: form });
    assert.equal(uploaded.status, 200, await uploaded.clone().text());

    await nav(page, 'Datasets');
    await heading(page, 'Datasets');
    await page.getByText('No datasets yet.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('support');
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await page.getByRole('group', { name: 'Files' }).getByText(/^file_ids: /).waitFor();
    await page.getByRole('group', { name: 'Files' }).getByRole('checkbox', { name: /^train\.jsonl/ }).check();
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await page.getByRole('row', { name: /^support conversational 25 / }).waitFor();

    await page.getByRole('button', { name: 'Preview support' }).click();
    const preview = page.getByRole('region', { name: 'Rows of support' });
    const rows = preview.getByRole('table', { name: 'Rows of support' }).getByRole('row');
    await eventually(async () => assert.equal(await rows.count(), 11), 'a page of ten rows under the header');
    assert.equal(await rows.nth(1).getByRole('cell').nth(1).textContent(), 'user: q0\nassistant: a0');
    await screenshot(page, 'datasets');
    await preview.getByRole('button', { name: 'Next' }).click();
    await preview.getByText('Page 2').waitFor();
    await eventually(async () => assert.equal(await rows.nth(1).getByRole('cell').first().textContent(), '11'), 'the second page');
    await preview.getByRole('button', { name: 'Next' }).click();
    await eventually(async () => assert.equal(await rows.count(), 6), 'the last five rows');
    assert.equal(await preview.getByRole('button', { name: 'Next' }).isDisabled(), true);

    await page.getByRole('button', { name: 'Delete support' }).click();
    await page.getByRole('dialog', { name: 'Delete support' }).getByRole('button', { name: 'Delete dataset' }).click();
    await page.getByText('No datasets yet.').waitFor();
  });

  test('no page met a script error or a Content-Security-Policy violation', () => {
    assert.deepEqual(pageErrors, []);
  });
});
