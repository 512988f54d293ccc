import type { AuthLimits } from '../config.ts';
import { newId } from '../lib/ids.ts';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../lib/passwords.ts';
import { newToken, sha256Hex } from '../lib/secrets.ts';
import { isUniqueViolation } from '../store/executor.ts';
import type { OrganizationRecord, ProjectRecord, UserRecord } from '../store/records.ts';
import type { Repositories, Store } from '../store/store.ts';
import { normalizeEmail } from '../store/users.ts';
import type { AuditActor, AuditLog } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { AuthenticationError, ConflictError, InvalidRequestError, PermissionDeniedError, RateLimitedError } from './errors.ts';
import { createOrganizationWithDefaults } from './organization-setup.ts';
import type { Notifier } from '../infra/notifier.ts';
import type { Principal } from '../access/principal.ts';
import type { SessionService } from './sessions.ts';
import { SlidingWindowCounter } from './throttle.ts';
import { assertPasswordLoginAllowed } from './sso/enforcement.ts';

export interface SignedIn {
  user: UserRecord;
  session_token: string;
  csrf_token: string;
}

export interface MembershipSummary {
  organization: OrganizationRecord;
  groups: Array<{ id: string; name: string; role: string }>;
}

const FAILED_LOGIN_WINDOW_SECONDS = 15 * 60;
const VERIFICATION_LIFETIME_SECONDS = 3 * 24 * 3600;
const SIGNUP_WINDOW_SECONDS = 3600;

