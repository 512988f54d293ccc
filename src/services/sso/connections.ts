import type { SsoSettings } from '../../config.ts';
import type { Clock } from '../../infra/clock.ts';
import type { TxtLookup } from '../../infra/dns-txt.ts';
import { newId, randomBase62 } from '../../lib/ids.ts';
import { sealWithSecret } from '../../lib/secrets.ts';
import { isUniqueViolation } from '../../store/executor.ts';
import type { PageRequest } from '../../store/pagination.ts';
import type { GroupRecord } from '../../store/records.ts';
import type { SsoConnectionRecord, SsoDomainRecord, SsoGroupMappingRecord } from '../../store/sso.ts';
import type { Repositories, Store } from '../../store/store.ts';
import type { Principal } from '../../access/principal.ts';
import type { Standing } from '../authorizer.ts';
import { actorOf, type AuditLog, audited } from '../audit.ts';
import type { Authorizer } from '../authorizer.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors.ts';
import { assertMayGrant } from '../grant-check.ts';
import { listing } from '../listing.ts';
import { dnsChallenge, domainOfEmail, isDomain, normalizeDomain } from './domains.ts';

/** The purpose the client secret is sealed under (see lib/secrets.ts). */
export const CLIENT_SECRET_PURPOSE = 'sso_client_secret';
const MAX_DOMAINS = 50;

export interface ConnectionInput {
  name: string;
  issuer: string;
  client_id: string;
  client_secret?: string | null | undefined;
  domains?: string[] | undefined;
  default_group_ids?: string[] | undefined;
  enforced?: boolean | undefined;
}

export type DomainProof = 'operator' | 'admin_email' | 'dns';

/**
 * An organization's SSO connections: the OIDC client Tenantry is at the organization's identity
 * provider, the email domains it serves (each proven before sign-ins use it), the groups a person
 * joins with, and the mapping of the provider's groups to Tenantry groups.
 */
