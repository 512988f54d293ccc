import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { after, before } from 'node:test';
import type { Tenantry } from '../src/server.ts';
import { Api } from './helpers/client.ts';
import { describeEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { startTestIdp, type TestIdp } from './helpers/oidc-provider.ts';
import { startTenantry } from './helpers/server.ts';
import { startSmtpReceiver } from './helpers/smtp.ts';
import { verifiedUser } from './helpers/verified-user.ts';
import { outcomes, recordSignup, tenancyCommands, type Real } from './helpers/tenancy-commands.ts';
import { TenancyModel } from './helpers/tenancy-model.ts';

/**
 * Random sequences of operations by several users, each trying operations on every object it knows the
 * id of (its own and other tenants'), against the server and a reference model. Every status must be
 * the model's; in particular no cross-tenant read or write may succeed.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const USERS = 3;
const replay = () => (process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED), path: process.env.PROPERTY_PATH } : {});
const CONSOLE_URL = 'http://tenantry.test';
const CALLBACK = `${CONSOLE_URL}/v1/auth/sso/callback`;

describeEachDatabase('tenant isolation (model-based property test)', (kind) => {
  // Users have verified emails of domains of their own (SMTP), so that an SSO connection of theirs proves its domain;
  // a real OIDC provider signs people in through those connections.
  const server = {} as { tenantry: Tenantry; database: TestDatabase; idp: TestIdp; smtp: Awaited<ReturnType<typeof startSmtpReceiver>> };
  before(async () => {
    server.idp = await startTestIdp({ redirectUri: CALLBACK });
    server.smtp = await startSmtpReceiver();
    server.database = await kind.create();
    server.tenantry = await startTenantry(server.database, { config: { console_url: CONSOLE_URL, smtp: { host: '127.0.0.1', port: server.smtp.port }, sso: { allow_http_issuers: true } } });
  });
  after(async () => {
    await server.tenantry?.close();
    await server.database?.drop();
    await server.idp?.close();
    await server.smtp?.close();
  });
  let run = 0;

  test('every answer matches the reference model of who may see and change what', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(tenancyCommands, { maxCommands: 60, size: 'max' }), async (commands) => {
        const api = new Api(server.tenantry.app);
        const model = new TenancyModel();
        const real: Real = { api, idp: server.idp, callbackUrl: CALLBACK };
        run += 1;
        for (let i = 0; i < USERS; i += 1) {
          // Two of the three share a domain, so that a second connection for a domain already proven is refused its proof.
          const user = await verifiedUser(api, server.smtp, `u${i}@run${run}-${process.pid}-${i === 2 ? 1 : i}.test`);
          await recordSignup(real, model, { id: user.user.id, token: user.token, email: user.user.email }, user.org, { id: user.project.id, name: 'Default project' });
        }
        await fc.asyncModelRun(() => ({ model, real }), commands);
      }),
      // PROPERTY_SEED (with PROPERTY_PATH) replays a failure's counterexample as its report names them.
      { numRuns: RUNS, endOnFailure: true, includeErrorInReport: true, ...replay() },
    );
    // The run must have exercised both sides of the rules it checks, not only refusals.
    const seen = [...outcomes.entries()].sort().map(([k, n]) => `${k}: ${n}`);
    console.log(`# outcomes: ${seen.join(', ')}`);
    for (const required of ['RenameProject 200', 'RenameProject 404', 'ReadProject 200', 'ReadProject 404', 'AddGroupMember 201', 'InviteAndAccept 201', 'CreateKey 201', 'UseKey 200', 'UseKey 404', 'CreateRole 201', 'GrantRole 201', 'GrantRole 404', 'CreateSsoConnection 201', 'SsoSignIn 302', 'ReadSsoConnection 404', 'ScimProvision 201', 'ScimProvision 404', 'ScimSetActive 200', 'ScimListUsers 200']) {
      assert.ok((outcomes.get(required) ?? 0) > 0, `the run never saw ${required}`);
    }
  });
});