export function createAccountService(deps: {
  store: Store;
  clock: Clock;
  sessions: SessionService;
  authorizer: Authorizer;
  audit: AuditLog;
  notifier: Notifier;
  consoleUrl: string;
  limits: AuthLimits;
  defaultRegion: string;
  /** Where a failed login for an unknown email goes: the server log, never the audit log. */
  logUnknownLogin: (ip: string) => void;
}) {
  const { store, clock, sessions, limits, audit } = deps;
  // Repeated failures for one account write at most this many audit events a minute.
  const failedLoginEvents = new SlidingWindowCounter(60, clock);
  const MAX_FAILED_LOGIN_EVENTS_PER_MINUTE = 5;
  const userActor = (userId: string, ip: string | null): AuditActor => ({ type: 'user', id: userId, api_key_id: null, ip });

  /** Records an account event in the user's personal organization, inside the caller's transaction. */
  async function recordAccountEvent(tx: Repositories, userId: string, ip: string | null, type: 'login.succeeded' | 'login.failed' | 'password.changed' | 'email.verified') {
    const personal = await tx.organizations.findPersonalOf(userId);
    if (!personal) return;
    await audit.record(tx, userActor(userId, ip), { type, organizationId: personal.id, resource: { type: 'user', id: userId } });
  }
  const failedByEmail = new SlidingWindowCounter(FAILED_LOGIN_WINDOW_SECONDS, clock);
  const failedByIp = new SlidingWindowCounter(FAILED_LOGIN_WINDOW_SECONDS, clock);
  const signupsByIp = new SlidingWindowCounter(SIGNUP_WINDOW_SECONDS, clock);

  function publicUser(user: UserRecord & { password_hash?: string }): UserRecord {
    const { password_hash: _hidden, ...rest } = user;
    return rest;
  }

  function throttle(counter: SlidingWindowCounter, key: string, max: number, what: string): void {
    if (counter.count(key) >= max) {
      throw new RateLimitedError(`Too many ${what}; try again later.`, counter.retryAfter(key));
    }
  }

  return {
    async signup(input: { email: string; password: string; name: string }, ip: string) {
      throttle(signupsByIp, ip, limits.maxSignupsPerIpPerHour, 'signups from this address');
      if (await store.users.emailTaken(input.email)) {
        throw new ConflictError('An account with this email already exists.', 'email_taken', 'email');
      }
      const passwordHash = await hashPassword(input.password);
      const now = clock();
      const user: UserRecord = { id: newId('user_'), email: input.email.trim(), name: input.name, email_verified: false, created_at: now };
      signupsByIp.record(ip);
      // With email delivery, the address must be proven before it can accept invitations.
      const verificationToken = deps.notifier.deliversEmail ? newToken('tnt_verify_') : undefined;
      try {
        const result = await store.transaction(async (tx) => {
          await tx.users.insert({ ...user, password_hash: passwordHash });
          const { organization, project } = await createOrganizationWithDefaults(tx, audit, userActor(user.id, ip), {
            name: `${input.name}'s organization`,
            personal: true,
            creator: { type: 'user', id: user.id },
            region: deps.defaultRegion,
            now,
          });
          const { token, session } = await sessions.issue(tx, user.id);
          if (verificationToken) {
            await tx.emailVerifications.insert({ token_hash: sha256Hex(verificationToken), user_id: user.id, created_at: now, expires_at: now + VERIFICATION_LIFETIME_SECONDS });
          }
          return { user, session_token: token, csrf_token: sessions.csrfToken(session.id), organization, project } satisfies SignedIn & {
            organization: OrganizationRecord;
            project: ProjectRecord;
          };
        });
        if (verificationToken) {
          await deps.notifier.verificationRequested({ email: user.email, name: user.name, token: verificationToken, consoleUrl: deps.consoleUrl });
        }
        return result;
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError('An account with this email already exists.', 'email_taken', 'email');
        throw error;
      }
    },

    async login(input: { email: string; password: string }, ip: string): Promise<SignedIn> {
      const emailKey = normalizeEmail(input.email);
      throttle(failedByEmail, emailKey, limits.maxFailedLoginsPerEmail, 'failed sign-ins for this email');
      throttle(failedByIp, ip, limits.maxFailedLoginsPerIp, 'failed sign-ins from this address');
      const user = await store.users.findByEmail(input.email);
      // An unknown email costs one password hash too, so timing does not tell which emails exist.
      const valid = await verifyPassword(input.password, user?.password_hash ?? (await decoyPasswordHash()));
      if (!user || !valid) {
        failedByEmail.record(emailKey);
        failedByIp.record(ip);
        if (!user) deps.logUnknownLogin(ip);
        else if (failedLoginEvents.count(user.id) < MAX_FAILED_LOGIN_EVENTS_PER_MINUTE) {
          failedLoginEvents.record(user.id);
          await store.transaction((tx) => recordAccountEvent(tx, user.id, ip, 'login.failed'));
        }
        throw new AuthenticationError('Incorrect email or password.', 'invalid_login');
      }
      failedByEmail.reset(emailKey);
      await assertPasswordLoginAllowed({ store, authorizer: deps.authorizer, clock }, user).catch(async (error: unknown) => {
        await store.transaction((tx) => recordAccountEvent(tx, user.id, ip, 'login.failed'));
        throw error;
      });
      const { token, session } = await store.transaction(async (tx) => {
        const issued = await sessions.issue(tx, user.id);
        await recordAccountEvent(tx, user.id, ip, 'login.succeeded');
        return issued;
      });
      return { user: publicUser(user), session_token: token, csrf_token: sessions.csrfToken(session.id) };
    },

    async logout(principal: Principal): Promise<void> {
      if (principal.credential.kind !== 'session') throw new PermissionDeniedError('Only a session can log out; revoke an API key instead.');
      await sessions.end(principal.credential.sessionId);
    },

    /**
     * The caller, its organizations, and whether this server verifies emails (it sends the link only
     * when SMTP is configured, so without SMTP there is nothing a user could do to verify).
     */
    async me(principal: Principal): Promise<{ user: UserRecord | undefined; memberships: MembershipSummary[]; emailVerificationEnabled: boolean }> {
      const user = principal.type === 'user' ? await store.users.findById(principal.id) : undefined;
      const organizations = await store.organizations.allForPrincipal(principal.id);
      const now = clock();
      const visible =
        principal.credential.kind === 'api_key'
          ? organizations.filter((o) => o.id === (principal.credential as { organizationId: string }).organizationId)
          : organizations;
      const memberships = await Promise.all(
        visible.map(async (organization) => {
          const standing = await deps.authorizer.standing(organization.id, principal.id);
          const groups = standing.grants
            .filter((g) => g.expires_at === null || g.expires_at > now)
            .map((g) => ({ id: g.group_id, name: g.group_name, role: g.role }));
          return { organization, groups };
        }),
      );
      return { user: user && publicUser(user), memberships, emailVerificationEnabled: deps.notifier.deliversEmail };
    },

    async changePassword(principal: Principal, input: { current_password: string; new_password: string }): Promise<UserRecord> {
      if (principal.credential.kind !== 'session') throw new PermissionDeniedError('The password can only be changed from a signed-in session.');
      const user = await store.users.findById(principal.id);
      if (!user) throw new AuthenticationError();
      if (!(await verifyPassword(input.current_password, user.password_hash))) {
        throw new InvalidRequestError('The current password is not correct.', 'current_password', 'incorrect_password');
      }
      const passwordHash = await hashPassword(input.new_password);
      const keep = principal.credential.sessionId;
      await store.transaction(async (tx) => {
        await tx.users.setPasswordHash(user.id, passwordHash);
        await tx.sessions.deleteForUser(user.id, keep);
        await recordAccountEvent(tx, user.id, principal.ip, 'password.changed');
      });
      sessions.forgetEnded(user.id, keep);
      return publicUser(user);
    },

    /** Marks the caller's email verified with the single-use token sent at signup. */
    async verifyEmail(principal: Principal, token: string): Promise<UserRecord> {
      if (principal.type !== 'user') throw new PermissionDeniedError('Only a user has an email to verify.');
      const invalid = () => new InvalidRequestError('The token is not valid, has expired or was already used.', 'token', 'invalid_token');
      const hash = sha256Hex(token);
      const row = await store.emailVerifications.find(hash);
      const now = clock();
      if (!row || row.user_id !== principal.id || Number(row.expires_at) <= now || row.used_at !== null) throw invalid();
      await store.transaction(async (tx) => {
        if (!(await tx.emailVerifications.markUsed(hash, now))) throw invalid();
        await tx.users.markEmailVerified(principal.id);
        await recordAccountEvent(tx, principal.id, principal.ip, 'email.verified');
      });
      const user = await store.users.findById(principal.id);
      if (!user) throw new AuthenticationError();
      return publicUser(user);
    },

    async logoutEverywhere(principal: Principal): Promise<number> {
      if (principal.type !== 'user') throw new PermissionDeniedError('Only a user has sessions.');
      return sessions.endAllForUser(principal.id);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
