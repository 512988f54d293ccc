import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Tenantry } from '../src/server.ts';
import { browserUnavailable, eventually, launchBrowser, screenshot } from './helpers/browser.ts';
import { uniqueEmail } from './helpers/client.ts';
import { createSqliteDatabase, type TestDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { startTenantry } from './helpers/server.ts';
import { bodyOf, startSmtpReceiver } from './helpers/smtp.ts';

/**
 * Email verification in the web console, in headless Chromium: the page of the emailed link and the
 * banner that asks for it. SQLite only: the API under it is tested on both databases elsewhere.
 */

const PASSWORD = 'a long enough passphrase';
const BANNER = 'Verify your email address';
const unavailable = browserUnavailable();

if (unavailable && process.env.CI === 'true') {
  describe('web console email verification', () => {
    test('runs under CI', () => assert.fail(`CI=true but ${unavailable}`));
  });
} else {
  describe('web console email verification in Chromium [sqlite]', { skip: unavailable ? `web console tests skipped: ${unavailable}` : false }, () => {
    let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
    const servers: Array<{ tenantry: Tenantry; database: TestDatabase }> = [];
    let withSmtp: string;
    let withoutSmtp: string;
    let browser: Browser;
    const pageErrors: string[] = [];

    async function serve(config: Parameters<typeof startTenantry>[1]): Promise<string> {
      const database = await createSqliteDatabase();
      const tenantry = await startTenantry(database, config);
      servers.push({ tenantry, database });
      return listen(tenantry);
    }

    before(async () => {
      smtp = await startSmtpReceiver();
      withSmtp = await serve({ config: { smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'Tenantry <no-reply@tenantry.test>' } } });
      withoutSmtp = await serve({});
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      for (const { tenantry, database } of servers) {
        await tenantry.close();
        await database.drop();
      }
      await smtp?.close();
    });

    async function newPage(label: string, baseURL: string): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL });
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(`${label}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(`${label}: ${message.text()}`);
      });
      return page;
    }

    async function signUp(page: Page, name: string, email: string) {
      await page.goto('/signup');
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.getByRole('heading', { level: 1, name: 'API keys', exact: true }).waitFor();
    }

    /** The path and query of the link in the verification email sent to `email`. */
    async function verificationLink(email: string): Promise<string> {
      const mail = await eventually(async () => {
        const found = smtp.messages.find((m) => m.to.includes(email));
        assert.ok(found, `no email to ${email} yet`);
        return found;
      }, 'the verification email');
      const link = /https?:\/\/\S+?(\/verify-email\?token=[^\s]+)/.exec(bodyOf(mail))?.[1];
      assert.ok(link, bodyOf(mail));
      return link;
    }

    const banner = (page: Page) => page.getByRole('heading', { level: 2, name: BANNER, exact: true });

    test('an unverified user is asked to verify; the emailed link, opened signed out, verifies after signing in, and the banner goes', async () => {
      const email = uniqueEmail('vera');
      const page = await newPage('vera', withSmtp);
      await signUp(page, 'Vera', email);
      await banner(page).waitFor();
      assert.match((await page.locator('.notice').textContent()) ?? '', new RegExp(`sent a link to ${email.replace(/[.+]/g, '\\$&')}.*cannot accept invitations`));
      await screenshot(page, 'verify-email-banner');

      const link = await verificationLink(email);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/login');
      await page.goto(link);
      // Signed out: sign in first, and come back to the link.
      await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === link);
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/verify-email');
      const verified = page.getByText(`Your email address ${email} is verified.`);
      await verified.waitFor();
      await screenshot(page, 'verify-email-done');

      await page.getByRole('link', { name: 'Continue to the console' }).click();
      await page.getByRole('heading', { level: 1, name: 'API keys', exact: true }).waitFor();
      assert.equal(await banner(page).count(), 0, 'no banner once verified');
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'API keys', exact: true }).waitFor();
      assert.equal(await banner(page).count(), 0, 'the server knows it is verified');

      // The link again: it was used, and the page says the address is verified rather than failing.
      await page.goto(link);
      await page.getByText(`Your email address ${email} is already verified.`).waitFor();
    });

    test('an expired, used or foreign link, or one without a token, is refused in plain words', async () => {
      const page = await newPage('walt', withSmtp);
      const email = uniqueEmail('walt');
      await signUp(page, 'Walt', email);
      await page.goto('/verify-email?token=tnt_verify_not_a_real_token');
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      assert.equal(
        await refusal.textContent(),
        `This verification link has expired, was already used, or belongs to another account (you are signed in as ${email}).`,
      );
      await screenshot(page, 'verify-email-refused');
      await page.goto('/verify-email');
      await page.getByText('This link has no verification token.', { exact: false }).waitFor();
      await page.getByRole('link', { name: 'Continue to the console' }).click();
      await banner(page).waitFor();
    });

    test('a server without SMTP, which cannot verify, never asks for it', async () => {
      const page = await newPage('nils', withoutSmtp);
      await signUp(page, 'Nils', uniqueEmail('nils'));
      await eventually(async () => assert.equal(await page.getByText(/^Loading /).count(), 0), 'the page to load');
      assert.equal(await banner(page).count(), 0);
    });

    test('no page met a script error or a Content-Security-Policy violation', () => {
      assert.deepEqual(pageErrors, []);
    });
  });
}
