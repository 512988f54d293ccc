import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, screenshot } from './helpers/browser.ts';
import { describeConsole, expectSelected, focusInDialog, heading, nav, orgOf, type ConsoleUser } from './helpers/console.ts';

/** The organization's pages of the console: its settings, its service accounts, and invitations by name. */

/** Presses Tab until the focused element has `name` as its accessible label; fails after `most` presses. */
async function tabTo(page: Page, name: string, most = 25): Promise<void> {
  for (let i = 0; i < most; i += 1) {
    await page.keyboard.press('Tab');
    const label = await page.evaluate<string>("document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? ''");
    if (label === name) return;
  }
  assert.fail(`Tab never reached ${name}`);
}

describeConsole('web console: organization pages', {}, ({ newUser, signUp, api, pageErrors }) => {
  let ada: ConsoleUser;

  test('settings: deleting a personal organization and the last admin leaving are refused in the server\'s words; the dialog keeps focus and closes on Escape', async () => {
    ada = await newUser('ada');
    await signUp(ada);
    const { page } = ada;
    const org = await orgOf(page);
    await nav(page, 'Organization settings');
    await heading(page, 'Organization settings');

    await page.getByRole('button', { name: 'Delete organization' }).click();
    const dialog = page.getByRole('dialog', { name: "Delete Ada's organization" });
    const confirm = dialog.getByRole('button', { name: 'Delete organization' });
    assert.equal(await confirm.isDisabled(), true, 'nothing is deleted before the name is typed');
    await dialog.getByLabel("Type Ada's organization to confirm").fill("Ada's");
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel("Type Ada's organization to confirm").fill("Ada's organization");
    await confirm.click();
    const refused = await api(ada, 'DELETE', `/v1/organizations/${org}`);
    assert.equal(refused.status, 409);
    assert.equal(await dialog.getByRole('alert').textContent(), refused.body.error.message);
    for (let i = 0; i < 8; i += 1) {
      await page.keyboard.press('Tab');
      assert.equal(await focusInDialog(page), true, `focus stays in the dialog (Tab ${i + 1})`);
    }
    await screenshot(page, 'organization-delete');
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await page.getByRole('dialog').count(), 0), 'Escape to close the dialog');

    await page.getByRole('button', { name: 'Leave organization' }).click();
    const leave = page.getByRole('dialog', { name: "Leave Ada's organization" });
    await leave.getByRole('button', { name: 'Leave', exact: true }).click();
    const me = (await api(ada, 'GET', '/v1/me')).body;
    const lastAdmin = await api(ada, 'DELETE', `/v1/organizations/${org}/members/${me.id}`);
    assert.equal(lastAdmin.body.error.code, 'last_admin');
    assert.equal(await leave.getByRole('alert').textContent(), lastAdmin.body.error.message);
    await leave.getByRole('button', { name: 'Cancel' }).click();
    await screenshot(page, 'organization-settings');
  });

  test('rename an organization (a refused name is shown at its field), invite by its name, then delete it with a typed confirmation', async () => {
    const { page } = ada;
    const acme = await api(ada, 'POST', '/v1/organizations', { body: { name: 'Acme' } });
    assert.equal(acme.status, 201);
    await page.reload();
    await page.getByRole('combobox', { name: 'Organization', exact: true }).selectOption({ label: 'Acme' });
    await expectSelected(page, 'Organization', 'Acme');
    await nav(page, 'Organization settings');
    const name = page.getByLabel('Organization name');
    await name.fill('  ');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('name: must not be empty').waitFor();
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    await name.fill('Acme Research');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await expectSelected(page, 'Organization', 'Acme Research');
    await page.getByRole('navigation', { name: 'Organization' }).getByRole('heading', { name: 'Acme Research' }).waitFor();

    const bob = await newUser('bob');
    try {
      assert.equal((await api(ada, 'POST', `/v1/organizations/${acme.body.id}/invitations`, { body: { email: bob.email } })).status, 201);
      await signUp(bob);
      const invitations = bob.page.getByRole('region', { name: 'Invitations for you' });
      await invitations.getByText('You are invited to join Acme Research').waitFor();
      assert.ok(!((await invitations.textContent()) ?? '').includes(acme.body.id), 'the name, not the id');
      await screenshot(bob.page, 'invitation-for-me');
    } finally {
      await bob.context.close();
    }

    await page.getByRole('button', { name: 'Delete organization' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Acme Research' });
    await dialog.getByLabel('Type Acme Research to confirm').fill('Acme Research');
    await dialog.getByRole('button', { name: 'Delete organization' }).click();
    await expectSelected(page, 'Organization', "Ada's organization");
    const options = await page.getByRole('combobox', { name: 'Organization', exact: true }).locator('option').allTextContents();
    assert.ok(!options.includes('Acme Research'), 'the deleted organization is gone from the switcher');
    assert.equal((await api(ada, 'GET', `/v1/organizations/${acme.body.id}`)).status, 404);
  });

  test('deleting an organization another member still belongs to is refused in the dialog, saying so; once the member is removed it goes', async () => {
    const { page } = ada;
    const crew = await api(ada, 'POST', '/v1/organizations', { body: { name: 'Crew' } });
    assert.equal(crew.status, 201);
    const cy = await newUser('cy');
    try {
      await signUp(cy);
      const invited = await api(ada, 'POST', `/v1/organizations/${crew.body.id}/invitations`, { body: { email: cy.email } });
      assert.equal(invited.status, 201);
      assert.equal((await api(cy, 'POST', `/v1/me/invitations/${invited.body.id}/accept`)).status, 200);
    } finally {
      await cy.context.close();
    }
    await page.reload();
    await page.getByRole('combobox', { name: 'Organization', exact: true }).selectOption({ label: 'Crew' });
    await expectSelected(page, 'Organization', 'Crew');
    await nav(page, 'Organization settings');

    await page.getByRole('button', { name: 'Delete organization' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Crew' });
    await dialog.getByLabel('Type Crew to confirm').fill('Crew');
    await dialog.getByRole('button', { name: 'Delete organization' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), 'The organization still has 1 other member; remove them first.');
    await screenshot(page, 'organization-delete-not-empty');
    assert.equal((await api(ada, 'GET', `/v1/organizations/${crew.body.id}`)).status, 200, 'nothing was deleted');

    const members = await api<{ data: Array<{ principal: { id: string; email?: string } }> }>(ada, 'GET', `/v1/organizations/${crew.body.id}/members`);
    const other = members.body.data.find((m) => m.principal.email === cy.email);
    assert.ok(other, 'the other member is listed');
    assert.equal((await api(ada, 'DELETE', `/v1/organizations/${crew.body.id}/members/${other.principal.id}`)).status, 200);
    await dialog.getByRole('button', { name: 'Delete organization' }).click();
    await expectSelected(page, 'Organization', "Ada's organization");
    assert.equal((await api(ada, 'GET', `/v1/organizations/${crew.body.id}`)).status, 404);
  });

  test('service accounts: create one from the keyboard, issue it a key shown once, revoke the key, delete the account', async () => {
    const { page } = ada;
    const org = await orgOf(page);
    await nav(page, 'Service accounts');
    await heading(page, 'Service accounts');
    await page.getByText('No service accounts yet.').waitFor();

    await page.getByRole('button', { name: 'Create service account' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Create service account' }).waitFor();
    assert.equal(await focusInDialog(page), true);
    await page.keyboard.type('deploy-bot');
    await page.keyboard.press('Enter');
    await page.getByRole('cell', { name: 'deploy-bot', exact: true }).waitFor();

    // The row's actions are reached by Tab, in reading order, and work from the keyboard.
    await page.getByRole('button', { name: 'Create service account' }).focus();
    await tabTo(page, 'Keys of deploy-bot');
    await page.keyboard.press('Enter');
    const keys = page.getByRole('region', { name: 'Keys of deploy-bot' });
    await keys.getByText('No API keys yet').waitFor();
    await keys.getByRole('button', { name: 'Create key for deploy-bot' }).click();
    const create = page.getByRole('dialog', { name: 'Create API key' });
    await create.getByLabel('Name').fill('deploys');
    await create.getByRole('button', { name: 'Create', exact: true }).click();
    const secret = await keys.getByRole('region', { name: 'New API key' }).getByLabel('Secret key').inputValue();
    assert.match(secret, /^tnt_key_/);
    const listed = await api<{ data: Array<{ name: string; owner: { id: string }; redacted_value: string }> }>(ada, 'GET', `/v1/organizations/${org}/api_keys`);
    const accounts = await api<{ data: Array<{ id: string; name: string }> }>(ada, 'GET', `/v1/organizations/${org}/service_accounts`);
    const account = accounts.body.data.find((a) => a.name === 'deploy-bot')!;
    const key = listed.body.data.find((k) => k.name === 'deploys')!;
    assert.equal(key.owner.id, account.id);
    assert.ok(secret.endsWith(key.redacted_value.slice(-4)));
    await screenshot(page, 'service-accounts');
    await keys.getByRole('button', { name: 'I have copied it' }).click();

    await keys.getByRole('button', { name: 'Revoke deploys' }).click();
    await page.getByRole('dialog', { name: 'Revoke deploys' }).getByRole('button', { name: 'Revoke key' }).click();
    await keys.getByRole('row', { name: /^deploys\b/ }).getByText('revoked').waitFor();

    await page.getByRole('button', { name: 'Delete deploy-bot' }).click();
    await page.getByRole('dialog', { name: 'Delete deploy-bot' }).getByRole('button', { name: 'Delete service account' }).click();
    await page.getByText('No service accounts yet.').waitFor();
  });

  test('a long list is paged: Next and Previous walk it 25 rows at a time', async () => {
    const { page } = ada;
    const org = await orgOf(page);
    for (let i = 1; i <= 26; i += 1) {
      assert.equal((await api(ada, 'POST', `/v1/organizations/${org}/service_accounts`, { body: { name: `robot ${String(i).padStart(2, '0')}` } })).status, 201);
    }
    await page.reload();
    const table = page.getByRole('table', { name: 'Service accounts' });
    const pages = page.getByRole('navigation', { name: 'Pages' });
    await pages.getByText('Page 1').waitFor();
    await eventually(async () => assert.equal(await table.getByRole('row').count(), 26), 'a header and 25 rows');
    assert.equal(await pages.getByRole('button', { name: 'Previous' }).isDisabled(), true);
    await pages.getByRole('button', { name: 'Next' }).click();
    await pages.getByText('Page 2').waitFor();
    await eventually(async () => assert.equal(await table.getByRole('row').count(), 2), 'the last row');
    assert.equal(await pages.getByRole('button', { name: 'Next' }).isDisabled(), true);
    const seen = await table.getByRole('row').nth(1).getByRole('cell').first().textContent();
    assert.match(seen ?? '', /^robot \d\d$/);
    await pages.getByRole('button', { name: 'Previous' }).click();
    await pages.getByText('Page 1').waitFor();
    await eventually(async () => assert.equal(await table.getByRole('row').count(), 26), 'the first page again');
    assert.equal(await table.getByRole('cell', { name: seen!, exact: true }).count(), 0, 'no row on both pages');
  });

  test('no page met a script error or a Content-Security-Policy violation', () => {
    assert.deepEqual(pageErrors, []);
  });
});
