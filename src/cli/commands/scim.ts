import type { Command } from 'commander';
import type { IssuedScimToken, List, ScimToken } from '../../http/schemas/api-types.ts';
import { example, list, run } from '../client/context.ts';

const ORG = ['--org <id>', 'organization (default: `tenantry use org`)'] as const;

/** SCIM provisioning: the tokens an organization gives its identity provider (Okta, Entra ID). */
export function scimCommands(program: Command): void {
  const scim = program.command('scim').description('SCIM 2.0 provisioning from your identity provider.');
  const tokens = scim.command('tokens').description('The SCIM tokens of an organization (org admins).');
  example(tokens.command('list').option(...ORG).description('List SCIM tokens, revoked ones too.'), 'tenantry scim tokens list').action(
    run(async ({ api, out, org }) => {
      const page = await api.request<List<ScimToken>>('GET', `/v1/organizations/${org()}/scim_tokens?limit=100`);
      out.print(page, list(page), ['id', 'name', 'redacted_value', 'created_at', 'revoked_at']);
    }),
  );
  example(tokens.command('create <name>').option(...ORG).description('Create a token; its secret is printed once, with the SCIM base URL.'), 'tenantry scim tokens create okta').action(
    run(async ({ api, out, org }, name: string) => {
      const token = await api.request<IssuedScimToken>('POST', `/v1/organizations/${org()}/scim_tokens`, { body: { name } });
      if (out.json) return out.print(token);
      out.note(`SCIM base URL: ${token.base_url}`);
      out.note('Copy the token now: it will not be shown again.');
      process.stdout.write(`${token.token}\n`);
    }),
  );
  example(tokens.command('revoke <id>').option(...ORG).description('Revoke a token: the identity provider is refused from its next request.'), 'tenantry scim tokens revoke scimtok_abc').action(
    run(async ({ api, out, org }, id: string) => {
      const token = await api.request<ScimToken>('DELETE', `/v1/organizations/${org()}/scim_tokens/${id}`);
      out.print(token, [token], ['id', 'name', 'revoked_at']);
    }),
  );
}
