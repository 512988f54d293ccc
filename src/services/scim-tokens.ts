import { newId } from '../lib/ids.ts';
import { newToken, sha256Hex } from '../lib/secrets.ts';
import type { ScimTokenRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../infra/clock.ts';
import type { Principal } from '../access/principal.ts';
import { actorOf, audited, type AuditLog } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import { AuthenticationError, NotFoundError, PermissionDeniedError } from './errors.ts';
import { PERMISSION_NAMES } from '../access/permissions.ts';
import type { ScimCaller } from './scim/caller.ts';
import { listing } from './listing.ts';
import type { PageRequest } from '../store/pagination.ts';

export const SCIM_TOKEN_PREFIX = 'tnt_scim_';

export interface IssuedScimToken {
  token: ScimTokenRecord;
  secret: string;
}

/**
 * The bearer tokens an organization gives its identity provider for /scim/v2/{org}. Like API keys,
 * 256 random bits shown once, only their SHA-256 kept. A token is no principal's credential: it
 * reaches the SCIM resources of its organization alone. It is looked up on every request (SCIM is
 * not a hot path), so a revoked token stops at once on every instance.
 */
export function createScimTokenService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog }) {
  const { store, clock, authorizer, audit } = deps;

  return {
    async create(principal: Principal, organizationId: string, input: { name: string }): Promise<IssuedScimToken> {
      const { standing } = await authorizer.organization(principal, organizationId, 'scim_tokens.create');
      // No escalation: a token manages every group, admins included, so only one who holds every
      // permission here (an admin) may make one; a custom role holding scim.write is not enough.
      const held = authorizer.reach(principal, standing);
      const missing = PERMISSION_NAMES.find((p) => !held.has(p));
      if (missing !== undefined) {
        throw new PermissionDeniedError(`A SCIM token can make anyone an admin: creating one needs every permission, and you do not hold ${missing}.`, 'escalation_refused');
      }
      const secret = newToken(SCIM_TOKEN_PREFIX);
      const token: ScimTokenRecord = {
        id: newId('scimtok_'),
        organization_id: organizationId,
        name: input.name,
        redacted_value: `${SCIM_TOKEN_PREFIX}...${secret.slice(-4)}`,
        created_by: principal.id,
        created_at: clock(),
        revoked_at: null,
      };
      await audited(store, audit, actorOf(principal), { type: 'scim_token.created', organizationId, resource: { type: 'scim_token', id: token.id }, data: { name: token.name } }, async (tx) => {
        await tx.scim.insertToken(token, sha256Hex(secret));
      });
      return { token, secret };
    },

    async list(principal: Principal, organizationId: string, page: PageRequest) {
      await authorizer.organization(principal, organizationId, 'scim_tokens.list');
      return listing(store.scim.listTokens(organizationId, page));
    },

    /** Answers the token as revoked; revoking it again changes nothing. */
    async revoke(principal: Principal, organizationId: string, tokenId: string): Promise<ScimTokenRecord> {
      await authorizer.organization(principal, organizationId, 'scim_tokens.revoke');
      const token = await store.scim.findToken(organizationId, tokenId);
      if (!token) throw new NotFoundError('SCIM token');
      if (token.revoked_at !== null) return token;
      const now = clock();
      await audited(store, audit, actorOf(principal), { type: 'scim_token.revoked', organizationId, resource: { type: 'scim_token', id: token.id }, data: { name: token.name } }, async (tx) => {
        await tx.scim.revokeToken(token.id, now);
      });
      return { ...token, revoked_at: now };
    },

    /** The caller a presented token stands for; unknown, revoked, or of a deleted organization: 401. */
    async authenticate(secret: string, ip: string | null): Promise<ScimCaller> {
      if (!secret.startsWith(SCIM_TOKEN_PREFIX)) throw new AuthenticationError('Send a SCIM token of this organization as "Authorization: Bearer tnt_scim_...".');
      const token = await store.scim.findTokenByHash(sha256Hex(secret));
      if (!token || token.revoked_at !== null || !(await store.organizations.find(token.organization_id))) {
        throw new AuthenticationError('The SCIM token is unknown or revoked.');
      }
      return { tokenId: token.id, organizationId: token.organization_id, ip };
    },
  };
}

export type ScimTokenService = ReturnType<typeof createScimTokenService>;
