import { createHash } from 'node:crypto';
import type { SsoSettings } from '../../config.ts';
import type { Clock } from '../../infra/clock.ts';
import type { OidcChecks, OidcConnectionSettings, OidcFailure, OidcRelyingParty } from '../../infra/oidc-relying-party.ts';
import { newId } from '../../lib/ids.ts';
import { openWithSecret, sealWithSecret, newToken, safeEqual, sha256Hex } from '../../lib/secrets.ts';
import type { UserRecord } from '../../store/records.ts';
import type { SsoConnectionRecord, SsoLoginAttemptRecord } from '../../store/sso.ts';
import type { Repositories, Store } from '../../store/store.ts';
import { type AuditActor, type AuditLog, systemActor } from '../audit.ts';
import type { Authorizer } from '../authorizer.ts';
import { AuthenticationError, InvalidRequestError, PermissionDeniedError, ServiceError } from '../errors.ts';
import { createOrganizationWithDefaults } from '../organization-setup.ts';
import type { SessionService } from '../sessions.ts';
import { CLIENT_SECRET_PURPOSE } from './connections.ts';
import { domainOfEmail } from './domains.ts';
import { joinIfNew, syncMappedGroups } from './memberships.ts';

const CHECKS_PURPOSE = 'sso_login_checks';
export const SSO_HANDOFF_PREFIX = 'tnt_ssoh_';

export const SSO_CALLBACK_PATH = '/v1/auth/sso/callback';

/** Where the browser goes once signed in, or the loopback URL of the CLI that waits for the code. */
export type CallbackOutcome =
  | { kind: 'session'; user: UserRecord; session_token: string; csrf_token: string; redirect: string }
  | { kind: 'handoff'; redirect: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Signing in through an organization's identity provider: the start (state, nonce and PKCE kept
 * server-side, sealed), the callback (the id_token validated by the relying party, the email's domain
 * verified for this very connection), then the person: found by their IdP subject or email or created
 * with a personal organization as signup does, joined to the organization with the connection's
 * default groups at first sign-in, and their mapped groups brought in line with the IdP's `groups`
 * claim. Everything a sign-in changes commits in one transaction with its audit events.
 */
