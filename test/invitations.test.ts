import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Api, errorOf, signUp, uniqueEmail } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { groupNamed } from './helpers/organizations.ts';
import { TestClock, useTenantry } from './helpers/server.ts';
import { bodyOf, startSmtpReceiver } from './helpers/smtp.ts';

describeEachDatabase('invitations', (kind) => {
  const clock = new TestClock();
  const server = useTenantry(kind, { clock });
  const api = () => new Api(server.tenantry.app);

  test('an admin invites an email into groups and projects; the invitee sees it and accepting grants them all', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const org = `/v1/organizations/${ann.org.id}`;
    const billing = await groupNamed(api(), ann.token, org, 'billing_managers');
    const second = (await api().post(`${org}/projects`, ann.token, { name: 'Second' })).body;
    const members = await groupNamed(api(), ann.token, `/v1/projects/${second.id}`, 'members');

    const invited = await api().post(`${org}/invitations`, ann.token, {
      email: bob.user.email.toUpperCase(),
      group_ids: [billing.id],
      projects: [{ project_id: second.id, group_id: members.id }],
    });
    assert.equal(invited.status, 201);
    assert.match(invited.body.id, /^inv_/);
    assert.equal(invited.body.object, 'invitation');
    assert.equal(invited.body.status, 'pending');
    assert.equal(invited.body.organization_id, ann.org.id);
    assert.deepEqual(invited.body.group_ids, [billing.id]);
    assert.deepEqual(invited.body.projects, [{ project_id: second.id, group_id: members.id }]);
    assert.equal(invited.body.inviter_id, ann.user.id);
    assert.equal(invited.body.expires_at - invited.body.created_at, 3 * 24 * 3600);

    const mine = await api().get('/v1/me/invitations', bob.token);
    assert.deepEqual(mine.body.data.map((i: { id: string }) => i.id), [invited.body.id]);
    assert.equal((await api().get(`/v1/projects/${second.id}`, bob.token)).status, 404, 'nothing before accepting');

    const accepted = await api().post(`/v1/me/invitations/${invited.body.id}/accept`, bob.token);
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.status, 'accepted');
    assert.equal((await api().get(`/v1/projects/${second.id}`, bob.token)).status, 200);
    assert.equal((await api().get(`/v1/projects/${ann.project.id}`, bob.token)).status, 404, 'only the project shared');
    const me = await api().get('/v1/me', bob.token);
    const inAnn = me.body.organizations.find((o: { id: string }) => o.id === ann.org.id);
    assert.deepEqual(inAnn.groups.map((g: { name: string }) => g.name).sort(), ['billing_managers', 'members']);
    assert.deepEqual((await api().get('/v1/me/invitations', bob.token)).body.data, []);

    const again = await api().post(`/v1/me/invitations/${invited.body.id}/accept`, bob.token);
    assert.equal(again.status, 409);
    assert.equal(errorOf(again).code, 'invitation_not_pending');
    const member = await api().post(`${org}/invitations`, ann.token, { email: bob.user.email });
    assert.equal(member.status, 409);
    assert.equal(errorOf(member).code, 'already_member');
  });

  test("an invitation names its organization by name, as the organization is called now, in every answer", async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const org = `/v1/organizations/${ann.org.id}`;
    const invited = await api().post(`${org}/invitations`, ann.token, { email: bob.user.email });
    assert.equal(invited.body.organization_name, ann.org.name);
    assert.equal((await api().patch(org, ann.token, { name: 'Acme Research' })).status, 200);
    const mine = await api().get('/v1/me/invitations', bob.token);
    assert.deepEqual(mine.body.data.map((i: { organization_name: string }) => i.organization_name), ['Acme Research']);
    const listed = await api().get(`${org}/invitations`, ann.token);
    assert.equal(listed.body.data[0].organization_name, 'Acme Research');
    const resent = await api().post(`${org}/invitations/${invited.body.id}/resend`, ann.token);
    assert.equal(resent.body.organization_name, 'Acme Research');
    const accepted = await api().post(`/v1/me/invitations/${invited.body.id}/accept`, bob.token);
    assert.equal(accepted.body.organization_name, 'Acme Research');
  });

  test('only the addressee may accept or decline; anyone else gets 404', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const eve = await signUp(api(), 'eve');
    const invited = (await api().post(`/v1/organizations/${ann.org.id}/invitations`, ann.token, { email: bob.user.email })).body;
    for (const action of ['accept', 'decline']) {
      assert.equal((await api().post(`/v1/me/invitations/${invited.id}/${action}`, eve.token)).status, 404);
      assert.equal((await api().post(`/v1/me/invitations/${invited.id}/${action}`, ann.token)).status, 404);
    }
    assert.deepEqual((await api().get('/v1/me/invitations', eve.token)).body.data, []);
    const declined = await api().post(`/v1/me/invitations/${invited.id}/decline`, bob.token);
    assert.equal(declined.status, 200);
    assert.equal(declined.body.status, 'declined');
    assert.equal((await api().post(`/v1/me/invitations/${invited.id}/accept`, bob.token)).status, 409);
    assert.equal((await api().get(`/v1/organizations/${ann.org.id}`, bob.token)).status, 404);
  });

  test('a duplicate pending invitation is 409; revoke, resend and the status filter', async () => {
    const ann = await signUp(api(), 'ann');
    const email = uniqueEmail('carol');
    const org = `/v1/organizations/${ann.org.id}`;
    const first = (await api().post(`${org}/invitations`, ann.token, { email })).body;
    const duplicate = await api().post(`${org}/invitations`, ann.token, { email: email.toUpperCase() });
    assert.equal(duplicate.status, 409);
    assert.equal(errorOf(duplicate).code, 'invitation_pending');

    clock.advance(3600);
    const resent = await api().post(`${org}/invitations/${first.id}/resend`, ann.token);
    assert.equal(resent.status, 200);
    // Three days from the resend, an hour after the first sending (a second may tick between requests).
    assert.ok(resent.body.expires_at >= first.expires_at + 3600 && resent.body.expires_at <= first.expires_at + 3602, String(resent.body.expires_at - first.expires_at));

    const revoked = await api().delete(`${org}/invitations/${first.id}`, ann.token);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.status, 'revoked');
    assert.equal((await api().delete(`${org}/invitations/${first.id}`, ann.token)).status, 409);
    assert.equal((await api().post(`${org}/invitations/${first.id}/resend`, ann.token)).status, 409);

    const second = (await api().post(`${org}/invitations`, ann.token, { email })).body;
    assert.equal(second.status, 'pending');
    const pending = await api().get(`${org}/invitations?status=pending`, ann.token);
    assert.deepEqual(pending.body.data.map((i: { id: string }) => i.id), [second.id]);
    const revokedList = await api().get(`${org}/invitations?status=revoked`, ann.token);
    assert.deepEqual(revokedList.body.data.map((i: { id: string }) => i.id), [first.id]);
    const all = await api().get(`${org}/invitations`, ann.token);
    assert.equal(all.body.data.length, 2);
    assert.equal((await api().get(`${org}/invitations?status=lost`, ann.token)).status, 400);
  });

  test('an invitation expires 3 days after it is sent; an expired one cannot be accepted', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const org = `/v1/organizations/${ann.org.id}`;
    const invited = (await api().post(`${org}/invitations`, ann.token, { email: bob.user.email })).body;
    clock.advance(3 * 24 * 3600 + 1);
    const expired = await api().post(`/v1/me/invitations/${invited.id}/accept`, bob.token);
    assert.equal(expired.status, 409);
    assert.equal(errorOf(expired).code, 'invitation_expired');
    const listed = await api().get(`${org}/invitations?status=expired`, ann.token);
    assert.deepEqual(listed.body.data.map((i: { id: string; status: string }) => [i.id, i.status]), [[invited.id, 'expired']]);
    assert.deepEqual((await api().get('/v1/me/invitations', bob.token)).body.data, []);
    const again = await api().post(`${org}/invitations`, ann.token, { email: bob.user.email });
    assert.equal(again.status, 201, 'an expired invitation does not block a new one');
  });

  test('refusals: strangers get 404, members 403, groups must belong to the organization (400)', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const eve = await signUp(api(), 'eve');
    const org = `/v1/organizations/${ann.org.id}`;
    const invited = (await api().post(`${org}/invitations`, ann.token, { email: bob.user.email })).body;
    await api().post(`/v1/me/invitations/${invited.id}/accept`, bob.token);
    assert.equal((await api().post(`${org}/invitations`, eve.token, { email: uniqueEmail() })).status, 404);
    assert.equal((await api().get(`${org}/invitations`, eve.token)).status, 404);
    assert.equal((await api().post(`${org}/invitations`, bob.token, { email: uniqueEmail() })).status, 403);
    assert.equal((await api().get(`${org}/invitations`, bob.token)).status, 403);

    const foreignGroup = await groupNamed(api(), eve.token, `/v1/organizations/${eve.org.id}`, 'admins');
    const bad = await api().post(`${org}/invitations`, ann.token, { email: uniqueEmail(), group_ids: [foreignGroup.id] });
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad).param, 'group_ids.0');
    const badProject = await api().post(`${org}/invitations`, ann.token, { email: uniqueEmail(), projects: [{ project_id: eve.project.id, group_id: foreignGroup.id }] });
    assert.equal(badProject.status, 400);
    assert.equal(errorOf(badProject).param, 'projects.0.project_id');
    const badEmail = await api().post(`${org}/invitations`, ann.token, { email: 'nope' });
    assert.equal(badEmail.status, 400);
    assert.equal(errorOf(badEmail).param, 'email');
  });
});

