import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenshot } from './helpers/browser.ts';
import { describeConsole, heading, nav, orgOf } from './helpers/console.ts';

/** The organization's Provisioning (SCIM) page: the base URL, a token shown once, its revocation. */
describeConsole('web console: provisioning (SCIM)', {}, ({ newUser, signUp, api, url, pageErrors }) => {
  test('an org admin sees the SCIM base URL, creates a token shown once that the identity provider can use, and revokes it', async () => {
    const ada = await newUser('ada');
    await signUp(ada);
    const { page } = ada;
    const org = await orgOf(page);
    await nav(page, 'Provisioning (SCIM)');
    await heading(page, 'Provisioning (SCIM)');
    assert.equal(await page.getByLabel('SCIM base URL').inputValue(), `${url()}/scim/v2/${org}`);
    await page.getByText('No SCIM tokens yet.').waitFor();

    await page.getByRole('button', { name: 'Create SCIM token' }).click();
    const create = page.getByRole('dialog', { name: 'Create SCIM token' });
    await create.getByRole('button', { name: 'Create', exact: true }).click();
    await create.getByText('name: must not be empty').waitFor();
    await create.getByLabel('Name').fill('Okta');
    await create.getByRole('button', { name: 'Create', exact: true }).click();
    const secret = await page.getByRole('region', { name: 'New SCIM token' }).getByLabel('Secret key').inputValue();
    assert.match(secret, /^tnt_scim_/);
    const provider = await fetch(`${url()}/scim/v2/${org}/Users`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(provider.status, 200, 'the identity provider can call SCIM with it');
    await screenshot(page, 'provisioning');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    assert.equal(await page.getByRole('region', { name: 'New SCIM token' }).count(), 0, 'the secret is gone once copied');
    await page.getByRole('row', { name: /^Okta\b/ }).getByText('active').waitFor();

    await page.getByRole('button', { name: 'Revoke Okta' }).click();
    await page.getByRole('dialog', { name: 'Revoke Okta' }).getByRole('button', { name: 'Revoke token' }).click();
    await page.getByRole('row', { name: /^Okta\b/ }).getByText('revoked').waitFor();
    assert.equal((await fetch(`${url()}/scim/v2/${org}/Users`, { headers: { authorization: `Bearer ${secret}` } })).status, 401);
    const tokens = await api<{ data: Array<{ revoked_at: number | null }> }>(ada, 'GET', `/v1/organizations/${org}/scim_tokens`);
    assert.equal(typeof tokens.body.data[0]!.revoked_at, 'number');
  });

  test('no page met a script error or a Content-Security-Policy violation', () => {
    assert.deepEqual(pageErrors, []);
  });
});
