import type { Command } from 'commander';
import type {
  AccessCheck,
  AccessEntry,
  AuditEvent,
  AuditVerification,
  Group,
  GroupMember,
  Invitation,
  List,
  Member,
  Organization,
  Project,
  ServiceAccount,
  UsagePage,
} from '../../http/schemas/api-types.ts';
import { example, list, run } from '../client/context.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const ORG = ['--org <id>', 'organization (default: `tenantry use org`)'] as const;
const PROJECT = ['--project <id>', 'project (default: `tenantry use project`)'] as const;

/** Organizations, projects, members, groups, invitations, service accounts, access, audit, usage. */
export function organizationCommands(program: Command): void {
  const orgs = program.command('orgs').description('Organizations you belong to.');
  example(orgs.command('list').description('List your organizations.'), 'tenantry orgs list').action(
    run(async ({ api, out }) => {
      const page = await api.request<List<Organization>>('GET', '/v1/organizations?limit=100');
      out.print(page, list(page), ['id', 'name', 'personal']);
    }),
  );
  example(orgs.command('create <name>').description('Create an organization (you become its admin).'), 'tenantry orgs create "Acme"').action(
    run(async ({ api, out }, name: string) => {
      const org = await api.request<Organization>('POST', '/v1/organizations', { body: { name } });
      out.print(org, [org], ['id', 'name']);
    }),
  );
  example(orgs.command('rename <id> <name>').description('Rename an organization.'), 'tenantry orgs rename org_abc "Acme Corp"').action(
    run(async ({ api, out }, id: string, name: string) => out.print(await api.request('PATCH', `/v1/organizations/${id}`, { body: { name } }))),
  );
  example(orgs.command('delete <id>').description('Delete an empty organization (not a personal one): no other members, no live keys or resources.'), 'tenantry orgs delete org_abc').action(
    run(async ({ api, out }, id: string) => out.print(await api.request('DELETE', `/v1/organizations/${id}`))),
  );

  const projects = program.command('projects').description('Projects of an organization.');
  example(projects.command('list').description('List the projects you may read.').option(...ORG).option('--archived', 'include archived projects'), 'tenantry projects list --archived').action(
    run(async ({ api, out, org }, options: { archived?: boolean }) => {
      const page = await api.request<List<Project>>('GET', `/v1/organizations/${org()}/projects?limit=100&include_archived=${options.archived === true}`);
      out.print(page, list(page), ['id', 'name', 'regions', 'status', 'is_default']);
    }),
  );
  example(
    projects.command('create <name>').description('Create a project.').option(...ORG).option('--region <id>', 'a region (repeatable)', collect),
    'tenantry projects create Search --region eu-north1 --region eu-west1',
  ).action(
    run(async ({ api, out, org }, name: string, options: { region?: string[] }) => {
      const project = await api.request<Project>('POST', `/v1/organizations/${org()}/projects`, { body: { name, ...(options.region ? { regions: options.region } : {}) } });
      out.print(project, [project], ['id', 'name', 'regions']);
    }),
  );
  example(projects.command('get <id>').description('Show a project.'), 'tenantry projects get proj_abc').action(
    run(async ({ api, out }, id: string) => {
      const project = await api.request<Project>('GET', `/v1/projects/${id}`);
      out.print(project, [project], ['id', 'name', 'regions', 'status']);
    }),
  );
  example(projects.command('archive <id>').description('Archive a project: it refuses writes and its keys stop.'), 'tenantry projects archive proj_abc').action(
    run(async ({ api, out }, id: string) => out.print(await api.request('POST', `/v1/projects/${id}/archive`))),
  );

  const members = program.command('members').description('Members of an organization.');
  example(members.command('list').description('List members and their groups.').option(...ORG), 'tenantry members list').action(
    run(async ({ api, out, org }) => {
      const page = await api.request<List<Member>>('GET', `/v1/organizations/${org()}/members?limit=100`);
      const rows = list(page).map((m) => ({ id: m.principal.id, type: m.principal.type, email: m.principal.email ?? '', name: m.principal.name, groups: m.groups.map((g) => g.name) }));
      out.print(page, rows, ['id', 'type', 'email', 'name', 'groups']);
    }),
  );
  example(members.command('remove <principal>').description('Remove a member (or yourself: leave).').option(...ORG), 'tenantry members remove user_abc').action(
    run(async ({ api, out, org }, principal: string) => out.print(await api.request('DELETE', `/v1/organizations/${org()}/members/${principal}`))),
  );

  const groups = program.command('groups').description('Organization groups, or project groups with --project.');
  const groupScope = async (ctx: { org(): string; project(): Promise<string> }, options: { project?: string }) =>
    options.project ? `/v1/projects/${await ctx.project()}` : `/v1/organizations/${ctx.org()}`;
  example(groups.command('list').description('List groups.').option(...ORG).option(...PROJECT), 'tenantry groups list --project proj_abc').action(
    run(async (ctx, options: { project?: string }) => {
      const page = await ctx.api.request<List<Group>>('GET', `${await groupScope(ctx, options)}/groups?limit=100`);
      ctx.out.print(page, list(page), ['id', 'name', 'role', 'role_name', 'built_in']);
    }),
  );
  example(
    groups.command('create <name>').description('Create a group with a role.').requiredOption('--role <role>', 'admin, member, viewer (or billing_manager), or a custom role id (role_...)').option(...ORG).option(...PROJECT),
    'tenantry groups create researchers --role member',
  ).action(
    run(async (ctx, name: string, options: { role: string; project?: string }) => {
      const group = await ctx.api.request<Group>('POST', `${await groupScope(ctx, options)}/groups`, { body: { name, role: options.role } });
      ctx.out.print(group, [group], ['id', 'name', 'role']);
    }),
  );
  example(groups.command('delete <group>').description('Delete a custom group.').option(...ORG).option(...PROJECT), 'tenantry groups delete grp_abc').action(
    run(async (ctx, group: string, options: { project?: string }) => ctx.out.print(await ctx.api.request('DELETE', `${await groupScope(ctx, options)}/groups/${group}`))),
  );
  example(groups.command('members <group>').description("List a group's members.").option(...ORG).option(...PROJECT), 'tenantry groups members grp_abc').action(
    run(async (ctx, group: string, options: { project?: string }) => {
      const page = await ctx.api.request<List<GroupMember>>('GET', `${await groupScope(ctx, options)}/groups/${group}/members?limit=100`);
      ctx.out.print(page, list(page).map((m) => ({ id: m.principal.id, email: m.principal.email ?? '', expires_at: m.expires_at })), ['id', 'email', 'expires_at']);
    }),
  );
  example(
    groups.command('add <group> <principal>').description('Add a member (or change its expiry).').option('--expires <time>', 'ISO date or Unix seconds').option(...ORG).option(...PROJECT),
    'tenantry groups add grp_abc user_abc --expires 2027-01-01',
  ).action(
    run(async (ctx, group: string, principal: string, options: { expires?: string; project?: string }) => {
      const expires = options.expires === undefined ? undefined : /^\d+$/.test(options.expires) ? Number(options.expires) : Math.floor(Date.parse(options.expires) / 1000);
      ctx.out.print(await ctx.api.request('POST', `${await groupScope(ctx, options)}/groups/${group}/members`, { body: { principal_id: principal, ...(expires !== undefined ? { expires_at: expires } : {}) } }));
    }),
  );
  example(groups.command('remove <group> <principal>').description('Remove a member from a group.').option(...ORG).option(...PROJECT), 'tenantry groups remove grp_abc user_abc').action(
    run(async (ctx, group: string, principal: string, options: { project?: string }) =>
      ctx.out.print(await ctx.api.request('DELETE', `${await groupScope(ctx, options)}/groups/${group}/members/${principal}`)),
    ),
  );

  example(
    program
      .command('invite <email>')
      .description('Invite someone into the organization, optionally into groups.')
      .option('--group <id>', 'an organization group (repeatable)', collect)
      .option('--project-group <project:group>', 'a project group as PROJECT_ID:GROUP_ID (repeatable)', collect)
      .option(...ORG),
    'tenantry invite grace@example.com --group grp_abc',
  ).action(
    run(async ({ api, out, org }, email: string, options: { group?: string[]; projectGroup?: string[] }) => {
      const projects = (options.projectGroup ?? []).map((pair) => {
        const [project_id, group_id] = pair.split(':');
        return { project_id: project_id!, group_id: group_id! };
      });
      const invitation = await api.request<Invitation>('POST', `/v1/organizations/${org()}/invitations`, { body: { email, ...(options.group ? { group_ids: options.group } : {}), ...(projects.length ? { projects } : {}) } });
      out.print(invitation, [invitation], ['id', 'email', 'status', 'expires_at']);
    }),
  );
  const invitations = program.command('invitations').description('Invitations of an organization, or yours with --mine.');
  example(invitations.command('list').description('List invitations.').option('--mine', 'the invitations addressed to you').option('--status <status>').option(...ORG), 'tenantry invitations list --mine').action(
    run(async ({ api, out, org }, options: { mine?: boolean; status?: string }) => {
      const page = await api.request<List<Invitation>>('GET', options.mine ? '/v1/me/invitations' : `/v1/organizations/${org()}/invitations?limit=100${options.status ? `&status=${options.status}` : ''}`);
      out.print(page, list(page), ['id', 'organization_id', 'email', 'status', 'expires_at']);
    }),
  );
  for (const action of ['accept', 'decline'] as const) {
    example(invitations.command(`${action} <id>`).description(`${action === 'accept' ? 'Accept' : 'Decline'} an invitation addressed to you.`), `tenantry invitations ${action} inv_abc`).action(
      run(async ({ api, out }, id: string) => {
        const invitation = await api.request<Invitation>('POST', `/v1/me/invitations/${id}/${action}`);
        out.print(invitation, [invitation], ['id', 'organization_id', 'status']);
      }),
    );
  }
  example(invitations.command('revoke <id>').description('Revoke an invitation.').option(...ORG), 'tenantry invitations revoke inv_abc').action(
    run(async ({ api, out, org }, id: string) => out.print(await api.request('DELETE', `/v1/organizations/${org()}/invitations/${id}`))),
  );
  example(invitations.command('resend <id>').description('Resend an invitation (new expiry).').option(...ORG), 'tenantry invitations resend inv_abc').action(
    run(async ({ api, out, org }, id: string) => out.print(await api.request('POST', `/v1/organizations/${org()}/invitations/${id}/resend`))),
  );

  const accounts = program.command('service-accounts').description('Service accounts of an organization.');
  example(accounts.command('list').option(...ORG).description('List service accounts.'), 'tenantry service-accounts list').action(
    run(async ({ api, out, org }) => {
      const page = await api.request<List<ServiceAccount>>('GET', `/v1/organizations/${org()}/service_accounts?limit=100`);
      out.print(page, list(page), ['id', 'name', 'created_at']);
    }),
  );
  example(accounts.command('create <name>').option(...ORG).description('Create a service account.'), 'tenantry service-accounts create deployer').action(
    run(async ({ api, out, org }, name: string) => {
      const account = await api.request<ServiceAccount>('POST', `/v1/organizations/${org()}/service_accounts`, { body: { name } });
      out.print(account, [account], ['id', 'name']);
    }),
  );
  example(accounts.command('delete <id>').option(...ORG).description('Delete a service account and revoke its keys.'), 'tenantry service-accounts delete sa_abc').action(
    run(async ({ api, out, org }, id: string) => out.print(await api.request('DELETE', `/v1/organizations/${org()}/service_accounts/${id}`))),
  );

  const access = program.command('access').description('Who may do what, and why.');
  example(
    access.command('check <principal> <permission>').description('May this principal do this? And through which groups.').option(...ORG).option('--project <id>', 'for a project permission'),
    'tenantry access check user_abc files.write --project proj_abc',
  ).action(
    run(async ({ api, out, org }, principal: string, permission: string, options: { project?: string }) => {
      const answer = await api.request<AccessCheck>('POST', `/v1/organizations/${org()}/access/check`, { body: { principal_id: principal, permission, ...(options.project ? { project_id: options.project } : {}) } });
      out.print(answer, answer.reasons.length ? answer.reasons.map((r) => ({ allowed: answer.allowed, group: r.group_name, role: r.role, scope: `${r.scope.type}:${r.scope.id}` })) : [{ allowed: answer.allowed, group: '', role: '', scope: '' }], ['allowed', 'group', 'role', 'scope']);
    }),
  );
  example(access.command('who').description('Who has access to a project, and why.').option(...PROJECT), 'tenantry access who --project proj_abc').action(
    run(async (ctx) => {
      const page = await ctx.api.request<List<AccessEntry>>('GET', `/v1/projects/${await ctx.project()}/access`);
      ctx.out.print(page, list(page).map((e) => ({ id: e.principal.id, email: e.principal.email ?? '', role: e.role, via: e.via.map((v) => v.group_id) })), ['id', 'email', 'role', 'via']);
    }),
  );

  const audit = program.command('audit').description("An organization's audit log.");
  example(
    audit
      .command('list')
      .description('List events, newest first.')
      .option(...ORG)
      .option('--type <type>')
      .option('--actor <id>')
      .option('--project <id>')
      .option('--resource <id>')
      .option('--since <unix>')
      .option('--until <unix>')
      .option('--limit <n>', 'at most 100', '20'),
    'tenantry audit list --type api_key.created',
  ).action(
    run(async ({ api, out, org }, options: Record<string, string | undefined>) => {
      const query = new URLSearchParams({ limit: options.limit ?? '20' });
      for (const [option, param] of [['type', 'type'], ['actor', 'actor_id'], ['project', 'project_id'], ['resource', 'resource_id'], ['since', 'since'], ['until', 'until']] as const) {
        if (options[option]) query.set(param, options[option]!);
      }
      const page = await api.request<List<AuditEvent>>('GET', `/v1/organizations/${org()}/audit_logs?${query}`);
      out.print(page, list(page).map((e) => ({ seq: e.seq, type: e.type, actor: e.actor.id ?? e.actor.type, resource: e.resource, created_at: e.created_at })), ['seq', 'type', 'actor', 'resource', 'created_at']);
    }),
  );
  example(audit.command('verify').description('Recompute the hash chain.').option(...ORG), 'tenantry audit verify').action(
    run(async ({ api, out, org }) => {
      const answer = await api.request<AuditVerification>('GET', `/v1/organizations/${org()}/audit_logs/verify`);
      out.print(answer, [answer], ['ok', 'count', 'first_broken_id']);
      if (!answer.ok) process.exitCode = 1;
    }),
  );

  example(
    program
      .command('usage')
      .description("Token usage of an organization, or of a project with --project.")
      .option(...ORG)
      .option('--project <id>')
      .option('--since <unix>', 'start time (default: 7 days ago)')
      .option('--bucket <width>', '1m, 1h or 1d', '1d')
      .option('--group-by <fields>', 'project_id,api_key_id,model', 'model'),
    'tenantry usage --group-by model,api_key_id',
  ).action(
    run(async ({ api, out, org }, options: { project?: string; since?: string; bucket: string; groupBy: string }) => {
      const since = options.since ?? String(Math.floor(Date.now() / 1000) - 7 * 86400);
      const query = `start_time=${since}&bucket_width=${options.bucket}&group_by=${encodeURIComponent(options.groupBy)}`;
      const page = await api.request<UsagePage>('GET', options.project ? `/v1/projects/${options.project}/usage?${query}` : `/v1/organizations/${org()}/usage?${query}`);
      const rows = page.data.flatMap((b) => b.results.map((r) => ({ start: b.start_time, ...r })));
      out.print(page, rows, ['start', 'project_id', 'api_key_id', 'model', 'num_model_requests', 'input_tokens', 'output_tokens']);
    }),
  );
}
