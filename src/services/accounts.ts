import type { AuthLimits } from '../config.ts';
import { newId } from '../lib/ids.ts';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../lib/passwords.ts';
import { isUniqueViolation } from '../store/executor.ts';
import type { OrganizationRecord, ProjectRecord, UserRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { normalizeEmail } from '../store/users.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from './clock.ts';
import { AuthenticationError, ConflictError, InvalidRequestError, PermissionDeniedError, RateLimitedError } from './errors.ts';
import { createOrganizationWithDefaults } from './organization-setup.ts';
import type { Principal } from './principal.ts';
import type { SessionService } from './sessions.ts';
import { SlidingWindowCounter } from './throttle.ts';

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
const SIGNUP_WINDOW_SECONDS = 3600;

export function createAccountService(deps: {
  store: Store;
  clock: Clock;
  sessions: SessionService;
  authorizer: Authorizer;
  limits: AuthLimits;
  defaultRegion: string;
}) {
  const { store, clock, sessions, limits } = deps;
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
      try {
        return await store.transaction(async (tx) => {
          await tx.users.insert({ ...user, password_hash: passwordHash });
          const { organization, project } = await createOrganizationWithDefaults(tx, {
            name: `${input.name}'s organization`,
            personal: true,
            creator: { type: 'user', id: user.id },
            region: deps.defaultRegion,
            now,
          });
          const { token, session } = await sessions.issue(tx, user.id);
          return { user, session_token: token, csrf_token: sessions.csrfToken(session.id), organization, project } satisfies SignedIn & {
            organization: OrganizationRecord;
            project: ProjectRecord;
          };
        });
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
        throw new AuthenticationError('Incorrect email or password.', 'invalid_login');
      }
      failedByEmail.reset(emailKey);
      const { token, session } = await store.transaction((tx) => sessions.issue(tx, user.id));
      return { user: publicUser(user), session_token: token, csrf_token: sessions.csrfToken(session.id) };
    },

    async logout(principal: Principal): Promise<void> {
      if (principal.credential.kind !== 'session') throw new PermissionDeniedError('Only a session can log out; revoke an API key instead.');
      await sessions.end(principal.credential.sessionId);
    },

    async me(principal: Principal): Promise<{ user: UserRecord | undefined; memberships: MembershipSummary[] }> {
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
      return { user: user && publicUser(user), memberships };
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
      });
      sessions.forgetEnded(user.id, keep);
      return publicUser(user);
    },

    async logoutEverywhere(principal: Principal): Promise<number> {
      if (principal.type !== 'user') throw new PermissionDeniedError('Only a user has sessions.');
      return sessions.endAllForUser(principal.id);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
