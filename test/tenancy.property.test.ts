import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { useTenantry } from './helpers/server.ts';
import { outcomes, recordSignup, tenancyCommands, type Real } from './helpers/tenancy-commands.ts';
import { TenancyModel } from './helpers/tenancy-model.ts';

/**
 * Random sequences of operations by several users, each trying operations on every object it knows the
 * id of (its own and other tenants'), against the server and a reference model. Every status must be
 * the model's; in particular no cross-tenant read or write may succeed.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 20);
const USERS = 3;

describeEachDatabase('tenant isolation (model-based property test)', (kind) => {
  const server = useTenantry(kind);

  test('every answer matches the reference model of who may see and change what', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(tenancyCommands, { maxCommands: 60, size: 'max' }), async (commands) => {
        const api = new Api(server.tenantry.app);
        const model = new TenancyModel();
        const real: Real = { api };
        for (let i = 0; i < USERS; i += 1) {
          const user = await signUp(api, `u${i}`);
          await recordSignup(real, model, { id: user.user.id, token: user.token, email: user.user.email }, user.org, { id: user.project.id, name: 'Default project' });
        }
        await fc.asyncModelRun(() => ({ model, real }), commands);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // The run must have exercised both sides of the rules it checks, not only refusals.
    const seen = [...outcomes.entries()].sort().map(([k, n]) => `${k}: ${n}`);
    console.log(`# outcomes: ${seen.join(', ')}`);
    for (const required of ['RenameProject 200', 'RenameProject 404', 'ReadProject 200', 'ReadProject 404', 'AddGroupMember 201', 'InviteAndAccept 201', 'CreateKey 201', 'UseKey 200', 'UseKey 404', 'CreateRole 201', 'GrantRole 201', 'GrantRole 404', 'ScimProvision 201', 'ScimProvision 404', 'ScimSetActive 200', 'ScimListUsers 200']) {
      assert.ok((outcomes.get(required) ?? 0) > 0, `the run never saw ${required}`);
    }
  });
});