describeEachDatabase('invitations by email (SMTP)', (kind) => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  const config: { smtp?: { host: string; port: number; secure: boolean; from: string } } = {};
  before(async () => {
    smtp = await startSmtpReceiver();
    config.smtp = { host: '127.0.0.1', port: smtp.port, secure: false, from: 'Tenantry <no-reply@tenantry.test>' };
  });
  after(async () => smtp?.close());
  const server = useTenantry(kind, { config });
  const api = () => new Api(server.tenantry.app);

  test('signup emails a single-use verification token; an invitation is emailed and needs a verified email to accept', async () => {
    const before = smtp.messages.length;
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    await smtp.waitFor(before + 2);
    const bobMail = smtp.messages.find((m) => m.to.includes(bob.user.email))!;
    const token = /Or send this token to POST \/v1\/auth\/verify_email: (tnt_verify_[0-9A-Za-z]+)/.exec(bodyOf(bobMail))?.[1];
    assert.ok(token, bodyOf(bobMail));

    const invited = (await api().post(`/v1/organizations/${ann.org.id}/invitations`, ann.token, { email: bob.user.email })).body;
    await smtp.waitFor(before + 3);
    const invitationMail = smtp.messages.at(-1)!;
    assert.deepEqual(invitationMail.to, [bob.user.email]);
    const text = bodyOf(invitationMail);
    assert.match(text, /ann invited you to ann's organization on Tenantry/);
    assert.match(text, /http:\/\/localhost:8080\/invitations/);

    const unverified = await api().post(`/v1/me/invitations/${invited.id}/accept`, bob.token);
    assert.equal(unverified.status, 403);
    assert.equal(errorOf(unverified).code, 'email_not_verified');

    const unverifiedMe = (await api().get('/v1/me', bob.token)).body;
    assert.equal(unverifiedMe.email_verification_enabled, true, 'with SMTP the server verifies emails');
    assert.equal(unverifiedMe.email_verified, false);
    assert.equal((await api().post('/v1/auth/verify_email', ann.token, { token })).status, 400, "another user's token");
    const verified = await api().post('/v1/auth/verify_email', bob.token, { token });
    assert.equal(verified.status, 200);
    assert.equal(verified.body.email_verified, true);
    assert.equal((await api().post('/v1/auth/verify_email', bob.token, { token })).status, 400, 'single use');
    assert.equal((await api().get('/v1/me', bob.token)).body.email_verified, true);
    assert.equal((await api().post(`/v1/me/invitations/${invited.id}/accept`, bob.token)).status, 200);
  });
});
