import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Tenantry } from '../../src/server.ts';
import { browserUnavailable, eventually, launchBrowser } from './browser.ts';
import { uniqueEmail } from './client.ts';
import { createSqliteDatabase, type TestDatabase } from './databases.ts';
import { listen } from './listen.ts';
import { startTenantry, type TestServerOptions } from './server.ts';

export const PASSWORD = 'a long enough passphrase';

/** An answer of the API as a test reads it: its refusal, or its fields. */
export interface ApiAnswer {
  error: { message: string; code: string | null; param: string | null };
  id: string;
  [field: string]: unknown;
}

export interface ConsoleUser {
  context: BrowserContext;
  page: Page;
  email: string;
  name: string;
}

/** What a console suite gets: the server's URL, users in their own browser contexts, and the API as them. */
export interface ConsoleSuite {
  url: () => string;
  newUser: (label: string) => Promise<ConsoleUser>;
  signUp: (user: ConsoleUser) => Promise<void>;
  /** Calls the API as the user (its session cookie as a bearer token), outside the browser. */
  api: <T = ApiAnswer>(user: ConsoleUser, method: string, path: string, options?: { body?: unknown; project?: string }) => Promise<{ status: number; body: T }>;
  /** Script errors and CSP violations of every page (refused requests are expected, and left out). */
  pageErrors: string[];
}

/**
 * A suite of console tests in headless Chromium against a real listening server (SQLite: the API
 * under the console is tested on both databases elsewhere). Under CI=true, a missing Chromium or an
 * unbuilt console fails the run instead of skipping it.
 */
export function describeConsole(title: string, options: TestServerOptions, suite: (console: ConsoleSuite) => void): void {
  const unavailable = browserUnavailable();
  if (unavailable && process.env.CI === 'true') {
    describe(title, () => {
      test('runs under CI', () => assert.fail(`CI=true but ${unavailable}`));
    });
    return;
  }
  describe(`${title} in Chromium [sqlite]`, { skip: unavailable ? `web console tests skipped: ${unavailable}` : false }, () => {
    let database: TestDatabase;
    let tenantry: Tenantry;
    let browser: Browser;
    let url: string;
    const pageErrors: string[] = [];

    before(async () => {
      database = await createSqliteDatabase();
      tenantry = await startTenantry(database, options);
      url = await listen(tenantry);
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await tenantry?.close();
      await database?.drop();
    });

    const sessionOf = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'tenantry_session')!.value;

    suite({
      url: () => url,
      pageErrors,
      async newUser(label) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: url });
        const page = await context.newPage();
        page.on('pageerror', (error) => pageErrors.push(`${label}: ${error.message}`));
        page.on('console', (message) => {
          if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(`${label}: ${message.text()}`);
        });
        return { context, page, email: uniqueEmail(label), name: label[0]!.toUpperCase() + label.slice(1) };
      },
      async signUp({ page, name, email }) {
        await page.goto('/signup');
        await page.getByLabel('Name', { exact: true }).fill(name);
        await page.getByLabel('Email', { exact: true }).fill(email);
        await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.getByRole('button', { name: 'Sign out' }).waitFor();
      },
      async api(user, method, path, { body, project } = {}) {
        const headers: Record<string, string> = { authorization: `Bearer ${await sessionOf(user.context)}` };
        if (body !== undefined) headers['content-type'] = 'application/json';
        if (project) headers['openai-project'] = project;
        const response = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
      },
    });
  });
}

/** Page helpers by accessible name, as a person finds things. */
export const nav = (page: Page, name: string) => page.getByRole('link', { name, exact: true }).click();
export const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
export const selected = (page: Page, name: string) =>
  page.getByRole('combobox', { name, exact: true }).evaluate((select) => (select as unknown as { selectedOptions: Array<{ textContent: string | null }> }).selectedOptions[0]?.textContent ?? '');
export const expectSelected = (page: Page, name: string, text: string) => eventually(async () => assert.equal(await selected(page, name), text), `${name} to show ${text}`);
/** The id of the organization the switcher shows. */
export const orgOf = (page: Page) => page.getByRole('combobox', { name: 'Organization', exact: true }).inputValue();
export const projectOf = (page: Page) => page.getByRole('combobox', { name: 'Project', exact: true }).inputValue();

/** Whether keyboard focus is inside the open modal dialog. */
export const focusInDialog = (page: Page) => page.evaluate<boolean>("Boolean(document.activeElement?.closest('dialog[open]'))");
