import type { Command } from 'commander';
import type { List, SsoConnection, SsoGroupMapping } from '../../http/schemas/api-types.ts';
import { readStdin } from '../client/prompt.ts';
import { example, list, run } from '../client/context.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const ORG = ['--org <id>', 'organization (default: `tenantry use org`)'] as const;


const row = (c: SsoConnection) => ({ id: c.id, name: c.name, issuer: c.issuer, enforced: c.enforced, domains: c.domains.map((d) => `${d.domain}${d.verified ? '' : ' (unverified)'}`) });

/** Single sign-on: an organization's OIDC connections and their group mappings. */
export function ssoCommands(program: Command): void {
  const sso = program.command('sso').description('Single sign-on (OIDC) for an organization.');
  const connections = sso.command('connections').description('The organization\'s SSO connections.');
  example(connections.command('list').description('List SSO connections.').option(...ORG), 'tenantry sso connections list').action(
    run(async ({ api, out, org }) => {
      const page = await api.request<List<SsoConnection>>('GET', `/v1/organizations/${org()}/sso_connections?limit=100`);
      out.print(page, list(page).map(row), ['id', 'name', 'issuer', 'enforced', 'domains']);
    }),
  );
  example(
    connections
      .command('create')
      .description('Connect an OpenID provider (the redirect URI to register there is in the answer).')
      .requiredOption('--issuer <url>', 'the provider\'s issuer URL')
      .requiredOption('--client-id <id>', 'Tenantry\'s client id at the provider')
      .option('--client-secret-stdin', 'read the client secret from standard input')
      .option('--name <name>', 'a name for the connection')
      .option('--domain <domain>', 'an email domain it signs in (repeatable)', collect)
      .option('--default-group <id>', 'a group people join at first sign-in (repeatable)', collect)
      .option('--enforced', 'refuse password sign-in for the domains (org admins keep it)')
      .option(...ORG),
    'echo "$SECRET" | tenantry sso connections create --issuer https://login.acme.example --client-id tenantry --client-secret-stdin --domain acme.example',
  ).action(
    run(async ({ api, out, org }, options: { issuer: string; clientId: string; clientSecretStdin?: boolean; name?: string; domain?: string[]; defaultGroup?: string[]; enforced?: boolean }) => {
      const secret = options.clientSecretStdin ? (await readStdin()).trim() : undefined;
      const body = {
        issuer: options.issuer,
        client_id: options.clientId,
        ...(secret ? { client_secret: secret } : {}),
        ...(options.name ? { name: options.name } : {}),
        ...(options.domain ? { domains: options.domain } : {}),
        ...(options.defaultGroup ? { default_group_ids: options.defaultGroup } : {}),
        ...(options.enforced ? { enforced: true } : {}),
      };
      const connection = await api.request<SsoConnection>('POST', `/v1/organizations/${org()}/sso_connections`, { body });
      out.print(connection, [{ ...row(connection), redirect_uri: connection.redirect_uri }], ['id', 'name', 'domains', 'redirect_uri']);
    }),
  );
  example(connections.command('get <id>').description('Show a connection with its domains\' DNS proofs.').option(...ORG), 'tenantry sso connections get sso_abc --json').action(
    run(async ({ api, out, org }, id: string) => {
      const connection = await api.request<SsoConnection>('GET', `/v1/organizations/${org()}/sso_connections/${id}`);
      out.print(connection, [row(connection)], ['id', 'name', 'issuer', 'enforced', 'domains']);
    }),
  );
  example(connections.command('verify-domain <id> <domain>').description('Prove a domain (DNS TXT record, your verified email, or the operator\'s list).').option(...ORG), 'tenantry sso connections verify-domain sso_abc acme.example').action(
    run(async ({ api, out, org }, id: string, domain: string) => {
      const connection = await api.request<SsoConnection>('POST', `/v1/organizations/${org()}/sso_connections/${id}/verify_domain`, { body: { domain } });
      out.print(connection, [row(connection)], ['id', 'domains']);
    }),
  );
  example(connections.command('delete <id>').description('Delete a connection.').option(...ORG), 'tenantry sso connections delete sso_abc').action(
    run(async ({ api, out, org }, id: string) => out.print(await api.request('DELETE', `/v1/organizations/${org()}/sso_connections/${id}`))),
  );

  const mappings = sso.command('mappings').description('Map the provider\'s groups to Tenantry groups.');
  example(mappings.command('list <connection>').description('List a connection\'s group mappings.').option(...ORG), 'tenantry sso mappings list sso_abc').action(
    run(async ({ api, out, org }, connection: string) => {
      const page = await api.request<List<SsoGroupMapping>>('GET', `/v1/organizations/${org()}/sso_connections/${connection}/group_mappings?limit=100`);
      out.print(page, list(page), ['id', 'idp_group', 'group_id']);
    }),
  );
  example(
    mappings.command('create <connection>').description('Map an IdP group to an organization or project group.').requiredOption('--idp-group <name>', 'a value of the groups claim').requiredOption('--group <id>', 'the Tenantry group').option(...ORG),
    'tenantry sso mappings create sso_abc --idp-group engineering --group grp_abc',
  ).action(
    run(async ({ api, out, org }, connection: string, options: { idpGroup: string; group: string }) => {
      const mapping = await api.request<SsoGroupMapping>('POST', `/v1/organizations/${org()}/sso_connections/${connection}/group_mappings`, { body: { idp_group: options.idpGroup, group_id: options.group } });
      out.print(mapping, [mapping], ['id', 'idp_group', 'group_id']);
    }),
  );
  example(mappings.command('delete <connection> <mapping>').description('Delete a mapping (memberships it made go at each person\'s next sign-in).').option(...ORG), 'tenantry sso mappings delete sso_abc ssomap_abc').action(
    run(async ({ api, out, org }, connection: string, mapping: string) => out.print(await api.request('DELETE', `/v1/organizations/${org()}/sso_connections/${connection}/group_mappings/${mapping}`))),
  );
}
