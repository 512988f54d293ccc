import type { Command } from 'commander';
import type { List, Role } from '../../http/schemas/api-types.ts';
import { UsageError } from '../client/api.ts';
import { example, list, run } from '../client/context.ts';

const ORG = ['--org <id>', 'organization (default: `tenantry use org`)'] as const;

/** `files.read,files.write` or repeated flags: the permission names a role holds. */
const permissionList = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((p) => p.trim()).filter(Boolean)];

/**
 * An API key's --permissions: `all`, `read_only`, or a restricted key's `resource=level` pairs
 * (`files=read,inference=write`), as the API's map of resource to none|read|write.
 */
export function keyPermissions(spec: string): string | Record<string, string> {
  if (spec === 'all' || spec === 'read_only') return spec;
  const map: Record<string, string> = {};
  for (const pair of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z_]+)=(none|read|write)$/.exec(pair);
    if (!match) throw new UsageError(`--permissions: "${pair}" is not resource=none|read|write (e.g. files=read,inference=write), all or read_only`);
    map[match[1]!] = match[2]!;
  }
  if (Object.keys(map).length === 0) throw new UsageError('--permissions: name at least one resource=level, or all, or read_only');
  return map;
}

/** Custom roles of an organization, and its built-in roles. */
export function roleCommands(program: Command): void {
  const roles = program.command('roles').description("An organization's roles: built-in and custom.");
  example(roles.command('list').description('List the custom roles, then the built-in ones.').option(...ORG), 'tenantry roles list').action(
    run(async ({ api, out, org }) => {
      const page = await api.request<List<Role>>('GET', `/v1/organizations/${org()}/roles?limit=100`);
      // The full lists are long (an admin holds everything): `roles get` shows one role's.
      const rows = list(page).map((r) => ({ ...r, permissions: r.permissions.length }));
      out.print(page, rows, ['id', 'name', 'scope', 'built_in', 'permissions']);
    }),
  );
  example(roles.command('get <id>').description('Show a role and its permissions.').option(...ORG), 'tenantry roles get role_abc').action(
    run(async ({ api, out, org }, id: string) => {
      const role = await api.request<Role>('GET', `/v1/organizations/${org()}/roles/${id}`);
      out.print(role, [role], ['id', 'name', 'scope', 'built_in', 'permissions']);
    }),
  );
  example(
    roles
      .command('create <name>')
      .description('Create a custom role from catalogue permissions (see GET /v1/permissions).')
      .requiredOption('--permission <names>', 'permission names, comma-separated or repeated', permissionList)
      .option('--scope <scope>', 'organization or project (default: organization when a permission is one)')
      .option('--description <text>')
      .option(...ORG),
    'tenantry roles create "Fine-tuner" --permission project.read,files.read,files.write,fine_tuning.read,fine_tuning.write',
  ).action(
    run(async ({ api, out, org }, name: string, options: { permission: string[]; scope?: string; description?: string }) => {
      const body = { name, permissions: options.permission, ...(options.scope ? { scope: options.scope } : {}), ...(options.description ? { description: options.description } : {}) };
      const role = await api.request<Role>('POST', `/v1/organizations/${org()}/roles`, { body });
      out.print(role, [role], ['id', 'name', 'scope', 'permissions']);
    }),
  );
  example(
    roles
      .command('update <id>')
      .description('Rename a custom role or replace its permissions; every holder sees the change at once.')
      .option('--name <name>')
      .option('--description <text>')
      .option('--permission <names>', 'the new permission names, comma-separated or repeated', permissionList)
      .option(...ORG),
    'tenantry roles update role_abc --permission project.read,files.read',
  ).action(
    run(async ({ api, out, org }, id: string, options: { name?: string; description?: string; permission?: string[] }) => {
      const body = { ...(options.name ? { name: options.name } : {}), ...(options.description !== undefined ? { description: options.description } : {}), ...(options.permission ? { permissions: options.permission } : {}) };
      if (Object.keys(body).length === 0) throw new UsageError('nothing to change: pass --name, --description or --permission');
      const role = await api.request<Role>('PATCH', `/v1/organizations/${org()}/roles/${id}`, { body });
      out.print(role, [role], ['id', 'name', 'scope', 'permissions']);
    }),
  );
  example(roles.command('delete <id>').description('Delete a custom role no group holds.').option(...ORG), 'tenantry roles delete role_abc').action(
    run(async ({ api, out, org }, id: string) => out.print(await api.request('DELETE', `/v1/organizations/${org()}/roles/${id}`))),
  );
}
