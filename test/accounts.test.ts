import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase } from './helpers/databases.ts';
import { Api, errorOf, signUp, uniqueEmail } from './helpers/client.ts';
import { TestClock, useTenantry } from './helpers/server.ts';

describeEachDatabase('accounts', (kind) => {
  const clock = new TestClock();
  const server = useTenantry(kind, { clock });
  const api = () => new Api(server.tenantry.app);

  test('without SMTP, GET /v1/me tells the console that this server does not verify emails', async () => {
    const ann = await signUp(api(), 'ann');
    const me = await api().get('/v1/me', ann.token);
    assert.equal(me.status, 200);
    assert.equal(me.body.email_verified, false);
    assert.equal(me.body.email_verification_enabled, false);
  });

  test('signing up creates the user, a personal organization and its default project', async () => {
    const email = uniqueEmail('ann');
    const response = await api().post('/v1/auth/signup', undefined, { email, password: 'a long password', name: 'Ann' });
    assert.equal(response.status, 201);
    const { user, session_token, csrf_token, organization, project } = response.body;
    assert.match(user.id, /^user_/);
    assert.equal(user.object, 'user');
    assert.equal(user.email, email);
    assert.equal(user.email_verified, false);
    assert.equal(typeof user.created_at, 'number');
    assert.match(session_token, /^tnt_sess_[0-9A-Za-z]{43}$/);
    assert.equal(typeof csrf_token, 'string');
    assert.equal(organization.personal, true);
    assert.match(organization.id, /^org_/);
    assert.equal(project.organization_id, organization.id);
    assert.equal(project.is_default, true);
    assert.deepEqual(project.regions, ['eu-north1']);
    assert.equal(project.status, 'active');
    assert.ok(!JSON.stringify(response.body).includes('password'));

    const me = await api().get('/v1/me', session_token);
    assert.equal(me.status, 200);
    assert.equal(me.body.id, user.id);
    assert.equal(me.body.csrf_token, csrf_token);
    assert.equal(me.body.organizations.length, 1);
    assert.equal(me.body.organizations[0].id, organization.id);
    assert.equal(me.body.organizations[0].personal, true);
    assert.deepEqual(me.body.organizations[0].groups.map((g: { name: string; role: string }) => [g.name, g.role]), [['admins', 'admin']]);
  });

  test('an email can sign up once, compared case-insensitively', async () => {
    const email = uniqueEmail('dup');
    assert.equal((await api().post('/v1/auth/signup', undefined, { email, password: 'a long password', name: 'A' })).status, 201);
    const again = await api().post('/v1/auth/signup', undefined, { email: email.toUpperCase(), password: 'a long password', name: 'B' });
    assert.equal(again.status, 409);
    assert.equal(errorOf(again).type, 'conflict_error');
    assert.equal(errorOf(again).code, 'email_taken');
  });

  test('signup refuses bad input naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ email: 'not-an-email', password: 'a long password', name: 'A' }, 'email'],
      [{ email: uniqueEmail(), password: 'short', name: 'A' }, 'password'],
      [{ email: uniqueEmail(), password: 'x'.repeat(257), name: 'A' }, 'password'],
      [{ email: uniqueEmail(), password: 'a long password', name: '' }, 'name'],
      [{ email: uniqueEmail(), password: 'a long password' }, 'name'],
      [{ email: uniqueEmail(), password: 'a long password', name: 'A', admin: true }, 'admin'],
    ];
    for (const [body, param] of cases) {
      const response = await api().post('/v1/auth/signup', undefined, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(errorOf(response).type, 'invalid_request_error');
      assert.equal(errorOf(response).param, param);
    }
  });

  test('login answers a new session; a wrong password and an unknown email get the same 401', async () => {
    const ann = await signUp(api(), 'ann', 'the right password');
    const ok = await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'the right password' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.id, ann.user.id);
    assert.notEqual(ok.body.session_token, ann.token);
    assert.ok(String(ok.headers['set-cookie']).includes('tenantry_session='));
    assert.ok(String(ok.headers['set-cookie']).includes('HttpOnly'));
    assert.ok(String(ok.headers['set-cookie']).includes('SameSite=Lax'));

    const wrong = await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'the wrong password' });
    const unknown = await api().post('/v1/auth/login', undefined, { email: uniqueEmail('nobody'), password: 'the wrong password' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(errorOf(wrong).type, 'authentication_error');
  });

  test('requests without valid credentials get 401', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer tnt_sess_nope' }, { authorization: 'Basic abc' }, { authorization: 'Bearer something' }];
    for (const headers of attempts) {
      const response = await api().request('GET', '/v1/me', { headers });
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.equal(errorOf(response).type, 'authentication_error');
    }
  });

  test('logout ends that session at once and only that one', async () => {
    const ann = await signUp(api(), 'ann');
    const second = await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'correct horse battery' });
    const out = await api().post('/v1/auth/logout', ann.token);
    assert.equal(out.status, 204);
    assert.equal((await api().get('/v1/me', ann.token)).status, 401);
    assert.equal((await api().get('/v1/me', second.body.session_token)).status, 200);
  });

  test('changing the password ends every other session and checks the current password', async () => {
    const ann = await signUp(api(), 'ann', 'first password');
    const other = (await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'first password' })).body.session_token;
    const wrong = await api().post('/v1/me/password', ann.token, { current_password: 'not it at all', new_password: 'second password' });
    assert.equal(wrong.status, 400);
    assert.equal(errorOf(wrong).param, 'current_password');
    const tooShort = await api().post('/v1/me/password', ann.token, { current_password: 'first password', new_password: 'short' });
    assert.equal(tooShort.status, 400);
    assert.equal(errorOf(tooShort).param, 'new_password');

    const changed = await api().post('/v1/me/password', ann.token, { current_password: 'first password', new_password: 'second password' });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.id, ann.user.id);
    assert.equal((await api().get('/v1/me', ann.token)).status, 200, 'the session that changed it stays');
    assert.equal((await api().get('/v1/me', other)).status, 401, 'every other session ends');
    assert.equal((await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'first password' })).status, 401);
    assert.equal((await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'second password' })).status, 200);
  });

  test('logging out everywhere ends every session of the user', async () => {
    const ann = await signUp(api(), 'ann');
    const other = (await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'correct horse battery' })).body.session_token;
    const response = await api().delete('/v1/me/sessions', ann.token);
    assert.equal(response.status, 200);
    assert.equal(response.body.revoked, 2);
    assert.equal((await api().get('/v1/me', ann.token)).status, 401);
    assert.equal((await api().get('/v1/me', other)).status, 401);
  });

  test('a session expires after 7 days unused, and after 30 days whatever its use', async () => {
    const idle = await signUp(api(), 'idle');
    clock.advance(6 * 24 * 3600);
    assert.equal((await api().get('/v1/me', idle.token)).status, 200, 'used within 7 days');
    clock.advance(6 * 24 * 3600);
    assert.equal((await api().get('/v1/me', idle.token)).status, 200, 'the last use counts, not the creation');
    clock.advance(7 * 24 * 3600 + 1);
    const expired = await api().get('/v1/me', idle.token);
    assert.equal(expired.status, 401);
    assert.equal(errorOf(expired).code, 'session_expired');

    const busy = await signUp(api(), 'busy');
    for (let day = 0; day < 30; day += 5) {
      assert.equal((await api().get('/v1/me', busy.token)).status, 200);
      clock.advance(5 * 24 * 3600);
    }
    assert.equal((await api().get('/v1/me', busy.token)).status, 401, 'past 30 days');
  });

  test('the session cookie works for reads; changes need the CSRF header and a same-origin Origin', async () => {
    const ann = await signUp(api(), 'ann');
    const cookie = { cookie: `tenantry_session=${ann.token}` };
    assert.equal((await api().request('GET', '/v1/me', { headers: cookie })).status, 200);

    const noCsrf = await api().request('POST', '/v1/organizations', { headers: cookie, body: { name: 'Via cookie' } });
    assert.equal(noCsrf.status, 403);
    assert.equal(errorOf(noCsrf).code, 'csrf_failed');

    const badCsrf = await api().request('POST', '/v1/organizations', { headers: { ...cookie, 'x-csrf-token': 'nope' }, body: { name: 'Via cookie' } });
    assert.equal(badCsrf.status, 403);

    const crossOrigin = await api().request('POST', '/v1/organizations', {
      headers: { ...cookie, 'x-csrf-token': ann.csrf, origin: 'https://evil.example' },
      body: { name: 'Via cookie' },
    });
    assert.equal(crossOrigin.status, 403);
    assert.equal(errorOf(crossOrigin).code, 'cross_origin');

    const good = await api().request('POST', '/v1/organizations', {
      headers: { ...cookie, 'x-csrf-token': ann.csrf, origin: 'http://localhost:80', host: 'localhost:80' },
      body: { name: 'Via cookie' },
    });
    assert.equal(good.status, 201);
    const sameOriginNoHeader = await api().request('POST', '/v1/organizations', { headers: { ...cookie, 'x-csrf-token': ann.csrf }, body: { name: 'Also' } });
    assert.equal(sameOriginNoHeader.status, 201);
  });

  test('no cross-origin request gets CORS headers', async () => {
    const ann = await signUp(api(), 'ann');
    const response = await api().request('GET', '/v1/me', { token: ann.token, headers: { origin: 'https://evil.example' } });
    assert.equal(response.headers['access-control-allow-origin'], undefined);
    assert.equal(response.headers['access-control-allow-credentials'], undefined);
  });
});

