import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Api, signUp, uniqueEmail, type SignedUpUser } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { createOrganization, groupNamed } from './helpers/organizations.ts';
import { assertScimError, createScimToken, ENTERPRISE_USER, filterQuery, GROUP_SCHEMA, ScimClient, USER_SCHEMA } from './helpers/scim.ts';
import { useTenantry } from './helpers/server.ts';

describeEachDatabase('SCIM provisioning', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);
  let ann: SignedUpUser;
  let org: { id: string; defaultProjectId: string };
  let scim: ScimClient;

  before(async () => {
    ann = await signUp(api(), 'ann');
    org = await createOrganization(api(), ann, 'Acme');
    scim = new ScimClient(api(), org.id, (await createScimToken(api(), ann, org.id)).token);
  });

  const auditOf = async (type: string) => {
    const events = await api().get(`/v1/organizations/${org.id}/audit_logs?type=${type}&limit=100`, ann.token);
    assert.equal(events.status, 200, JSON.stringify(events.body));
    return events.body.data as Array<{ type: string; actor: { type: string; id: string | null }; resource: { id: string }; data: Record<string, unknown> }>;
  };

  test('Okta: create a user after finding none by userName, read it, update it with PUT, deactivate and reactivate it with PATCH', async () => {
    const email = uniqueEmail('okta.user');
    // Okta looks the person up first, with startIndex and count.
    const none = await scim.get(`/Users?${filterQuery(`userName eq "${email}"`)}&startIndex=1&count=100`);
    assert.equal(none.status, 200, JSON.stringify(none.body));
    assert.match(String(none.headers['content-type']), /^application\/scim\+json/);
    assert.deepEqual(none.body, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

    const created = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: email,
      name: { givenName: 'Olive', familyName: 'Kta' },
      emails: [{ primary: true, value: email, type: 'work' }],
      displayName: 'Olive Kta',
      locale: 'en-US',
      externalId: '00u1okta',
      groups: [],
      password: 'ignored-by-tenantry',
      active: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.match(id, /^user_/);
    assert.equal(created.headers.location, created.body.meta.location);
    assert.ok(created.body.meta.location.endsWith(`/scim/v2/${org.id}/Users/${id}`));
    assert.equal(created.body.userName, email);
    assert.equal(created.body.externalId, '00u1okta');
    assert.equal(created.body.active, true);
    assert.deepEqual(created.body.name, { givenName: 'Olive', familyName: 'Kta', formatted: 'Olive Kta' });
    assert.equal('password' in created.body, false);

    // The person is a member of the organization, as the API shows it.
    const members = await api().get(`/v1/organizations/${org.id}/members?limit=100`, ann.token);
    assert.ok(members.body.data.some((m: { principal: { id: string } }) => m.principal.id === id));

    const found = await scim.get(`/Users?${filterQuery(`userName eq "${email.toUpperCase()}"`)}&startIndex=1&count=100`);
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].id, id);
    const read = await scim.get(`/Users/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.displayName, 'Olive Kta');

    const replaced = await scim.put(`/Users/${id}`, {
      schemas: [USER_SCHEMA],
      id,
      userName: email,
      name: { givenName: 'Olivia', familyName: 'Kta' },
      emails: [{ primary: true, value: email, type: 'work' }],
      displayName: 'Olivia Kta',
      externalId: '00u1okta',
      active: true,
    });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.name.givenName, 'Olivia');
    assert.equal(replaced.body.displayName, 'Olivia Kta');

    const deactivated = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: false } }]);
    assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
    assert.equal(deactivated.body.active, false);
    const afterDeactivation = await api().get(`/v1/organizations/${org.id}/members?limit=100`, ann.token);
    assert.ok(!afterDeactivation.body.data.some((m: { principal: { id: string } }) => m.principal.id === id), 'a deactivated person is no member');
    // Still a SCIM User of the organization, inactive: Okta can reactivate them.
    assert.equal((await scim.get(`/Users/${id}`)).body.active, false);

    const reactivated = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: true } }]);
    assert.equal(reactivated.body.active, true);

    const removed = (await auditOf('member.removed')).find((e) => e.resource.id === id);
    assert.ok(removed, 'the deactivation is audited');
    assert.equal(removed.actor.type, 'scim_token');
    assert.match(String(removed.actor.id), /^scimtok_/);
    assert.equal(removed.data.reason, 'deactivated');
    const added = (await auditOf('member.added')).filter((e) => e.resource.id === id);
    assert.deepEqual(added.map((e) => e.data.reactivated).sort(), [false, true]);
    assert.ok((await auditOf('scim.user.created')).some((e) => e.resource.id === id));
    // The account has no password: it signs in through the organization's SSO, never with one.
    for (const password of ['', 'ignored-by-tenantry', '!scim-provisioned']) {
      const login = await api().post('/v1/auth/login', undefined, { email, password });
      assert.equal(login.status, password === '' ? 400 : 401, JSON.stringify(login.body));
    }
    assert.ok((await auditOf('scim.user.updated')).some((e) => e.resource.id === id));
  });

  test('Okta: push a group, add members, remove one with members[value eq], rename it, delete it', async () => {
    const alice = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: uniqueEmail('okta.alice'), name: { givenName: 'Alice', familyName: 'A' }, active: true });
    const bruno = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: uniqueEmail('okta.bruno'), name: { givenName: 'Bruno', familyName: 'B' }, active: true });
    const none = await scim.get(`/Groups?${filterQuery('displayName eq "Okta Engineers"')}&startIndex=1&count=100`);
    assert.equal(none.body.totalResults, 0);

    const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Okta Engineers', members: [] });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const gid = group.body.id as string;
    assert.match(gid, /^grp_/);
    const asApiSees = await groupNamed(api(), ann.token, `/v1/organizations/${org.id}`, 'Okta Engineers');
    assert.equal(asApiSees.id, gid);
    assert.equal(asApiSees.role, 'viewer');

    const add = await scim.patch(`/Groups/${gid}`, [{ op: 'add', path: 'members', value: [{ value: alice.body.id, display: alice.body.userName }, { value: bruno.body.id, display: bruno.body.userName }] }]);
    assert.equal(add.status, 200, JSON.stringify(add.body));
    assert.deepEqual(add.body.members.map((m: { value: string }) => m.value).sort(), [alice.body.id, bruno.body.id].sort());
    const apiMembers = await api().get(`/v1/organizations/${org.id}/groups/${gid}/members`, ann.token);
    assert.equal(apiMembers.body.data.length, 2);
    assert.deepEqual((await scim.get(`/Users/${alice.body.id}`)).body.groups.map((g: { value: string }) => g.value), [gid]);

    const remove = await scim.patch(`/Groups/${gid}`, [{ op: 'remove', path: `members[value eq "${bruno.body.id}"]` }]);
    assert.equal(remove.status, 200, JSON.stringify(remove.body));
    assert.deepEqual(remove.body.members.map((m: { value: string }) => m.value), [alice.body.id]);

    const renamed = await scim.patch(`/Groups/${gid}`, [{ op: 'replace', value: { id: gid, displayName: 'Okta Engineering' } }]);
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.displayName, 'Okta Engineering');

    const deleted = await scim.delete(`/Groups/${gid}`);
    assert.equal(deleted.status, 204);
    assertScimError(await scim.get(`/Groups/${gid}`), 404);
    assert.equal((await api().get(`/v1/organizations/${org.id}/groups/${gid}`, ann.token)).status, 404);

    const memberEvents = [...(await auditOf('group.member.added')), ...(await auditOf('group.member.removed'))].filter((e) => e.resource.id === gid);
    assert.equal(memberEvents.length, 3);
    assert.ok(memberEvents.every((e) => e.actor.type === 'scim_token' && e.data.via === 'scim'));
    assert.ok((await auditOf('group.deleted')).some((e) => e.resource.id === gid && e.actor.type === 'scim_token'));
  });

  test('Entra: create a user after finding none by userName, update it with capitalised ops and paths, deactivate it with "False", delete it', async () => {
    const email = uniqueEmail('entra.user');
    const none = await scim.get(`/Users?${filterQuery(`userName eq "${email}"`)}`);
    assert.equal(none.body.totalResults, 0);
    const created = await scim.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE_USER],
      externalId: 'e1b2c3',
      userName: email,
      active: true,
      emails: [{ primary: true, type: 'work', value: email }],
      meta: { resourceType: 'User' },
      name: { formatted: 'Edda Entra', familyName: 'Entra', givenName: 'Edda' },
      roles: [],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    const byExternalId = await scim.get(`/Users?${filterQuery('externalId eq "e1b2c3"')}`);
    assert.deepEqual(byExternalId.body.Resources.map((u: { id: string }) => u.id), [id]);
    // Entra may match on the work email instead, and join equalities with `and`.
    const byEmail = await scim.get(`/Users?${filterQuery(`emails[type eq "work"].value eq "${email}"`)}`);
    assert.deepEqual(byEmail.body.Resources.map((u: { id: string }) => u.id), [id]);
    const both = await scim.get(`/Users?${filterQuery(`userName eq "${email}" and externalId eq "e1b2c3"`)}`);
    assert.equal(both.body.totalResults, 1);
    const neither = await scim.get(`/Users?${filterQuery(`userName eq "${email}" and externalId eq "other"`)}`);
    assert.equal(neither.body.totalResults, 0);

    const updated = await scim.patch(`/Users/${id}`, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: email },
      { op: 'Replace', path: 'name.familyName', value: 'Entrada' },
      { op: 'Add', path: 'displayName', value: 'Edda Entrada' },
      { op: 'Add', path: `${ENTERPRISE_USER}:department`, value: 'Research' },
      { op: 'Replace', path: 'externalId', value: 'e1b2c3-new' },
    ]);
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.name.familyName, 'Entrada');
    assert.equal(updated.body.displayName, 'Edda Entrada');
    assert.equal(updated.body.externalId, 'e1b2c3-new');

    const deactivated = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
    assert.equal(deactivated.body.active, false);
    const reactivated = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }]);
    assert.equal(reactivated.body.active, true);

    const deleted = await scim.delete(`/Users/${id}`);
    assert.equal(deleted.status, 204);
    assertScimError(await scim.get(`/Users/${id}`), 404);
    assert.equal((await scim.get(`/Users?${filterQuery(`userName eq "${email}"`)}`)).body.totalResults, 0);
    const events = (await auditOf('scim.user.deleted')).filter((e) => e.resource.id === id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.actor.type, 'scim_token');
  });

  test('Entra: create a group, find it by displayName without members, add and remove a member, rename it, delete it', async () => {
    const user = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: uniqueEmail('entra.member'), active: true });
    const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], externalId: 'entra-grp-1', displayName: 'Entra Analysts', members: [] });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const gid = group.body.id as string;
    assert.equal(group.body.externalId, 'entra-grp-1');

    const found = await scim.get(`/Groups?${filterQuery('displayName eq "Entra Analysts"')}&excludedAttributes=members`);
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].id, gid);
    assert.equal('members' in found.body.Resources[0], false);

    const added = await scim.patch(`/Groups/${gid}`, [{ op: 'Add', path: 'members', value: [{ value: user.body.id }] }]);
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body.members.map((m: { value: string }) => m.value), [user.body.id]);
    // Entra reads a group without its members, and asks whether one person is in it.
    const withoutMembers = await scim.get(`/Groups/${gid}?excludedAttributes=members`);
    assert.equal(withoutMembers.status, 200);
    assert.equal('members' in withoutMembers.body, false);
    const isMember = await scim.get(`/Groups?${filterQuery(`id eq "${gid}" and members[value eq "${user.body.id}"]`)}&excludedAttributes=members`);
    assert.equal(isMember.body.totalResults, 1);
    const notMember = await scim.get(`/Groups?${filterQuery(`id eq "${gid}" and members eq "${ann.user.id}"`)}`);
    assert.equal(notMember.body.totalResults, 0);
    const removed = await scim.patch(`/Groups/${gid}`, [{ op: 'Remove', path: 'members', value: [{ value: user.body.id }] }]);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual(removed.body.members, []);
    const renamed = await scim.patch(`/Groups/${gid}`, [{ op: 'Replace', path: 'displayName', value: 'Entra Analytics' }]);
    assert.equal(renamed.body.displayName, 'Entra Analytics');

    const replaced = await scim.put(`/Groups/${gid}`, { schemas: [GROUP_SCHEMA], displayName: 'Entra Analytics', externalId: 'entra-grp-1', members: [{ value: user.body.id }] });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.deepEqual(replaced.body.members.map((m: { value: string }) => m.value), [user.body.id]);

    assert.equal((await scim.delete(`/Groups/${gid}`)).status, 204);
    assert.equal((await scim.get(`/Groups?${filterQuery('displayName eq "Entra Analytics"')}`)).body.totalResults, 0);
  });

  test('deactivation removes the person\'s access at once: their next request to the organization is 404, their keys there are revoked (401), other organizations keep them', async () => {
    const bob = await signUp(api(), 'bob');
    const provisioned = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: bob.user.email, active: true });
    assert.equal(provisioned.status, 201, JSON.stringify(provisioned.body));
    assert.equal(provisioned.body.id, bob.user.id, 'an existing account is linked, not duplicated');
    const members = await groupNamed(api(), ann.token, `/v1/projects/${org.defaultProjectId}`, 'members');
    const joined = await api().post(`/v1/projects/${org.defaultProjectId}/groups/${members.id}/members`, ann.token, { principal_id: bob.user.id });
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    const key = await api().post(`/v1/projects/${org.defaultProjectId}/api_keys`, bob.token, { name: 'bob key' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    assert.equal((await api().get('/v1/models', key.body.key)).status, 200);
    assert.equal((await api().get(`/v1/projects/${org.defaultProjectId}`, bob.token)).status, 200);

    const deactivated = await scim.patch(`/Users/${bob.user.id}`, [{ op: 'replace', value: { active: false } }]);
    assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));

    assert.equal((await api().get(`/v1/organizations/${org.id}`, bob.token)).status, 404);
    assert.equal((await api().get(`/v1/projects/${org.defaultProjectId}`, bob.token)).status, 404);
    assert.equal((await api().get('/v1/models', key.body.key)).status, 401);
    // His own organization is not the identity provider's to touch.
    assert.equal((await api().get(`/v1/organizations/${bob.org.id}`, bob.token)).status, 200);
    const me = await api().get('/v1/me', bob.token);
    assert.deepEqual(me.body.organizations.map((o: { id: string }) => o.id), [bob.org.id]);

    const revoked = (await auditOf('api_key.revoked')).find((e) => e.resource.id === key.body.id);
    assert.ok(revoked, 'the key\'s revocation is audited');
    assert.equal(revoked.actor.type, 'scim_token');
    assert.equal(revoked.data.reason, 'owner_removed');

    // Reactivated, he is a member again, in no group: his old key stays revoked.
    await scim.patch(`/Users/${bob.user.id}`, [{ op: 'replace', path: 'active', value: true }]);
    assert.equal((await api().get(`/v1/organizations/${org.id}`, bob.token)).status, 200);
    assert.equal((await api().get('/v1/models', key.body.key)).status, 401);
  });

  test('deactivating a person the organization was the last one of ends their sessions: their next request is 401', async () => {
    const dan = await signUp(api(), 'dan');
    const eve = await signUp(api(), 'eve');
    // Dan hands his personal organization to Eve and leaves it: Acme will be all he has.
    const invitation = await api().post(`/v1/organizations/${dan.org.id}/invitations`, dan.token, { email: eve.user.email, group_ids: [(await groupNamed(api(), dan.token, `/v1/organizations/${dan.org.id}`, 'admins')).id] });
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    assert.equal((await api().post(`/v1/me/invitations/${invitation.body.id}/accept`, eve.token)).status, 200);
    assert.equal((await api().delete(`/v1/organizations/${dan.org.id}/members/${dan.user.id}`, dan.token)).status, 200);
    assert.equal((await scim.post('/Users', { schemas: [USER_SCHEMA], userName: dan.user.email, active: true })).status, 201);
    assert.equal((await api().get('/v1/me', dan.token)).status, 200);

    const deactivated = await scim.patch(`/Users/${dan.user.id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
    assert.equal((await api().get('/v1/me', dan.token)).status, 401);
    const removed = (await auditOf('member.removed')).find((e) => e.resource.id === dan.user.id);
    assert.equal(removed?.data.sessions_ended, 1);
  });

  test('a SCIM token of another organization is refused as 404 and the attempt is audited in the token\'s organization; other credentials are refused 401', async () => {
    const other = await signUp(api(), 'other');
    const otherToken = await createScimToken(api(), other, other.org.id, 'Other IdP');
    const intruder = new ScimClient(api(), org.id, otherToken.token);
    const attempts = [
      intruder.get('/Users'),
      intruder.get(`/Users/${ann.user.id}`),
      intruder.post('/Users', { schemas: [USER_SCHEMA], userName: uniqueEmail('intruder'), active: true }),
      intruder.patch(`/Users/${ann.user.id}`, [{ op: 'replace', value: { active: false } }]),
      intruder.delete(`/Users/${ann.user.id}`),
      intruder.get('/Groups'),
      intruder.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Intruders' }),
      intruder.get('/ServiceProviderConfig'),
    ];
    for (const attempt of await Promise.all(attempts)) assertScimError(attempt, 404);
    // Nothing changed in Acme.
    assert.equal((await scim.get(`/Users/${ann.user.id}`)).body.active, true);
    assert.equal((await scim.get(`/Groups?${filterQuery('displayName eq "Intruders"')}`)).body.totalResults, 0);

    const refused = await api().get(`/v1/organizations/${other.org.id}/audit_logs?type=scim.request.refused`, other.token);
    assert.equal(refused.body.data.length, attempts.length);
    assert.ok(refused.body.data.every((e: { actor: { type: string; id: string }; data: { requested_organization_id: string } }) => e.actor.type === 'scim_token' && e.actor.id === otherToken.id && e.data.requested_organization_id === org.id));
    const inAcme = await api().get(`/v1/organizations/${org.id}/audit_logs?type=scim.request.refused`, ann.token);
    assert.equal(inAcme.body.data.length, 0);

    // A session, an API key, garbage, or nothing: 401 in SCIM's shape.
    for (const token of [ann.token, 'tnt_scim_' + 'x'.repeat(43), 'nonsense', undefined]) {
      const answer = await api().request('GET', `/scim/v2/${org.id}/Users`, { token });
      assertScimError(answer, 401);
      assert.equal(answer.headers['www-authenticate'], 'Bearer realm="scim"');
    }
  });

  test('SCIM tokens: an org admin makes one (its secret shown once), lists it redacted, revokes it, and the provider is refused at once; members may not', async () => {
    const made = await createScimToken(api(), ann, org.id, 'Entra');
    assert.match(made.token, /^tnt_scim_[0-9A-Za-z]{43}$/);
    assert.ok(made.base_url.endsWith(`/scim/v2/${org.id}`));
    const listed = await api().get(`/v1/organizations/${org.id}/scim_tokens`, ann.token);
    assert.equal(listed.status, 200);
    const entry = listed.body.data.find((t: { id: string }) => t.id === made.id);
    assert.ok(entry);
    assert.equal(entry.redacted_value, `tnt_scim_...${made.token.slice(-4)}`);
    assert.ok(!JSON.stringify(listed.body).includes(made.token));
    const client = new ScimClient(api(), org.id, made.token);
    assert.equal((await client.get('/Users')).status, 200);

    const revoked = await api().delete(`/v1/organizations/${org.id}/scim_tokens/${made.id}`, ann.token);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(typeof revoked.body.revoked_at, 'number');
    assertScimError(await client.get('/Users'), 401);

    const created = (await auditOf('scim_token.created')).find((e) => e.resource.id === made.id);
    assert.ok(created);
    assert.ok(!JSON.stringify(created).includes(made.token), 'the secret is never in the audit log');
    assert.ok((await auditOf('scim_token.revoked')).some((e) => e.resource.id === made.id));

    const carl = await signUp(api(), 'carl');
    const invitation = await api().post(`/v1/organizations/${org.id}/invitations`, ann.token, { email: carl.user.email });
    await api().post(`/v1/me/invitations/${invitation.body.id}/accept`, carl.token);
    const refused = await api().post(`/v1/organizations/${org.id}/scim_tokens`, carl.token, { name: 'mine' });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.ok(refused.body.error.message.includes('scim.write'));
    assert.equal((await api().get(`/v1/organizations/${org.id}/scim_tokens`, carl.token)).status, 403);
    assert.equal((await api().delete(`/v1/organizations/${org.id}/scim_tokens/${made.id}`, carl.token)).status, 403);

    // A custom role holding scim.write is not enough: a token can make anyone an admin.
    const role = await api().post(`/v1/organizations/${org.id}/roles`, ann.token, { name: 'Provisioner', permissions: ['organization.read', 'scim.read', 'scim.write'] });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const provisioners = await api().post(`/v1/organizations/${org.id}/groups`, ann.token, { name: 'provisioners', role: role.body.id });
    assert.equal(provisioners.status, 201, JSON.stringify(provisioners.body));
    assert.equal((await api().post(`/v1/organizations/${org.id}/groups/${provisioners.body.id}/members`, ann.token, { principal_id: carl.user.id })).status, 201);
    assert.equal((await api().get(`/v1/organizations/${org.id}/scim_tokens`, carl.token)).status, 200, 'scim.read lists them');
    const escalation = await api().post(`/v1/organizations/${org.id}/scim_tokens`, carl.token, { name: 'mine' });
    assert.equal(escalation.status, 403, JSON.stringify(escalation.body));
    assert.equal(escalation.body.error.code, 'escalation_refused');
  });

  test('bad input is refused in SCIM\'s error shape with its scimType, and nothing is half-written', async () => {
    assertScimError(await scim.get(`/Users?${filterQuery('userName co "ann"')}`), 400, 'invalidFilter');
    assertScimError(await scim.get(`/Users?${filterQuery('title eq "x"')}`), 400, 'invalidFilter');
    assertScimError(await scim.get(`/Groups?${filterQuery('displayName eq unquoted')}`), 400, 'invalidFilter');
    assertScimError(await scim.get(`/Users?${filterQuery('userName eq "a" or userName eq "b"')}`), 400, 'invalidFilter');
    assertScimError(await scim.get(`/Users?${filterQuery('members[value eq "x"]')}`), 400, 'invalidFilter');
    assertScimError(await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'not an email' }), 400, 'invalidValue');
    assertScimError(await scim.post('/Users', { schemas: [USER_SCHEMA] }), 400, 'invalidValue');
    assertScimError(await scim.post('/Users', { schemas: [USER_SCHEMA], userName: uniqueEmail('bad.active'), active: 'maybe' }), 400, 'invalidValue');
    assertScimError(await scim.post('/Users', { schemas: [USER_SCHEMA], userName: ann.user.email }), 409, 'uniqueness');
    const invalidJson = await api().request('POST', `/scim/v2/${org.id}/Users`, { token: scim.token, headers: { 'content-type': 'application/scim+json' }, rawBody: '{"userName":' });
    assertScimError(invalidJson, 400, 'invalidSyntax');

    const user = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: uniqueEmail('bad.input'), active: true });
    const id = user.body.id as string;
    assertScimError(await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'userName', value: uniqueEmail('someone.else') }]), 400, 'mutability');
    assertScimError(await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'active', value: 'sometimes' }]), 400, 'invalidValue');
    assertScimError(await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'name[', value: 'x' }]), 400, 'invalidPath');
    assertScimError(await scim.patch(`/Users/${id}`, [{ op: 'move', path: 'active', value: false }]), 400, 'invalidSyntax');
    // A bad operation after a good one: neither applies.
    assertScimError(await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'displayName', value: 'Changed' }, { op: 'replace', path: 'active', value: 'nope' }]), 400, 'invalidValue');
    assert.notEqual((await scim.get(`/Users/${id}`)).body.displayName, 'Changed');
    assertScimError(await scim.get('/Users/user_doesnotexist'), 404);

    const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Unique Name' });
    assertScimError(await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Unique Name' }), 409, 'uniqueness');
    assertScimError(await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'admins' }), 409, 'uniqueness');
    // A member that is no User of the organization: the group is not created, nor the membership added.
    const outsider = await signUp(api(), 'outsider');
    assertScimError(await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Half Written', members: [{ value: outsider.user.id }] }), 400, 'invalidValue');
    assert.equal((await scim.get(`/Groups?${filterQuery('displayName eq "Half Written"')}`)).body.totalResults, 0);
    assertScimError(await scim.patch(`/Groups/${group.body.id}`, [{ op: 'add', path: 'members', value: [{ value: id }, { value: outsider.user.id }] }]), 400, 'invalidValue');
    assert.deepEqual((await scim.get(`/Groups/${group.body.id}`)).body.members, []);

    const admins = await groupNamed(api(), ann.token, `/v1/organizations/${org.id}`, 'admins');
    assertScimError(await scim.patch(`/Groups/${admins.id}`, [{ op: 'replace', path: 'displayName', value: 'bosses' }]), 400, 'mutability');
    assertScimError(await scim.delete(`/Groups/${admins.id}`), 400, 'mutability');
    // The admin rule holds against the identity provider too.
    assertScimError(await scim.patch(`/Users/${ann.user.id}`, [{ op: 'replace', value: { active: false } }]), 409);
    assertScimError(await scim.patch(`/Groups/${admins.id}`, [{ op: 'remove', path: `members[value eq "${ann.user.id}"]` }]), 409);
    assert.equal((await api().get(`/v1/organizations/${org.id}`, ann.token)).status, 200);
  });

  test('concurrent requests: two providers provisioning one new email make one account in both organizations; concurrent PATCHes of one group all apply', async () => {
    const other = await signUp(api(), 'concurrent');
    const otherScim = new ScimClient(api(), other.org.id, (await createScimToken(api(), other, other.org.id)).token);
    const email = uniqueEmail('both');
    const [here, there] = await Promise.all([scim.post('/Users', { userName: email }), otherScim.post('/Users', { userName: email })]);
    assert.equal(here.status, 201, JSON.stringify(here.body));
    assert.equal(there.status, 201, JSON.stringify(there.body));
    assert.equal(here.body.id, there.body.id, 'one account');

    const users = await Promise.all(Array.from({ length: 4 }, (_, i) => scim.post('/Users', { userName: uniqueEmail(`parallel${i}`) })));
    const group = await scim.post('/Groups', { displayName: 'Parallel' });
    const patches = await Promise.all(users.map((u) => scim.patch(`/Groups/${group.body.id}`, [{ op: 'add', path: 'members', value: [{ value: u.body.id }] }])));
    for (const patch of patches) assert.equal(patch.status, 200, JSON.stringify(patch.body));
    const final = await scim.get(`/Groups/${group.body.id}`);
    assert.deepEqual(final.body.members.map((m: { value: string }) => m.value).sort(), users.map((u) => u.body.id).sort());
    const twice = await Promise.all([scim.patch(`/Users/${users[0]!.body.id}`, [{ op: 'replace', path: 'active', value: false }]), scim.patch(`/Users/${users[0]!.body.id}`, [{ op: 'replace', path: 'active', value: false }])]);
    assert.deepEqual(twice.map((t) => t.status), [200, 200]);
    assert.equal((await auditOf('member.removed')).filter((e) => e.resource.id === users[0]!.body.id).length, 1, 'one removal, audited once');
  });

  test('lists page with startIndex and count, and the organization\'s existing members are its Users', async () => {
    const all = await scim.get('/Users?startIndex=1&count=1000');
    assert.equal(all.status, 200);
    assert.ok(all.body.totalResults >= 2);
    assert.ok(all.body.Resources.some((u: { id: string; active: boolean }) => u.id === ann.user.id && u.active));
    const second = await scim.get('/Users?startIndex=2&count=1');
    assert.equal(second.body.totalResults, all.body.totalResults);
    assert.equal(second.body.startIndex, 2);
    assert.equal(second.body.itemsPerPage, 1);
    assert.equal(second.body.Resources[0].id, all.body.Resources[1].id);
    const counted = await scim.get('/Users?count=0');
    assert.equal(counted.body.totalResults, all.body.totalResults);
    assert.deepEqual(counted.body.Resources, []);
    assertScimError(await scim.get('/Users?startIndex=zero'), 400, 'invalidValue');
  });

  test('the discovery documents describe what the server supports', async () => {
    const config = await scim.get('/ServiceProviderConfig');
    assert.equal(config.status, 200);
    assert.deepEqual(config.body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    assert.equal(config.body.patch.supported, true);
    assert.equal(config.body.filter.supported, true);
    assert.equal(config.body.bulk.supported, false);
    const types = await scim.get('/ResourceTypes');
    assert.deepEqual(types.body.Resources.map((r: { id: string }) => r.id), ['User', 'Group']);
    assert.equal((await scim.get('/ResourceTypes/User')).body.schema, USER_SCHEMA);
    const schemas = await scim.get('/Schemas');
    assert.deepEqual(schemas.body.Resources.map((s: { id: string }) => s.id), [USER_SCHEMA, GROUP_SCHEMA]);
    assert.equal((await scim.get(`/Schemas/${GROUP_SCHEMA}`)).body.name, 'Group');
    assertScimError(await scim.get('/Schemas/urn:nothing'), 404);
    assertScimError(await scim.request('POST', '/ServiceProviderConfig', {}), 405);
  });
});