export function createSsoLoginService(deps: {
  store: Store;
  clock: Clock;
  audit: AuditLog;
  authorizer: Authorizer;
  sessions: SessionService;
  relyingParty: OidcRelyingParty;
  secret: string;
  settings: SsoSettings;
  consoleUrl: string;
  defaultRegion: string;
  log: (message: string, fields: Record<string, unknown>) => void;
}) {
  const { store, clock, audit, authorizer, sessions, relyingParty, secret } = deps;
  const redirectUri = deps.consoleUrl + SSO_CALLBACK_PATH;

  function oidcSettings(connection: SsoConnectionRecord): OidcConnectionSettings {
    return {
      issuer: connection.issuer,
      clientId: connection.client_id,
      clientSecret: connection.client_secret_sealed === null ? null : openWithSecret(secret, CLIENT_SECRET_PURPOSE, connection.client_secret_sealed),
      redirectUri,
    };
  }

  const userActor = (userId: string, ip: string): AuditActor => ({ type: 'user', id: userId, api_key_id: null, ip });

  async function recordFailure(connection: SsoConnectionRecord | undefined, ip: string, reason: string, data: Record<string, unknown> = {}): Promise<void> {
    deps.log('SSO sign-in refused', { reason, connection_id: connection?.id ?? null, ip });
    if (!connection) return;
    await store.transaction((tx) =>
      audit.record(tx, systemActor(ip), { type: 'sso.login.failed', organizationId: connection.organization_id, resource: { type: 'sso_connection', id: connection.id }, data: { reason, ...data } }),
    );
  }

  function validateReturnTo(returnTo: string | undefined, challenge: string | undefined): { returnTo: string | null; challenge: string | null } {
    if (returnTo === undefined) {
      if (challenge !== undefined) throw new InvalidRequestError('code_challenge goes with return_to.', 'code_challenge');
      return { returnTo: null, challenge: null };
    }
    let url: URL;
    try {
      url = new URL(returnTo);
    } catch {
      throw new InvalidRequestError('return_to must be a URL.', 'return_to');
    }
    // Only a program on the signing-in person's own machine may receive the code (RFC 8252's loopback redirect).
    if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname) || !url.port || url.username || url.password) {
      throw new InvalidRequestError('return_to must be an http:// loopback URL with a port (127.0.0.1, localhost or [::1]).', 'return_to');
    }
    if (challenge === undefined || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      throw new InvalidRequestError('code_challenge (the base64url SHA-256 of a code_verifier, 43 characters) is required with return_to.', 'code_challenge');
    }
    return { returnTo: url.href, challenge };
  }

  async function connectionOfAttempt(attempt: SsoLoginAttemptRecord): Promise<SsoConnectionRecord | undefined> {
    const connection = await store.sso.findConnection(attempt.connection_id);
    return connection && connection.organization_id === attempt.organization_id ? connection : undefined;
  }

  /** Finds the person the IdP named, or creates them with a personal organization; links the IdP subject. */
  async function resolveUser(tx: Repositories, connection: SsoConnectionRecord, claims: { sub: string; email: string; name: string }, ip: string, now: number): Promise<{ user: UserRecord; created: boolean }> {
    const linkedId = await tx.sso.findIdentity(connection.id, claims.sub);
    const linked = linkedId ? await tx.users.findById(linkedId) : undefined;
    const existing = linked ?? (await tx.users.findByEmail(claims.email));
    if (existing) {
      if (!linked) await tx.sso.linkIdentity(connection.id, claims.sub, existing.id, now);
      // The organization proved the domain and its provider vouches for the address.
      if (!existing.email_verified) await tx.users.markEmailVerified(existing.id);
      const { password_hash: _hidden, ...user } = existing;
      return { user: { ...user, email_verified: true }, created: false };
    }
    const user: UserRecord = { id: newId('user_'), email: claims.email, name: claims.name, email_verified: true, created_at: now };
    // No password: such a user signs in through the provider (an empty hash matches no password).
    await tx.users.insert({ ...user, password_hash: '' });
    await createOrganizationWithDefaults(tx, audit, userActor(user.id, ip), { name: `${claims.name}'s organization`, personal: true, creator: { type: 'user', id: user.id }, region: deps.defaultRegion, now });
    await tx.sso.linkIdentity(connection.id, claims.sub, user.id, now);
    return { user, created: true };
  }

  function readClaims(raw: Record<string, unknown>): { sub: string; email: string; name: string; emailVerified: unknown; groups: string[] } | undefined {
    const { sub, email, name, email_verified: emailVerified, groups } = raw;
    if (typeof sub !== 'string' || typeof email !== 'string' || !email.includes('@')) return undefined;
    const groupList = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : typeof groups === 'string' ? [groups] : [];
    const display = typeof name === 'string' && name.trim() ? name.trim().slice(0, 200) : email.slice(0, email.indexOf('@'));
    return { sub, email: email.trim(), name: display, emailVerified, groups: groupList };
  }

  return {
    redirectUri,
    /** Where a browser whose sign-in was refused is sent, with the reason. */
    loginPage: `${deps.consoleUrl}/login`,

    /** Finds the connection by the email's domain and answers where to send the browser, and the state for its cookie. */
    async start(input: { email: string; return_to?: string | undefined; code_challenge?: string | undefined }, ip: string): Promise<{ authorizationUrl: string; state: string; maxAgeSeconds: number }> {
      const handoff = validateReturnTo(input.return_to, input.code_challenge);
      const domain = domainOfEmail(input.email);
      const served = domain ? await store.sso.findVerifiedDomain(domain) : undefined;
      const connection = served && (await store.sso.findConnection(served.connection_id));
      if (!connection) throw new ServiceError('not_found_error', 'No single sign-on is set up for this email\'s domain; sign in with a password.', 'email', 'sso_not_configured');
      const checks = relyingParty.newChecks();
      let authorizationUrl: string;
      try {
        authorizationUrl = await relyingParty.authorizationUrl(oidcSettings(connection), checks, input.email);
      } catch (error) {
        const reason = failureOf(error)?.reason ?? 'idp_unreachable';
        await recordFailure(connection, ip, reason);
        throw new ServiceError('api_error', 'The identity provider could not be reached; try again later.', null, 'upstream_error');
      }
      const now = clock();
      await store.sso.deleteExpiredAttempts(now);
      await store.sso.insertAttempt({
        state_hash: sha256Hex(checks.state),
        connection_id: connection.id,
        organization_id: connection.organization_id,
        sealed_checks: sealWithSecret(secret, CHECKS_PURPOSE, JSON.stringify({ nonce: checks.nonce, codeVerifier: checks.codeVerifier })),
        return_to: handoff.returnTo,
        return_challenge: handoff.challenge,
        handoff_hash: null,
        user_id: null,
        created_at: now,
        expires_at: now + deps.settings.loginTimeoutSeconds,
      });
      return { authorizationUrl, state: checks.state, maxAgeSeconds: deps.settings.loginTimeoutSeconds };
    },

    /**
     * The identity provider's answer. `cookieState` is the state the browser that started this sign-in
     * holds: a callback from another browser (login CSRF) is refused.
     */
    async callback(input: { query: Record<string, string>; cookieState: string | undefined }, ip: string): Promise<CallbackOutcome> {
      const state = input.query.state;
      const wrongState = (message: string) => new InvalidRequestError(message, 'state', 'invalid_state');
      if (!state) throw wrongState('The sign-in has no state; start it again.');
      const stateHash = sha256Hex(state);
      const attempt = await store.sso.findAttempt(stateHash);
      if (!attempt || attempt.handoff_hash !== null) {
        deps.log('SSO callback with an unknown or used state', { ip });
        throw wrongState('This sign-in is unknown or was already used; start it again.');
      }
      const connection = await connectionOfAttempt(attempt);
      const now = clock();
      if (Number(attempt.expires_at) <= now) {
        await store.sso.deleteAttempt(stateHash);
        await recordFailure(connection, ip, 'state_expired');
        throw wrongState('This sign-in took too long; start it again.');
      }
      if (!input.cookieState || !safeEqual(sha256Hex(input.cookieState), stateHash)) {
        await recordFailure(connection, ip, 'state_mismatch');
        throw wrongState('This sign-in was started in another browser; start it again here.');
      }
      // Single use: whoever claims the attempt first redeems its code.
      const handoff = attempt.return_to ? newToken(SSO_HANDOFF_PREFIX) : null;
      if (!connection || !(await store.sso.completeAttempt(stateHash, handoff ? sha256Hex(handoff) : null, null))) throw wrongState('This sign-in is unknown or was already used; start it again.');
      if (!attempt.return_to) await store.sso.deleteAttempt(stateHash);
      const sealed = JSON.parse(openWithSecret(secret, CHECKS_PURPOSE, attempt.sealed_checks)) as Omit<OidcChecks, 'state'>;
      const callbackUrl = new URL(redirectUri);
      for (const [key, value] of Object.entries(input.query)) callbackUrl.searchParams.set(key, value);
      let rawClaims: Record<string, unknown>;
      try {
        rawClaims = await relyingParty.redeem(oidcSettings(connection), callbackUrl.href, { state, ...sealed });
      } catch (error) {
        const failure = failureOf(error) ?? { reason: 'id_token_invalid' as const, message: 'The identity provider\'s answer was not accepted.' };
        await recordFailure(connection, ip, failure.reason);
        if (failure.reason === 'idp_unreachable') throw new ServiceError('api_error', 'The identity provider could not be reached; try again later.', null, 'upstream_error');
        throw new AuthenticationError(failure.message, failure.reason);
      }
      const claims = readClaims(rawClaims);
      if (!claims) {
        await recordFailure(connection, ip, 'id_token_invalid', { missing: 'sub or email' });
        throw new AuthenticationError('The id_token names no subject or email.', 'id_token_invalid');
      }
      if (claims.emailVerified === false) {
        await recordFailure(connection, ip, 'email_not_verified');
        throw new PermissionDeniedError('The identity provider says this email is not verified.', 'email_not_verified');
      }
      const domain = domainOfEmail(claims.email);
      const served = domain ? await store.sso.findVerifiedDomain(domain) : undefined;
      if (!served || served.connection_id !== connection.id) {
        await recordFailure(connection, ip, 'domain_not_verified', { domain: domain ?? null });
        throw new PermissionDeniedError(`The domain ${domain ?? ''} is not verified for this SSO connection.`, 'domain_not_verified');
      }
      const result = await store.transaction(async (tx) => {
        const { user, created } = await resolveUser(tx, connection, claims, ip, now);
        const actor = userActor(user.id, ip);
        const joined = await joinIfNew(audit, tx, connection, user, actor, now);
        const groups = await syncMappedGroups(audit, tx, connection, user, claims.groups, actor, now);
        await audit.record(tx, actor, {
          type: 'sso.login.succeeded',
          organizationId: connection.organization_id,
          resource: { type: 'sso_connection', id: connection.id },
          data: { user_id: user.id, created_user: created, joined, groups_added: groups.added, groups_removed: groups.removed },
        });
        if (handoff) {
          await tx.sso.setAttemptUser(stateHash, user.id);
          return { user, session: undefined };
        }
        return { user, session: await sessions.issue(tx, user.id) };
      });
      authorizer.invalidateOrganization(connection.organization_id);
      if (handoff && attempt.return_to) {
        const target = new URL(attempt.return_to);
        target.searchParams.set('code', handoff);
        return { kind: 'handoff', redirect: target.href };
      }
      const issued = result.session!;
      return { kind: 'session', user: result.user, session_token: issued.token, csrf_token: sessions.csrfToken(issued.session.id), redirect: `${deps.consoleUrl}/` };
    },

    /** The CLI's half: the one-time code from its loopback redirect, with the verifier of its challenge, for a session. */
    async exchange(input: { code: string; code_verifier: string }): Promise<{ user: UserRecord; session_token: string; csrf_token: string }> {
      const refused = () => new InvalidRequestError('The code is unknown, expired, already used, or does not match code_verifier.', 'code', 'invalid_grant');
      const handoffHash = sha256Hex(input.code);
      const attempt = await store.sso.findByHandoff(handoffHash);
      if (!attempt || !attempt.user_id || !attempt.return_challenge || Number(attempt.expires_at) <= clock()) throw refused();
      const challenge = createHash('sha256').update(input.code_verifier).digest('base64url');
      if (!safeEqual(challenge, attempt.return_challenge)) throw refused();
      const userId = attempt.user_id;
      const issued = await store.transaction(async (tx) => {
        if (!(await tx.sso.deleteAttempt(attempt.state_hash))) throw refused();
        return sessions.issue(tx, userId);
      });
      const user = await store.users.findById(userId);
      if (!user) throw refused();
      const { password_hash: _hidden, ...publicUser } = user;
      return { user: publicUser, session_token: issued.token, csrf_token: sessions.csrfToken(issued.session.id) };
    },
  };
}

export type SsoLoginService = ReturnType<typeof createSsoLoginService>;

/** The relying party's refusal (an OidcError, told by its reason, since services see infra's types only). */
function failureOf(error: unknown): { reason: OidcFailure; message: string } | undefined {
  const reason = (error as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' && error instanceof Error ? { reason: reason as OidcFailure, message: error.message } : undefined;
}
