import type { PageRequest } from '../store/pagination.ts';
import type { OrganizationContents } from '../store/organization-contents.ts';
import type { OrganizationRecord } from '../store/records.ts';
import type { ApiKeyCreatorRemoval } from '../store/schema.ts';
import type { Repositories, Store } from '../store/store.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { ConflictError, PermissionDeniedError } from './errors.ts';
import { createOrganizationWithDefaults } from './organization-setup.ts';
import type { Principal } from '../access/principal.ts';
import { listing } from './listing.ts';

const counted = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

const listed = (parts: string[]): string => (parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`);

/** "2 other members and 3 files in 1 project", or null when nothing remains. */
function describeRemaining(contents: OrganizationContents): string | null {
  const resources = [
    [contents.apiKeys, 'API key', 'API keys'],
    [contents.files, 'file', 'files'],
    [contents.datasets, 'dataset', 'datasets'],
    [contents.fineTuningJobs, 'unfinished fine-tuning job', 'unfinished fine-tuning jobs'],
    [contents.endpoints, 'dedicated endpoint', 'dedicated endpoints'],
  ] as const;
  const held = resources.filter(([n]) => n > 0).map(([n, one, many]) => counted(n, one, many));
  const parts: string[] = [];
  if (contents.otherMembers > 0) parts.push(counted(contents.otherMembers, 'other member', 'other members'));
  if (held.length > 0) {
    const inProjects = ` in ${counted(contents.projects, 'project', 'projects')}`;
    // The project count belongs to the resources, so it follows the last of them.
    held[held.length - 1] += inProjects;
    parts.push(...held);
  }
  return parts.length === 0 ? null : listed(parts);
}

/**
 * An organization is deleted only once it is empty: no member but the one deleting it, and no project
 * holding a live resource. Call inside the deleting transaction: it locks the organization, which
 * joining (accepting an invitation, creating a service account) also locks, so no member can join
 * between the check and the delete.
 */
async function assertOrganizationEmpty(tx: Repositories, organizationId: string, callerId: string, now: number): Promise<void> {
  await tx.organizations.lock(organizationId);
  const remaining = describeRemaining(await tx.organizationContents.of(organizationId, callerId, now));
  if (remaining !== null) {
    throw new ConflictError(`The organization still has ${remaining}; remove them first.`, 'organization_not_empty');
  }
}

export function createOrganizationService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog; defaultRegion: string }) {
  const { store, clock, authorizer, audit } = deps;

  return {
    async create(principal: Principal, input: { name: string }): Promise<OrganizationRecord> {
      if (principal.type !== 'user' || principal.credential.kind !== 'session') {
        throw new PermissionDeniedError('Organizations are created by a signed-in user, not through an API key.');
      }
      const { organization } = await store.transaction((tx) =>
        createOrganizationWithDefaults(tx, audit, actorOf(principal), {
          name: input.name,
          personal: false,
          creator: { type: principal.type, id: principal.id },
          region: deps.defaultRegion,
          now: clock(),
        }),
      );
      return organization;
    },

    async list(principal: Principal, page: PageRequest) {
      if (principal.credential.kind === 'api_key') {
        const { organization } = await authorizer.organization(principal, principal.credential.organizationId, 'organizations.list_through_key');
        return { items: page.after ? [] : [organization], hasMore: false };
      }
      return listing(store.organizations.listForPrincipal(principal.id, page));
    },

    async get(principal: Principal, organizationId: string): Promise<OrganizationRecord> {
      return (await authorizer.organization(principal, organizationId, 'organizations.get')).organization;
    },

    /** Renames the organization and/or chooses what removing a member does to the keys it made for service accounts. */
    async update(principal: Principal, organizationId: string, input: { name?: string | undefined; api_key_creator_removal?: ApiKeyCreatorRemoval | undefined }): Promise<OrganizationRecord> {
      const { organization } = await authorizer.organization(principal, organizationId, 'organizations.update');
      const { name, api_key_creator_removal: removal } = input;
      const data: Record<string, unknown> = {};
      if (name !== undefined) Object.assign(data, { name, previous_name: organization.name });
      if (removal !== undefined) {
        Object.assign(data, { api_key_creator_removal: removal, previous_api_key_creator_removal: organization.api_key_creator_removal });
      }
      if (Object.keys(data).length === 0) return organization;
      await audited(store, audit, actorOf(principal), { type: 'organization.updated', organizationId, resource: { type: 'organization', id: organizationId }, data }, async (tx) => {
        if (name !== undefined) await tx.organizations.rename(organizationId, name);
        if (removal !== undefined) await tx.organizations.setApiKeyCreatorRemoval(organizationId, removal);
      });
      authorizer.invalidateOrganization(organizationId);
      return { ...organization, name: name ?? organization.name, api_key_creator_removal: removal ?? organization.api_key_creator_removal };
    },

    async delete(principal: Principal, organizationId: string): Promise<void> {
      const { organization } = await authorizer.organization(principal, organizationId, 'organizations.delete');
      if (organization.personal) {
        throw new ConflictError('A personal organization cannot be deleted.', 'personal_organization');
      }
      const now = clock();
      await audited(store, audit, actorOf(principal), { type: 'organization.deleted', organizationId, resource: { type: 'organization', id: organizationId } }, async (tx) => {
        await assertOrganizationEmpty(tx, organizationId, principal.id, now);
        await tx.organizations.markDeleted(organizationId, now);
      });
      authorizer.invalidateOrganization(organizationId);
      for (const projectId of await store.projects.idsInOrganization(organizationId)) authorizer.invalidateProject(projectId);
    },
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
