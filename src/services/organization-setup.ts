import { newId } from '../lib/ids.ts';
import type { OrganizationRecord, PrincipalRef, ProjectRecord } from '../store/records.ts';
import type { Repositories } from '../store/store.ts';
import type { AuditActor, AuditLog } from './audit.ts';

/**
 * The shape every organization starts with: built-in groups, its creator in `admins`, and a default
 * project with its own built-in groups. Signup and "create organization" both use it, inside their
 * own transaction.
 */

export const ORGANIZATION_BUILT_IN_GROUPS = [
  { name: 'admins', role: 'admin' },
  { name: 'billing_managers', role: 'billing_manager' },
] as const;

export const PROJECT_BUILT_IN_GROUPS = [
  { name: 'admins', role: 'admin' },
  { name: 'members', role: 'member' },
] as const;

export const DEFAULT_PROJECT_NAME = 'Default project';

export async function createProjectWithGroups(tx: Repositories, audit: AuditLog, actor: AuditActor, project: ProjectRecord): Promise<void> {
  await tx.projects.insert(project);
  await audit.record(tx, actor, {
    type: 'project.created',
    organizationId: project.organization_id,
    projectId: project.id,
    resource: { type: 'project', id: project.id },
    data: { name: project.name, regions: project.regions, is_default: project.is_default },
  });
  for (const group of PROJECT_BUILT_IN_GROUPS) {
    await tx.groups.insert({
      id: newId('grp_'),
      organization_id: project.organization_id,
      scope: { type: 'project', id: project.id },
      name: group.name,
      role: group.role,
      custom_role: null,
      built_in: true,
      created_at: project.created_at,
    });
  }
}

export async function createOrganizationWithDefaults(
  tx: Repositories,
  audit: AuditLog,
  actor: AuditActor,
  input: { name: string; personal: boolean; creator: PrincipalRef; region: string; now: number },
): Promise<{ organization: OrganizationRecord; project: ProjectRecord }> {
  const organization: OrganizationRecord = { id: newId('org_'), name: input.name, personal: input.personal, created_at: input.now, api_key_creator_removal: 'revoke' };
  await tx.organizations.insert(organization, input.personal ? input.creator.id : null);
  await audit.record(tx, actor, {
    type: 'organization.created',
    organizationId: organization.id,
    resource: { type: 'organization', id: organization.id },
    data: { name: organization.name, personal: organization.personal },
  });
  await tx.organizations.addMember(organization.id, input.creator, input.now);
  for (const group of ORGANIZATION_BUILT_IN_GROUPS) {
    const record = {
      id: newId('grp_'),
      organization_id: organization.id,
      scope: { type: 'organization' as const, id: organization.id },
      name: group.name,
      role: group.role,
      custom_role: null,
      built_in: true,
      created_at: input.now,
    };
    await tx.groups.insert(record);
    if (group.role === 'admin') await tx.groups.addMember(record, input.creator, null, input.now);
  }
  const project: ProjectRecord = {
    id: newId('proj_'),
    organization_id: organization.id,
    name: DEFAULT_PROJECT_NAME,
    regions: [input.region],
    is_default: true,
    status: 'active',
    created_at: input.now,
    archived_at: null,
  };
  await createProjectWithGroups(tx, audit, actor, project);
  return { organization, project };
}