export function createSsoConnectionService(deps: {
  store: Store;
  clock: Clock;
  authorizer: Authorizer;
  audit: AuditLog;
  secret: string;
  settings: SsoSettings;
  lookupTxt: TxtLookup;
}) {
  const { store, clock, authorizer, audit, settings } = deps;

  async function find(organizationId: string, id: string): Promise<SsoConnectionRecord> {
    const connection = await store.sso.findConnection(id);
    if (!connection || connection.organization_id !== organizationId) throw new NotFoundError('SSO connection');
    return connection;
  }

  function validateIssuer(issuer: string): string {
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      throw new InvalidRequestError('issuer must be a URL.', 'issuer');
    }
    const allowed = url.protocol === 'https:' || (settings.allowHttpIssuers && url.protocol === 'http:');
    if (!allowed) throw new InvalidRequestError('issuer must be an https:// URL.', 'issuer', 'insecure_issuer');
    if (url.search || url.hash || url.username || url.password) throw new InvalidRequestError('issuer must not carry a query, fragment or credentials.', 'issuer');
    return issuer.replace(/\/$/, '');
  }

  function validateDomains(domains: string[]): string[] {
    const normalized = [...new Set(domains.map(normalizeDomain))];
    if (normalized.length > MAX_DOMAINS) throw new InvalidRequestError(`A connection serves at most ${MAX_DOMAINS} domains.`, 'domains');
    for (const domain of normalized) {
      if (!isDomain(domain)) throw new InvalidRequestError(`"${domain}" is not a domain name.`, 'domains');
    }
    return normalized;
  }

  /** The groups must be this organization's, and the caller must be able to grant each of them. */
  async function validateGroups(principal: Principal, standing: Standing, organizationId: string, groupIds: string[], param: string): Promise<GroupRecord[]> {
    const groups: GroupRecord[] = [];
    for (const id of new Set(groupIds)) {
      const group = await store.groups.find(id);
      if (!group || group.organization_id !== organizationId) throw new InvalidRequestError(`${id} is not a group of this organization.`, param, 'unknown_group');
      assertMayGrant(authorizer, principal, standing, group);
      groups.push(group);
    }
    return groups;
  }

  /** How the domain is proven for this organization without DNS, if it is: the operator's word, or the admin's own verified email. */
  async function proofWithoutDns(principal: Principal, organizationId: string, domain: string): Promise<DomainProof | undefined> {
    if (settings.verifiedDomains.some((d) => d.domain === domain && d.organizationId === organizationId)) return 'operator';
    if (principal.type !== 'user') return undefined;
    const user = await store.users.findById(principal.id);
    if (user && user.email_verified && domainOfEmail(user.email) === domain) return 'admin_email';
    return undefined;
  }

  /** The proof each new domain already has, read before the change's transaction (which must not wait on another connection). */
  async function proofsOf(principal: Principal, connection: Pick<SsoConnectionRecord, 'organization_id' | 'domains'>, wanted: string[]): Promise<Map<string, DomainProof>> {
    const proofs = new Map<string, DomainProof>();
    for (const domain of wanted) {
      if (connection.domains.some((d) => d.domain === domain)) continue;
      const proof = await proofWithoutDns(principal, connection.organization_id, domain);
      if (proof) proofs.set(domain, proof);
    }
    return proofs;
  }

  /** Adds new domains (verifying those already proven) and drops the ones no longer listed. */
  async function applyDomains(tx: Repositories, proofs: Map<string, DomainProof>, connection: SsoConnectionRecord, wanted: string[], now: number): Promise<string[]> {
    const verified: string[] = [];
    for (const existing of connection.domains) {
      if (!wanted.includes(existing.domain)) await tx.sso.deleteDomain(connection.id, existing.domain);
    }
    for (const domain of wanted) {
      if (connection.domains.some((d) => d.domain === domain)) continue;
      const proof = proofs.get(domain);
      const taken = proof ? await tx.sso.domainClaimed(domain) : false;
      const record: SsoDomainRecord = {
        domain,
        verification_token: randomBase62(32),
        verified_at: proof && !taken ? now : null,
        verified_by: proof && !taken ? proof : null,
        created_at: now,
      };
      await tx.sso.insertDomain(connection, record);
      if (record.verified_at !== null) verified.push(domain);
    }
    return verified;
  }

  const about = (connection: SsoConnectionRecord) => ({ organizationId: connection.organization_id, resource: { type: 'sso_connection', id: connection.id } });
  /** What an audit event says of a connection: never its secret, only whether it has one. */
  const described = (connection: SsoConnectionRecord) => ({
    name: connection.name,
    issuer: connection.issuer,
    client_id: connection.client_id,
    client_secret_set: connection.client_secret_sealed !== null,
    default_group_ids: connection.default_group_ids,
    enforced: connection.enforced,
  });

  function domainConflict(): ConflictError {
    return new ConflictError('This domain is already verified for another SSO connection.', 'domain_taken', 'domain');
  }

  return {
    async create(principal: Principal, organizationId: string, input: ConnectionInput): Promise<SsoConnectionRecord> {
      const { standing } = await authorizer.organization(principal, organizationId, 'sso_connections.create');
      const issuer = validateIssuer(input.issuer);
      const domains = validateDomains(input.domains ?? []);
      const defaults = await validateGroups(principal, standing, organizationId, input.default_group_ids ?? [], 'default_group_ids');
      const now = clock();
      const proofs = await proofsOf(principal, { organization_id: organizationId, domains: [] }, domains);
      const connection: SsoConnectionRecord = {
        id: newId('sso_'),
        organization_id: organizationId,
        name: input.name,
        issuer,
        client_id: input.client_id,
        client_secret_sealed: input.client_secret ? sealWithSecret(deps.secret, CLIENT_SECRET_PURPOSE, input.client_secret) : null,
        default_group_ids: defaults.map((g) => g.id),
        enforced: input.enforced ?? false,
        domains: [],
        created_at: now,
        updated_at: now,
      };
      await audited<string[]>(store, audit, actorOf(principal), (verified) => ({ type: 'sso_connection.created', ...about(connection), data: { ...described(connection), domains, verified_domains: verified } }), async (tx) => {
        await tx.sso.insertConnection(connection);
        return applyDomains(tx, proofs, connection, domains, now);
      });
      return find(organizationId, connection.id);
    },

    async list(principal: Principal, organizationId: string, page: PageRequest) {
      await authorizer.organization(principal, organizationId, 'sso_connections.list');
      return listing(store.sso.listConnections(organizationId, page));
    },

    async get(principal: Principal, organizationId: string, id: string): Promise<SsoConnectionRecord> {
      await authorizer.organization(principal, organizationId, 'sso_connections.get');
      return find(organizationId, id);
    },

    /** `client_secret: null` removes the secret (a public client); absent keeps it. */
    async update(principal: Principal, organizationId: string, id: string, input: Partial<ConnectionInput>): Promise<SsoConnectionRecord> {
      const { standing } = await authorizer.organization(principal, organizationId, 'sso_connections.update');
      const current = await find(organizationId, id);
      const issuer = input.issuer !== undefined ? validateIssuer(input.issuer) : current.issuer;
      const domains = input.domains !== undefined ? validateDomains(input.domains) : current.domains.map((d) => d.domain);
      const defaults =
        input.default_group_ids !== undefined ? (await validateGroups(principal, standing, organizationId, input.default_group_ids, 'default_group_ids')).map((g) => g.id) : current.default_group_ids;
      const next: SsoConnectionRecord = {
        ...current,
        name: input.name ?? current.name,
        issuer,
        client_id: input.client_id ?? current.client_id,
        client_secret_sealed:
          input.client_secret === undefined ? current.client_secret_sealed : input.client_secret === null ? null : sealWithSecret(deps.secret, CLIENT_SECRET_PURPOSE, input.client_secret),
        default_group_ids: defaults,
        enforced: input.enforced ?? current.enforced,
        updated_at: clock(),
      };
      const proofs = await proofsOf(principal, current, domains);
      const changed = Object.keys(input).filter((k) => k !== 'client_secret');
      await audited<string[]>(
        store,
        audit,
        actorOf(principal),
        (verified) => ({
          type: 'sso_connection.updated',
          ...about(next),
          data: { ...described(next), changed: [...changed, ...(input.client_secret !== undefined ? ['client_secret'] : [])], domains, verified_domains: verified },
        }),
        async (tx) => {
          await tx.sso.updateConnection(next);
          // People of another issuer are other people, even where their subjects look alike.
          if (issuer !== current.issuer) await tx.sso.forgetIdentities(current.id);
          return applyDomains(tx, proofs, current, domains, next.updated_at);
        },
      );
      return find(organizationId, id);
    },

    async delete(principal: Principal, organizationId: string, id: string): Promise<void> {
      await authorizer.organization(principal, organizationId, 'sso_connections.delete');
      const connection = await find(organizationId, id);
      await audited(store, audit, actorOf(principal), { type: 'sso_connection.deleted', ...about(connection), data: { name: connection.name, issuer: connection.issuer } }, (tx) =>
        tx.sso.deleteConnection(id),
      );
    },

    /**
     * Proves a domain of the connection: by the operator's configuration, by the caller's own verified
     * email in that domain, or by the TXT record `_tenantry-verification.<domain>` holding the token.
     */
    async verifyDomain(principal: Principal, organizationId: string, id: string, rawDomain: string): Promise<SsoConnectionRecord> {
      await authorizer.organization(principal, organizationId, 'sso_connections.verify_domain');
      const connection = await find(organizationId, id);
      const domain = normalizeDomain(rawDomain);
      const record = connection.domains.find((d) => d.domain === domain);
      if (!record) throw new InvalidRequestError('The connection does not list this domain; add it to domains first.', 'domain', 'unknown_domain');
      if (record.verified_at !== null) return connection;
      let proof = await proofWithoutDns(principal, organizationId, domain);
      if (!proof) {
        const challenge = dnsChallenge(domain, record.verification_token);
        const records = await deps.lookupTxt(challenge.name);
        if (records.includes(challenge.value)) proof = 'dns';
      }
      if (!proof) {
        throw new ConflictError(
          `The domain ${domain} could not be proven: publish the TXT record ${dnsChallenge(domain, record.verification_token).name} with the value shown on the connection, ` +
            'sign in with a verified email of that domain, or ask the server operator to list it under sso.verified_domains.',
          'domain_not_verified',
          'domain',
        );
      }
      const how = proof;
      try {
        await audited(store, audit, actorOf(principal), { type: 'sso_domain.verified', ...about(connection), data: { domain, method: how } }, async (tx) => {
          if (await tx.sso.domainClaimed(domain)) throw domainConflict();
          await tx.sso.markDomainVerified(id, domain, clock(), how);
        });
      } catch (error) {
        throw isUniqueViolation(error) ? domainConflict() : error;
      }
      return find(organizationId, id);
    },

    async createMapping(principal: Principal, organizationId: string, id: string, input: { idp_group: string; group_id: string }): Promise<SsoGroupMappingRecord> {
      const { standing } = await authorizer.organization(principal, organizationId, 'sso_connections.create_mapping');
      const connection = await find(organizationId, id);
      await validateGroups(principal, standing, organizationId, [input.group_id], 'group_id');
      const mapping: SsoGroupMappingRecord = { id: newId('ssomap_'), connection_id: connection.id, organization_id: organizationId, idp_group: input.idp_group, group_id: input.group_id, created_at: clock() };
      const taken = () => new ConflictError('This IdP group is already mapped to this group.', 'mapping_exists', 'idp_group');
      try {
        await audited(store, audit, actorOf(principal), { type: 'sso_group_mapping.created', organizationId, resource: { type: 'sso_group_mapping', id: mapping.id }, data: { connection_id: id, idp_group: mapping.idp_group, group_id: mapping.group_id } }, async (tx) => {
          if (await tx.sso.mappingExists(id, input.idp_group, input.group_id)) throw taken();
          await tx.sso.insertMapping(mapping);
        });
      } catch (error) {
        throw isUniqueViolation(error) ? taken() : error;
      }
      return mapping;
    },

    async listMappings(principal: Principal, organizationId: string, id: string, page: PageRequest) {
      await authorizer.organization(principal, organizationId, 'sso_connections.list_mappings');
      await find(organizationId, id);
      return listing(store.sso.listMappings(id, page));
    },

    async getMapping(principal: Principal, organizationId: string, id: string, mappingId: string): Promise<SsoGroupMappingRecord> {
      await authorizer.organization(principal, organizationId, 'sso_connections.get_mapping');
      await find(organizationId, id);
      const mapping = await store.sso.findMapping(mappingId);
      if (!mapping || mapping.connection_id !== id) throw new NotFoundError('group mapping');
      return mapping;
    },

    /** Later sign-ins no longer add anyone through it; memberships it made are removed at each person's next sign-in. */
    async deleteMapping(principal: Principal, organizationId: string, id: string, mappingId: string): Promise<void> {
      await authorizer.organization(principal, organizationId, 'sso_connections.delete_mapping');
      await find(organizationId, id);
      const mapping = await store.sso.findMapping(mappingId);
      if (!mapping || mapping.connection_id !== id) throw new NotFoundError('group mapping');
      await audited(store, audit, actorOf(principal), { type: 'sso_group_mapping.deleted', organizationId, resource: { type: 'sso_group_mapping', id: mappingId }, data: { connection_id: id, idp_group: mapping.idp_group, group_id: mapping.group_id } }, (tx) =>
        tx.sso.deleteMapping(mappingId),
      );
    },
  };
}

export type SsoConnectionService = ReturnType<typeof createSsoConnectionService>;
