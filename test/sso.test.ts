import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Tenantry } from '../src/server.ts';
import { Api, errorOf, type SignedUpUser } from './helpers/client.ts';
import { describeEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { startTestDns, type TestDnsServer } from './helpers/dns-server.ts';
import { startForgingIssuer, type Misbehaviour } from './helpers/forging-issuer.ts';
import { signInAtIdp, startTestIdp, type TestIdp } from './helpers/oidc-provider.ts';
import { createOrganization, groupNamed } from './helpers/organizations.ts';
import { startTenantry } from './helpers/server.ts';
import { startSmtpReceiver } from './helpers/smtp.ts';
import { verifiedUser as verifiedUserOf } from './helpers/verified-user.ts';

const CONSOLE_URL = 'http://tenantry.test';
const CALLBACK = `${CONSOLE_URL}/v1/auth/sso/callback`;

describeEachDatabase('single sign-on with OIDC', (kind) => {
  let database: TestDatabase;
  let tenantry: Tenantry;
  let idp: TestIdp;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let dns: TestDnsServer;
  const api = () => new Api(tenantry.app);

  before(async () => {
    idp = await startTestIdp({ redirectUri: CALLBACK });
    smtp = await startSmtpReceiver();
    dns = await startTestDns();
    database = await kind.create();
    tenantry = await startTenantry(database, {
      config: { console_url: CONSOLE_URL, smtp: { host: '127.0.0.1', port: smtp.port }, sso: { allow_http_issuers: true, dns_servers: [dns.address] } },
    });
  });
  after(async () => {
    await dns?.close();
    await tenantry?.close();
    await database?.drop();
    await idp?.close();
    await smtp?.close();
  });

  const newDomain = () => `acme-${randomBytes(4).toString('hex')}.test`;

  const verifiedUser = (email: string) => verifiedUserOf(api(), smtp, email);

  /** An organization whose admin has a verified email of a fresh domain, with a connection to the test IdP for it. */
  async function organizationWithSso(extra: Record<string, unknown> = {}) {
    const domain = newDomain();
    const admin = await verifiedUser(`admin@${domain}`);
    const org = await createOrganization(api(), admin, `Org of ${domain}`);
    const created = await api().post(`/v1/organizations/${org.id}/sso_connections`, admin.token, {
      name: 'Test IdP',
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret: idp.clientSecret,
      domains: [domain],
      ...extra,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { domain, admin, org, connection: created.body };
  }

  /** Starts a sign-in as a browser: answers the IdP URL and the state cookie Tenantry set. */
  async function startSignIn(email: string, query = '') {
    const started = await api().get(`/v1/auth/sso/start?email=${encodeURIComponent(email)}${query}`);
    assert.equal(started.status, 302, JSON.stringify(started.body));
    const cookie = String(started.headers['set-cookie']).match(/tenantry_sso_state=([^;]+)/)?.[1];
    assert.ok(cookie, 'the start sets the state cookie');
    return { location: String(started.headers.location), cookie };
  }

  async function callback(callbackUrl: string, stateCookie: string | undefined) {
    const url = new URL(callbackUrl);
    return api().request('GET', url.pathname + url.search, { headers: stateCookie ? { cookie: `tenantry_sso_state=${stateCookie}` } : {} });
  }

  /** The whole browser flow for an IdP account; answers Tenantry's answer to the callback. */
  async function signInThroughIdp(subject: string, account: { email: string; groups?: string[]; email_verified?: boolean }) {
    idp.accounts.set(subject, account);
    const { location, cookie } = await startSignIn(account.email);
    const back = await signInAtIdp(location, subject, CALLBACK);
    return callback(back, cookie);
  }

  const sessionOf = (response: { headers: Record<string, unknown> }) => String(response.headers['set-cookie']).match(/tenantry_session=([^;]+)/)?.[1];

  async function auditTypes(admin: SignedUpUser, orgId: string, type: string) {
    const events = await api().get(`/v1/organizations/${orgId}/audit_logs?type=${type}&limit=100`, admin.token);
    assert.equal(events.status, 200, JSON.stringify(events.body));
    return events.body.data as Array<{ type: string; data: Record<string, unknown>; resource: { id: string } }>;
  }

  test('an admin configures a connection: the secret is never shown, the domain of their own verified email is verified at once, another waits for proof', async () => {
    const domain = newDomain();
    const admin = await verifiedUser(`it@${domain}`);
    const org = await createOrganization(api(), admin);
    const created = await api().post(`/v1/organizations/${org.id}/sso_connections`, admin.token, {
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret: 'a-very-secret-value',
      domains: [domain.toUpperCase(), 'unproven.test'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.object, 'sso_connection');
    assert.equal(created.body.client_secret_set, true);
    assert.equal(created.body.redirect_uri, CALLBACK);
    assert.ok(!JSON.stringify(created.body).includes('a-very-secret-value'));
    const byName = Object.fromEntries(created.body.domains.map((d: { domain: string }) => [d.domain, d]));
    assert.equal(byName[domain].verified, true);
    assert.equal(byName[domain].verification_method, 'admin_email');
    assert.equal(byName['unproven.test'].verified, false);
    assert.equal(byName['unproven.test'].verification.name, '_tenantry-verification.unproven.test');

    const refused = await api().post(`/v1/organizations/${org.id}/sso_connections/${created.body.id}/verify_domain`, admin.token, { domain: 'unproven.test' });
    assert.equal(refused.status, 409);
    assert.equal(errorOf(refused).code, 'domain_not_verified');

    const listed = await api().get(`/v1/organizations/${org.id}/sso_connections`, admin.token);
    assert.deepEqual(listed.body.data.map((c: { id: string }) => c.id), [created.body.id]);
    const events = await auditTypes(admin, org.id, 'sso_connection.created');
    assert.equal(events.length, 1);
    assert.ok(!JSON.stringify(events).includes('a-very-secret-value'), 'the secret is never in the audit log');

    const patched = await api().patch(`/v1/organizations/${org.id}/sso_connections/${created.body.id}`, admin.token, { client_secret: null, enforced: true });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.client_secret_set, false);
    assert.equal(patched.body.enforced, true);
    const insecure = await api().patch(`/v1/organizations/${org.id}/sso_connections/${created.body.id}`, admin.token, { issuer: 'ftp://idp.example' });
    assert.equal(insecure.status, 400);
    assert.equal(errorOf(insecure).param, 'issuer');
    const deleted = await api().delete(`/v1/organizations/${org.id}/sso_connections/${created.body.id}`, admin.token);
    assert.deepEqual(deleted.body, { id: created.body.id, object: 'sso_connection', deleted: true });
    assert.equal((await auditTypes(admin, org.id, 'sso_connection.deleted')).length, 1);
  });

  test('a domain is proven by its published TXT record: refused before it is published, verified (method dns) and audited after', async () => {
    const { org, admin, connection } = await organizationWithSso();
    const other = newDomain();
    const patched = await api().patch(`/v1/organizations/${org.id}/sso_connections/${connection.id}`, admin.token, { domains: [connection.domains[0].domain, other] });
    const record = patched.body.domains.find((d: { domain: string }) => d.domain === other);
    assert.equal(record.verified, false);
    const early = await api().post(`/v1/organizations/${org.id}/sso_connections/${connection.id}/verify_domain`, admin.token, { domain: other });
    assert.equal(early.status, 409);
    assert.equal(errorOf(early).code, 'domain_not_verified');
    dns.records.set(record.verification.name, ['v=spf1 -all', record.verification.value]);
    const verified = await api().post(`/v1/organizations/${org.id}/sso_connections/${connection.id}/verify_domain`, admin.token, { domain: other });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    const now = verified.body.domains.find((d: { domain: string }) => d.domain === other);
    assert.deepEqual([now.verified, now.verification_method], [true, 'dns']);
    const events = await auditTypes(admin, org.id, 'sso_domain.verified');
    assert.equal(events[0]!.data.method, 'dns');
    // People of the newly proven domain now sign in through the connection.
    const signedIn = await signInThroughIdp(`ivy-${other}`, { email: `ivy@${other}` });
    assert.equal(signedIn.status, 302, JSON.stringify(signedIn.body));
  });

  test('another organization cannot see a connection (404) and a member without sso.read is refused (403)', async () => {
    const { org, connection, admin } = await organizationWithSso();
    const outsider = await verifiedUser(`out@${newDomain()}`);
    const seen = await api().get(`/v1/organizations/${org.id}/sso_connections/${connection.id}`, outsider.token);
    assert.equal(seen.status, 404);
    const inOwnOrg = await api().get(`/v1/organizations/${outsider.org.id}/sso_connections/${connection.id}`, outsider.token);
    assert.equal(inOwnOrg.status, 404);
    const member = await signInThroughIdp(`member-${connection.id}`, { email: `member@${connection.domains[0].domain}` });
    const memberToken = sessionOf(member)!;
    const refused = await api().get(`/v1/organizations/${org.id}/sso_connections`, memberToken);
    assert.equal(refused.status, 403);
    assert.equal(admin.org.id === org.id, false);
  });

  test('a new person signs in through the provider: created with a personal organization, joined with the default groups, signed in on the console', async () => {
    const domainAdmin = await organizationWithSso();
    const members = await groupNamed(api(), domainAdmin.admin.token, `/v1/projects/${domainAdmin.org.defaultProjectId}`, 'members');
    await api().patch(`/v1/organizations/${domainAdmin.org.id}/sso_connections/${domainAdmin.connection.id}`, domainAdmin.admin.token, { default_group_ids: [members.id] });
    const email = `Dana@${domainAdmin.domain}`;
    const answer = await signInThroughIdp('dana', { email });
    assert.equal(answer.status, 302, JSON.stringify(answer.body));
    assert.equal(answer.headers.location, `${CONSOLE_URL}/`);
    const session = sessionOf(answer);
    assert.ok(session, 'a session cookie is set');
    const me = await api().get('/v1/me', session);
    assert.equal(me.status, 200);
    assert.equal(me.body.email, email);
    assert.equal(me.body.email_verified, true);
    const orgs = Object.fromEntries(me.body.organizations.map((o: { id: string }) => [o.id, o]));
    assert.ok(me.body.organizations.some((o: { personal: boolean }) => o.personal), 'a personal organization, as at signup');
    assert.deepEqual(orgs[domainAdmin.org.id].groups.map((g: { id: string }) => g.id), [members.id]);
    const joined = await auditTypes(domainAdmin.admin, domainAdmin.org.id, 'member.joined');
    assert.equal(joined[0]!.data.via, 'sso');
    const succeeded = await auditTypes(domainAdmin.admin, domainAdmin.org.id, 'sso.login.succeeded');
    assert.equal(succeeded[0]!.data.created_user, true);

    // The second sign-in finds the same person (by their IdP subject) and joins nothing again.
    const again = await signInThroughIdp('dana', { email });
    const meAgain = await api().get('/v1/me', sessionOf(again));
    assert.equal(meAgain.body.id, me.body.id);
    assert.equal((await auditTypes(domainAdmin.admin, domainAdmin.org.id, 'member.joined')).length, 1);
  });

  test('group mappings: the groups claim adds mapped memberships and a later sign-in without the group removes them; memberships made by hand stay', async () => {
    const { org, admin, connection, domain } = await organizationWithSso();
    const engineers = await api().post(`/v1/organizations/${org.id}/groups`, admin.token, { name: 'engineers', role: 'member' });
    const viewers = await api().post(`/v1/projects/${org.defaultProjectId}/groups`, admin.token, { name: 'readers', role: 'viewer' });
    const manual = await api().post(`/v1/organizations/${org.id}/groups`, admin.token, { name: 'manual', role: 'viewer' });
    for (const [idpGroup, groupId] of [['eng', engineers.body.id], ['read', viewers.body.id], ['read', manual.body.id]]) {
      const mapped = await api().post(`/v1/organizations/${org.id}/sso_connections/${connection.id}/group_mappings`, admin.token, { idp_group: idpGroup, group_id: groupId });
      assert.equal(mapped.status, 201, JSON.stringify(mapped.body));
    }
    const duplicate = await api().post(`/v1/organizations/${org.id}/sso_connections/${connection.id}/group_mappings`, admin.token, { idp_group: 'eng', group_id: engineers.body.id });
    assert.equal(duplicate.status, 409);
    const foreign = await api().post(`/v1/organizations/${org.id}/sso_connections/${connection.id}/group_mappings`, admin.token, { idp_group: 'x', group_id: admin.project.id });
    assert.equal(foreign.status, 400);
    assert.equal(errorOf(foreign).param, 'group_id');

    const email = `eve@${domain}`;
    const first = await signInThroughIdp('eve', { email, groups: ['eng'] });
    const eve = await api().get('/v1/me', sessionOf(first));
    const groupsIn = (me: typeof eve) => me.body.organizations.find((o: { id: string }) => o.id === org.id).groups.map((g: { name: string }) => g.name).sort();
    assert.deepEqual(groupsIn(eve), ['engineers']);
    // The admin adds Eve to `manual` by hand: the `read` mapping must not claim it later.
    const added = await api().post(`/v1/organizations/${org.id}/groups/${manual.body.id}/members`, admin.token, { principal_id: eve.body.id });
    assert.equal(added.status, 201, JSON.stringify(added.body));

    const second = await signInThroughIdp('eve', { email, groups: ['read'] });
    assert.deepEqual(groupsIn(await api().get('/v1/me', sessionOf(second))), ['manual', 'readers']);
    const third = await signInThroughIdp('eve', { email, groups: [] });
    assert.deepEqual(groupsIn(await api().get('/v1/me', sessionOf(third))), ['manual'], 'only what a mapping made is removed');

    const addedEvents = (await auditTypes(admin, org.id, 'group.member.added')).filter((e) => e.data.via === 'sso');
    assert.deepEqual(addedEvents.map((e) => e.resource.id).sort(), [engineers.body.id, viewers.body.id].sort());
    // Removed from the organization, Eve comes back at her next sign-in with what the IdP names now.
    assert.equal((await api().delete(`/v1/organizations/${org.id}/members/${eve.body.id}`, admin.token)).status, 200);
    const back = await signInThroughIdp('eve', { email, groups: ['eng'] });
    assert.deepEqual(groupsIn(await api().get('/v1/me', sessionOf(back))), ['engineers']);
    const removedEvents = (await auditTypes(admin, org.id, 'group.member.removed')).filter((e) => e.data.via === 'sso');
    assert.deepEqual(removedEvents.map((e) => e.resource.id).sort(), [engineers.body.id, viewers.body.id].sort());
    assert.equal((await auditTypes(admin, org.id, 'member.joined')).length, 2, 'joined at first sign-in, and again after being removed');
    const listed = await api().get(`/v1/organizations/${org.id}/sso_connections/${connection.id}/group_mappings`, admin.token);
    assert.equal(listed.body.data.length, 3);
    const one = await api().get(`/v1/organizations/${org.id}/sso_connections/${connection.id}/group_mappings/${listed.body.data[0].id}`, admin.token);
    assert.deepEqual(one.body, listed.body.data[0]);
    const removed = await api().delete(`/v1/organizations/${org.id}/sso_connections/${connection.id}/group_mappings/${listed.body.data[0].id}`, admin.token);
    assert.equal(removed.status, 200);
  });

  test('a wrong or missing state is refused with 400 invalid_state, and a callback from another browser is audited', async () => {
    const { org, admin, domain } = await organizationWithSso();
    idp.accounts.set('frank', { email: `frank@${domain}` });
    const { location, cookie } = await startSignIn(`frank@${domain}`);
    const back = await signInAtIdp(location, 'frank', CALLBACK);
    const tampered = new URL(back);
    tampered.searchParams.set('state', 'not-the-state');
    const wrong = await callback(tampered.href, cookie);
    assert.equal(wrong.status, 400);
    assert.deepEqual([errorOf(wrong).code, errorOf(wrong).param], ['invalid_state', 'state']);
    // A browser (it accepts HTML) is sent back to the console's sign-in page with the reason instead.
    const browser = await api().request('GET', new URL(tampered).pathname + new URL(tampered).search, { headers: { accept: 'text/html,application/xhtml+xml', cookie: `tenantry_sso_state=${cookie}` } });
    assert.equal(browser.status, 302);
    const login = new URL(String(browser.headers.location));
    assert.equal(login.pathname, '/login');
    assert.equal(login.searchParams.get('sso_error'), 'invalid_state');
    const otherBrowser = await callback(back, 'someone-elses-state');
    assert.equal(otherBrowser.status, 400);
    assert.equal(errorOf(otherBrowser).code, 'invalid_state');
    const failed = await auditTypes(admin, org.id, 'sso.login.failed');
    assert.equal(failed[0]!.data.reason, 'state_mismatch');
    // The right browser still completes it once; a replay of the same answer is refused.
    const right = await callback(back, cookie);
    assert.equal(right.status, 302, JSON.stringify(right.body));
    const replay = await callback(back, cookie);
    assert.equal(replay.status, 400);
  });

  test('an email whose domain is not verified for the connection is refused with 403 domain_not_verified and audited', async () => {
    const { org, admin, domain } = await organizationWithSso({ domains: [] });
    // No verified domain: the start itself finds no connection for the email.
    const none = await api().get(`/v1/auth/sso/start?email=${encodeURIComponent(`gina@${domain}`)}`);
    assert.equal(none.status, 404);
    assert.equal(errorOf(none).code, 'sso_not_configured');
    // With its domain verified, the connection's IdP may still name someone of another domain.
    const withDomain = await organizationWithSso();
    idp.accounts.set('mallory', { email: `mallory@${newDomain()}` });
    const { location, cookie } = await startSignIn(`someone@${withDomain.domain}`);
    const back = await signInAtIdp(location, 'mallory', CALLBACK);
    const refused = await callback(back, cookie);
    assert.equal(refused.status, 403);
    assert.equal(errorOf(refused).code, 'domain_not_verified');
    const failed = await auditTypes(withDomain.admin, withDomain.org.id, 'sso.login.failed');
    assert.equal(failed[0]!.data.reason, 'domain_not_verified');
    assert.equal(org.id === withDomain.org.id, false);
    assert.ok(admin);
  });

  for (const misbehaviour of ['forged', 'expired'] as Misbehaviour[]) {
    test(`a ${misbehaviour} id_token is refused with 401 and audited`, async () => {
      const domain = newDomain();
      const admin = await verifiedUser(`admin@${domain}`);
      const org = await createOrganization(api(), admin);
      const issuer = await startForgingIssuer({ misbehaviour, email: `victim@${domain}` });
      try {
        const created = await api().post(`/v1/organizations/${org.id}/sso_connections`, admin.token, { issuer: issuer.issuer, client_id: issuer.clientId, client_secret: issuer.clientSecret, domains: [domain] });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const { location, cookie } = await startSignIn(`victim@${domain}`);
        const redirected = await fetch(location, { redirect: 'manual' });
        const refused = await callback(redirected.headers.get('location')!, cookie);
        assert.equal(refused.status, 401, JSON.stringify(refused.body));
        const expected = misbehaviour === 'forged' ? 'id_token_signature_invalid' : 'id_token_expired';
        assert.equal(errorOf(refused).code, expected, JSON.stringify(refused.body));
        assert.equal(sessionOf(refused), undefined);
        const failed = await auditTypes(admin, org.id, 'sso.login.failed');
        assert.equal(failed[0]!.data.reason, expected);
      } finally {
        await issuer.close();
      }
    });
  }

  test('enforced SSO refuses password sign-in with 403 sso_required for the domain, while the organization\'s admin keeps it (break-glass)', async () => {
    const { org, admin, connection, domain } = await organizationWithSso();
    const worker = await verifiedUser(`worker@${domain}`);
    const before = await api().post('/v1/auth/login', undefined, { email: worker.user.email, password: 'correct horse battery' });
    assert.equal(before.status, 200);
    await api().patch(`/v1/organizations/${org.id}/sso_connections/${connection.id}`, admin.token, { enforced: true });
    const refused = await api().post('/v1/auth/login', undefined, { email: worker.user.email, password: 'correct horse battery' });
    assert.equal(refused.status, 403);
    assert.equal(errorOf(refused).code, 'sso_required');
    const wrongPassword = await api().post('/v1/auth/login', undefined, { email: worker.user.email, password: 'not the password' });
    assert.equal(wrongPassword.status, 401, 'a wrong password is still just a wrong password');
    const breakGlass = await api().post('/v1/auth/login', undefined, { email: admin.user.email, password: 'correct horse battery' });
    assert.equal(breakGlass.status, 200, JSON.stringify(breakGlass.body));
  });

  test('the CLI flow: the callback hands a one-time code to a loopback URL, exchanged only with the verifier of its challenge', async () => {
    const { domain } = await organizationWithSso();
    idp.accounts.set('carl', { email: `carl@${domain}` });
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const badReturn = await api().get(`/v1/auth/sso/start?email=carl@${domain}&return_to=${encodeURIComponent('https://evil.example/cb')}&code_challenge=${challenge}`);
    assert.equal(badReturn.status, 400);
    assert.equal(errorOf(badReturn).param, 'return_to');
    const json = await api().get(`/v1/auth/sso/start?email=carl@${domain}&format=json&return_to=${encodeURIComponent('http://127.0.0.1:45678/callback')}&code_challenge=${challenge}`);
    assert.equal(json.status, 200, JSON.stringify(json.body));
    const cookie = String(json.headers['set-cookie']).match(/tenantry_sso_state=([^;]+)/)?.[1];
    const back = await signInAtIdp(json.body.authorization_url, 'carl', CALLBACK);
    const handed = await callback(back, cookie);
    assert.equal(handed.status, 302, JSON.stringify(handed.body));
    const target = new URL(String(handed.headers.location));
    assert.equal(target.origin, 'http://127.0.0.1:45678');
    assert.equal(sessionOf(handed), undefined, 'the browser gets no session: the CLI does');
    const code = target.searchParams.get('code')!;
    const wrong = await api().post('/v1/auth/sso/token', undefined, { code, code_verifier: randomBytes(32).toString('base64url') });
    assert.equal(wrong.status, 400);
    assert.equal(errorOf(wrong).code, 'invalid_grant');
    const exchanged = await api().post('/v1/auth/sso/token', undefined, { code, code_verifier: verifier });
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    assert.equal(exchanged.body.user.email, `carl@${domain}`);
    assert.equal((await api().get('/v1/me', exchanged.body.session_token)).status, 200);
    const reused = await api().post('/v1/auth/sso/token', undefined, { code, code_verifier: verifier });
    assert.equal(reused.status, 400);
  });

  test('a domain verified for one organization cannot be verified by another (409 domain_taken), and its sign-ins go to the first only', async () => {
    const first = await organizationWithSso();
    const other = await verifiedUser(`other@${first.domain}`);
    const otherOrg = await createOrganization(api(), other);
    const second = await api().post(`/v1/organizations/${otherOrg.id}/sso_connections`, other.token, { issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret, domains: [first.domain] });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    assert.equal(second.body.domains[0].verified, false);
    const taken = await api().post(`/v1/organizations/${otherOrg.id}/sso_connections/${second.body.id}/verify_domain`, other.token, { domain: first.domain });
    assert.equal(taken.status, 409);
    assert.equal(errorOf(taken).code, 'domain_taken');
    const signedIn = await signInThroughIdp(`henry-${first.domain}`, { email: `henry@${first.domain}` });
    const me = await api().get('/v1/me', sessionOf(signedIn));
    const orgIds = me.body.organizations.map((o: { id: string }) => o.id);
    assert.ok(orgIds.includes(first.org.id));
    assert.ok(!orgIds.includes(otherOrg.id));
  });
});
