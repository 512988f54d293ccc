import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Tenantry } from '../src/server.ts';
import { browserUnavailable, launchBrowser, screenshot } from './helpers/browser.ts';
import { Api } from './helpers/client.ts';
import { createSqliteDatabase, type TestDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { startTestIdp, type TestIdp } from './helpers/oidc-provider.ts';
import { createOrganization } from './helpers/organizations.ts';
import { startTenantry } from './helpers/server.ts';
import { startSmtpReceiver } from './helpers/smtp.ts';
import { verifiedUser } from './helpers/verified-user.ts';

/**
 * The console's single sign-on in headless Chromium: the settings page, and "Sign in with SSO" through
 * a real OpenID provider. The server answers as http://tenantry.test (Chromium maps the name to its
 * port), so that the console URL, the redirect URI registered at the provider and the cookies agree.
 * SQLite only: the API under it is tested on both databases in test/sso.test.ts.
 */
const CONSOLE_URL = 'http://tenantry.test';
const PASSWORD = 'correct horse battery';
const unavailable = browserUnavailable();

describe('single sign-on in the console, in Chromium [sqlite]', { skip: unavailable && process.env.CI !== 'true' ? `web console tests skipped: ${unavailable}` : false }, () => {
  let database: TestDatabase;
  let tenantry: Tenantry;
  let idp: TestIdp;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let browser: Browser;
  const domain = `acme-${randomBytes(4).toString('hex')}.test`;

  before(async () => {
    if (unavailable) throw new Error(`CI=true but ${unavailable}`);
    idp = await startTestIdp({ redirectUri: `${CONSOLE_URL}/v1/auth/sso/callback` });
    smtp = await startSmtpReceiver();
    database = await createSqliteDatabase();
    tenantry = await startTenantry(database, { config: { console_url: CONSOLE_URL, smtp: { host: '127.0.0.1', port: smtp.port }, sso: { allow_http_issuers: true } } });
    const port = new URL(await listen(tenantry)).port;
    browser = await launchBrowser([`--host-resolver-rules=MAP tenantry.test:80 127.0.0.1:${port}`]);
  });
  after(async () => {
    await browser?.close();
    await tenantry?.close();
    await database?.drop();
    await idp?.close();
    await smtp?.close();
  });

  test('an admin connects the provider on the Single sign-on page, and a new person signs in with "Sign in with SSO" and lands in the console', async () => {
    const api = new Api(tenantry.app);
    const admin = await verifiedUser(api, smtp, `admin@${domain}`, PASSWORD);
    const org = await createOrganization(api, admin, 'Acme SSO');

    const adminContext = await browser.newContext({ baseURL: CONSOLE_URL, viewport: { width: 1280, height: 900 } });
    const page = await adminContext.newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(admin.user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`/orgs/${org.id}/sso`);
    await page.getByRole('heading', { level: 1, name: 'Single sign-on' }).waitFor();
    await page.getByRole('button', { name: 'Add SSO connection' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Acme IdP');
    await dialog.getByLabel('Issuer URL').fill(idp.issuer);
    await dialog.getByLabel('Client ID').fill(idp.clientId);
    await dialog.getByLabel('Client secret').fill(idp.clientSecret);
    await dialog.getByLabel('Email domains').fill(domain);
    await dialog.getByRole('button', { name: 'Add connection' }).click();
    const row = page.getByRole('row', { name: /Acme IdP/ });
    await row.waitFor();
    assert.match(await row.textContent() ?? '', new RegExp(domain));
    assert.doesNotMatch(await row.textContent() ?? '', /unverified/, 'the admin\'s own verified email proves the domain');
    await page.getByRole('button', { name: 'Details of Acme IdP' }).click();
    await page.getByText(`${CONSOLE_URL}/v1/auth/sso/callback`).waitFor();
    await screenshot(page, 'sso-settings');

    idp.accounts.set('olivia', { email: `olivia@${domain}` });
    const personContext = await browser.newContext({ baseURL: CONSOLE_URL, viewport: { width: 1280, height: 900 } });
    const person = await personContext.newPage();
    await person.goto('/login');
    await person.getByRole('button', { name: 'Sign in with SSO' }).click();
    await person.getByLabel('Work email').fill('someone@no-sso.test');
    await person.getByRole('button', { name: 'Continue with SSO' }).click();
    await person.getByText(/No single sign-on is set up/).waitFor();
    await person.getByLabel('Work email').fill(`olivia@${domain}`);
    await person.getByRole('button', { name: 'Continue with SSO' }).click();
    // The provider's own sign-in page.
    await person.waitForURL((url) => url.origin === idp.issuer);
    await person.locator('input[name="login"]').fill('olivia');
    await person.locator('input[name="password"]').fill('anything');
    await person.locator('button[type="submit"]').click();
    await person.waitForURL((url) => url.origin === CONSOLE_URL);
    await person.getByRole('button', { name: 'Sign out' }).waitFor();
    const me = (await person.evaluate(async () => (await fetch('/v1/me')).json())) as { email: string; organizations: Array<{ id: string }> };
    assert.equal(me.email, `olivia@${domain}`);
    assert.ok(me.organizations.some((o: { id: string }) => o.id === org.id), 'joined the organization at first sign-in');
    await screenshot(person, 'sso-signed-in');
    await adminContext.close();
    await personContext.close();
  });
});