describeEachDatabase('sign-in throttling', (kind) => {
  const server = useTenantry(kind, { config: { auth: { max_failed_logins_per_email: 3, max_failed_logins_per_ip: 5, max_signups_per_ip_per_hour: 4 } } });
  const api = () => new Api(server.tenantry.app);

  test('failed logins for one email past the limit get 429 with Retry-After, even with the right password', async () => {
    const ann = await signUp(api(), 'ann');
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'wrong password' })).status, 401);
    }
    const limited = await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'correct horse battery' });
    assert.equal(limited.status, 429);
    assert.equal(errorOf(limited).type, 'rate_limit_error');
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });

  test('failed logins from one address past the limit get 429', async () => {
    for (let i = 0; i < 2; i += 1) {
      await api().post('/v1/auth/login', undefined, { email: uniqueEmail(), password: 'wrong password' });
    }
    const limited = await api().post('/v1/auth/login', undefined, { email: uniqueEmail(), password: 'wrong password' });
    assert.equal(limited.status, 429);
  });

  test('signups from one address past the limit get 429', async () => {
    // One signup happened in the first test of this suite.
    for (let i = 0; i < 3; i += 1) await signUp(api(), 'many');
    const limited = await api().post('/v1/auth/signup', undefined, { email: uniqueEmail(), password: 'a long password', name: 'X' });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });
});
