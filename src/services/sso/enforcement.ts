import type { Clock } from '../../infra/clock.ts';
import type { UserRecord } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import type { Authorizer } from '../authorizer.ts';
import { PermissionDeniedError } from '../errors.ts';
import { domainOfEmail } from './domains.ts';

/**
 * Enforced SSO: a person whose email is in a verified domain of an enforced connection signs in
 * through the identity provider, not with a password. Break-glass: the admins of the connection's
 * organization keep their password, so a broken or misconfigured provider cannot lock everyone out.
 */
export async function assertPasswordLoginAllowed(deps: { store: Store; authorizer: Authorizer; clock: Clock }, user: UserRecord): Promise<void> {
  const domain = domainOfEmail(user.email);
  if (!domain) return;
  const served = await deps.store.sso.findVerifiedDomain(domain);
  if (!served || !served.enforced) return;
  const standing = await deps.authorizer.standing(served.organization_id, user.id);
  const now = deps.clock();
  const isAdmin = standing.member && standing.grants.some((g) => g.scope.type === 'organization' && g.role === 'admin' && (g.expires_at === null || g.expires_at > now));
  if (isAdmin) return;
  throw new PermissionDeniedError(`Sign-in for ${domain} goes through its identity provider: use "Sign in with SSO".`, 'sso_required');
}
