import type { Permission } from '../access/permissions.ts';

/**
 * The one place that says which permission each use case needs. A service checks a use case by its
 * name (`authorizer.project(principal, projectId, 'files.delete')`), and the route that calls it declares
 * the same name (`needs('files.delete')`): the permission is written here alone, so what a route
 * declares and what its service checks cannot differ. Names are `<service>.<use case>`, after the
 * service method (`services.files.delete`).
 *
 * A use case that decides by case (a member leaving needs less than one removing another) has one entry
 * per case; its route declares the strongest, and the use case's comment says the rule.
 */
export const USE_CASES = {
  'organizations.get': 'organization.read',
  /** An organization key lists just its own organization (the route is open to any signed-in principal). */
  'organizations.list_through_key': 'organization.read',
  'organizations.update': 'organization.write',
  'organizations.delete': 'organization.write',

  'members.list': 'members.read',
  'members.remove': 'members.write',
  /** A member may always leave (members.remove on itself); its route declares members.remove. */
  'members.leave': 'organization.read',

  'organization_groups.read': 'organization.read',
  'organization_groups.write': 'groups.write',
  'organization_groups.members.read': 'groups.members.read',
  'project_groups.read': 'project.read',
  'project_groups.write': 'project.groups.write',
  'project_groups.members.read': 'project.access.read',

  'roles.list': 'roles.read',
  'roles.get': 'roles.read',
  'roles.create': 'roles.write',
  'roles.update': 'roles.write',
  'roles.delete': 'roles.write',

  'projects.create': 'projects.create',
  'projects.list': 'organization.read',
  'projects.get': 'project.read',
  'projects.update': 'project.write',
  'projects.archive': 'project.write',

  'access.check': 'access.check',
  /** Any member may ask about its own access (access.check on itself); its route declares access.check. */
  'access.check_self': 'organization.read',
  'access.who_has_access': 'project.access.read',

  'invitations.create': 'invitations.write',
  'invitations.list': 'invitations.read',
  'invitations.revoke': 'invitations.write',
  'invitations.resend': 'invitations.write',

  'service_accounts.create': 'service_accounts.write',
  'service_accounts.list': 'service_accounts.read',
  'service_accounts.get': 'service_accounts.read',
  'service_accounts.delete': 'service_accounts.write',

  'api_keys.create_for_project': 'api_keys.write',
  'api_keys.list_for_project': 'api_keys.read',
  'api_keys.get_for_project': 'api_keys.read',
  'api_keys.revoke_for_project': 'api_keys.write',
  'api_keys.rotate_for_project': 'api_keys.write',
  /** Within the project key use cases: whoever holds this sees everyone's keys, others only their own. */
  'api_keys.see_everyones': 'api_keys.manage',
  'api_keys.create_for_organization': 'service_accounts.write',
  'api_keys.list_for_organization': 'service_accounts.read',
  'api_keys.revoke_for_organization': 'service_accounts.write',

  'audit.list': 'audit_logs.read',
  'audit.verify': 'audit_logs.read',

  'scim_tokens.create': 'scim.write',
  'scim_tokens.list': 'scim.read',
  'scim_tokens.revoke': 'scim.write',

  'usage.organization': 'usage.read',

  'sso_connections.create': 'sso.write',
  'sso_connections.list': 'sso.read',
  'sso_connections.get': 'sso.read',
  'sso_connections.update': 'sso.write',
  'sso_connections.delete': 'sso.write',
  'sso_connections.verify_domain': 'sso.write',
  'sso_connections.create_mapping': 'sso.write',
  'sso_connections.list_mappings': 'sso.read',
  'sso_connections.get_mapping': 'sso.read',
  'sso_connections.delete_mapping': 'sso.write',
  'usage.project': 'project.read',
  'usage.organization_spend': 'usage.read',
  'usage.project_spend': 'project.read',

  'budgets.list_for_organization': 'budgets.read',
  'budgets.get_for_organization': 'budgets.read',
  'budgets.create_for_organization': 'budgets.write',
  'budgets.update_for_organization': 'budgets.write',
  'budgets.delete_for_organization': 'budgets.write',
  'budgets.list_for_project': 'project.budgets.read',
  'budgets.get_for_project': 'project.budgets.read',
  'budgets.effective': 'project.budgets.read',
  'budgets.create_for_project': 'project.budgets.write',
  'budgets.update_for_project': 'project.budgets.write',
  'budgets.delete_for_project': 'project.budgets.write',

  'webhooks.create': 'webhooks.write',
  'webhooks.list': 'webhooks.read',
  'webhooks.delete': 'webhooks.write',
  'webhooks.deliveries': 'webhooks.read',

  'files.begin_upload': 'files.write',
  'files.list': 'files.read',
  'files.get': 'files.read',
  'files.content': 'files.read',
  'files.delete': 'files.write',

  'datasets.create': 'datasets.write',
  'datasets.list': 'datasets.read',
  'datasets.get': 'datasets.read',
  'datasets.rows': 'datasets.read',
  'datasets.delete': 'datasets.write',

  'fine_tuning.create': 'fine_tuning.write',
  'fine_tuning.list': 'fine_tuning.read',
  'fine_tuning.get': 'fine_tuning.read',
  'fine_tuning.cancel': 'fine_tuning.write',
  'fine_tuning.events': 'fine_tuning.read',
  'fine_tuning.checkpoints': 'fine_tuning.read',

  'batches.create': 'batches.write',
  'batches.list': 'batches.read',
  'batches.get': 'batches.read',
  'batches.cancel': 'batches.write',

  'endpoints.create': 'endpoints.write',
  'endpoints.list': 'endpoints.read',
  'endpoints.get': 'endpoints.read',
  'endpoints.update': 'endpoints.write',
  'endpoints.delete': 'endpoints.write',

  'models.list': 'models.read',
  'models.get': 'models.read',

  'inference.resolve': 'inference.invoke',
  // The policy is the project admins' to read as well as to set (API.md); members see its effect in GET /v1/models.
  'inference.model_permissions': 'model_permissions.write',
  'inference.set_model_permissions': 'model_permissions.write',
  'inference.rate_limits': 'rate_limits.read',
  'inference.set_rate_limit': 'rate_limits.write',
} as const satisfies Record<string, Permission>;

export type UseCase = keyof typeof USE_CASES;

/**
 * A use case named like a permission must need that very permission, so passing a permission where a
 * use case is expected can never mean a different one. (Fails to compile otherwise.)
 */
type Mismatched = { [K in UseCase & Permission]: (typeof USE_CASES)[K] extends K ? never : K }[UseCase & Permission];
const sameWhereNamesMeet: [Mismatched] extends [never] ? true : Mismatched = true;
void sameWhereNamesMeet;

export const USE_CASE_NAMES = Object.keys(USE_CASES) as UseCase[];

export function permissionOf(useCase: UseCase): Permission {
  return USE_CASES[useCase];
}
