import type { Command } from 'commander';
import { UsageError } from '../client/api.ts';
import { forgetCredentials, readCredentials, resolveConnection, writeCredentials } from '../client/credentials.ts';
import { promptHidden, promptLine, readStdin } from '../client/prompt.ts';
import { example, run } from '../client/context.ts';
import type { ErrorBody, Login, Me, Project } from '../../http/schemas/api-types.ts';
import { signInWithSso } from '../client/sso-login.ts';


/** Keeps the session, acting in the user's personal organization until `tenantry use org`. */
async function remember(url: string, sessionToken: string, email: string): Promise<void> {
  const me = (await (await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${sessionToken}` } })).json()) as { organizations: Array<{ id: string; personal: boolean }> };
  const personal = me.organizations.find((o) => o.personal);
  writeCredentials({ url, session_token: sessionToken, email, ...(personal ? { organization_id: personal.id } : {}) });
}

export function accountCommands(program: Command): void {
  example(
    program
      .command('login')
      .description('Sign in and keep the session in ~/.config/tenantry/credentials.json (mode 0600).')
      .option('--url <url>', 'the server (default: TENANTRY_URL or http://localhost:8080)')
      .option('--email <email>', 'your email (asked when missing)')
      .option('--password-stdin', 'read the password from standard input')
      .option('--sso', 'sign in through your organization\'s identity provider: opens nothing, prints the URL to open, and waits on a 127.0.0.1 port for the browser to come back'),
    'echo "$PASSWORD" | tenantry login --url http://localhost:8080 --email ada@example.com --password-stdin\n  tenantry login --sso --email ada@acme.example',
  ).action(
    run(async ({ out }, options: { url?: string; email?: string; passwordStdin?: boolean; sso?: boolean }) => {
      const url = (options.url ?? resolveConnection().url).replace(/\/$/, '');
      const email = options.email ?? (await promptLine('Email: '));
      if (options.sso) {
        if (!email) throw new UsageError('--email is required');
        const signedIn = await signInWithSso({ url, email, timeoutMs: 10 * 60_000, announce: (start) => process.stderr.write(`Open this URL in your browser to sign in:\n  ${start}\n`) });
        await remember(url, signedIn.session_token, signedIn.user.email);
        out.note(`Signed in to ${url} as ${signedIn.user.email} through single sign-on.`);
        if (out.json) out.print(signedIn.user);
        return;
      }
      const password = options.passwordStdin ? await readStdin() : await promptHidden('Password: ');
      if (!email || !password) throw new UsageError('email and password are required');
      const response = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      const body = (await response.json()) as Login | ErrorBody;
      if (!response.ok || 'error' in body) {
        process.stderr.write(`tenantry: ${'error' in body ? body.error.message : `HTTP ${response.status}`}\n`);
        process.exit(1);
      }
      await remember(url, body.session_token, email);
      out.note(`Signed in to ${url} as ${email}.`);
      if (out.json) out.print(body.user);
    }),
  );

  example(program.command('logout').description('End the session and forget it.'), 'tenantry logout').action(
    run(async ({ api, out }) => {
      if (readCredentials().session_token) await api.request('POST', '/v1/auth/logout').catch(() => undefined);
      forgetCredentials();
      out.note('Signed out.');
    }),
  );

  example(program.command('whoami').description('Who the credentials are, and the organization and project commands act in.'), 'tenantry whoami --json').action(
    run(async ({ api, out }) => {
      const me = await api.request<Me>('GET', '/v1/me');
      const stored = readCredentials();
      const keyScope = me.api_key?.scope;
      // An API key acts in its own organization (the only one it sees) and, scoped to one, its project.
      const orgId = stored.organization_id ?? (keyScope ? me.organizations[0]?.id : undefined);
      const org = me.organizations.find((o) => o.id === orgId);
      const projectId = stored.project_id ?? (keyScope?.type === 'project' ? keyScope.id : undefined);
      out.print(
        me,
        [{ id: me.id, email: me.object === 'user' ? me.email : '', name: me.object === 'user' ? me.name : '', organization: org ? `${org.name} (${org.id})` : (orgId ?? ''), project: projectId ?? '' }],
        ['id', 'email', 'name', 'organization', 'project'],
      );
    }),
  );

  const use = program.command('use').description('Choose the organization or project later commands act in.');
  example(use.command('org <id>').description('Act in this organization from now on.'), 'tenantry use org org_abc').action(
    run(async ({ api, out }, id: string) => {
      await api.request('GET', `/v1/organizations/${id}`);
      const { project_id: _project, ...rest } = readCredentials();
      writeCredentials({ ...rest, organization_id: id });
      out.note(`Using organization ${id}.`);
    }),
  );
  example(use.command('project <id>').description('Act in this project from now on.'), 'tenantry use project proj_abc').action(
    run(async ({ api, out }, id: string) => {
      const project = await api.request<Project>('GET', `/v1/projects/${id}`);
      writeCredentials({ ...readCredentials(), organization_id: project.organization_id, project_id: id });
      out.note(`Using project ${id}.`);
    }),
  );
}
