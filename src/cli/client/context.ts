import type { Command } from 'commander';
import { apiClient, ApiError, UsageError, type ApiClient } from './api.ts';
import { readCredentials } from './credentials.ts';
import type { List, Me, WholeList } from '../../http/schemas/api-types.ts';
import { output, type Output } from './output.ts';

export interface CommandContext {
  api: ApiClient;
  out: Output;
  /** The organization: --org, else the one chosen with `tenantry use org`. */
  org(): string;
  /** The project: --project, else `tenantry use project`, else a project API key's own project. */
  project(): Promise<string>;
}

function contextOf(command: Command): CommandContext {
  const options = command.optsWithGlobals<{ json?: boolean; org?: string; project?: string }>();
  const stored = readCredentials();
  const api = apiClient();
  return {
    api,
    out: output(options.json === true),
    org() {
      const org = options.org ?? stored.organization_id;
      if (!org) throw new UsageError('no organization: pass --org ID or run `tenantry use org ID`');
      return org;
    },
    async project() {
      const project = options.project ?? stored.project_id;
      if (project) return project;
      const me = await api.request<Me>('GET', '/v1/me');
      if (me.api_key?.scope.type === 'project') return me.api_key.scope.id;
      throw new UsageError('no project: pass --project ID or run `tenantry use project ID`');
    },
  };
}

/**
 * Runs a command's work with its context; server refusals exit 1, usage mistakes exit 2. Commander calls
 * an action with the command's arguments, its options, then the command itself: `Args` are what the
 * work declares of the first two (commander does not type them).
 */
export function run<Args extends unknown[]>(work: (context: CommandContext, ...args: Args) => Promise<void>) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    try {
      await work(contextOf(command), ...(args.slice(0, -1) as Args));
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`tenantry: ${error.message}\n`);
        process.exit(2);
      }
      if (error instanceof ApiError) {
        process.stderr.write(`tenantry: ${error.message}${error.param ? ` (${error.param})` : ''}\n`);
        process.exit(1);
      }
      process.stderr.write(`tenantry: ${(error as Error).message}\n`);
      process.exit(1);
    }
  };
}

/** Adds the example every command's --help shows. */
export function example(command: Command, text: string): Command {
  return command.addHelpText('after', `\nExample:\n  ${text}`);
}

/** The objects of a list answer, as table rows. */
export const list = <T extends object>(page: List<T> | WholeList<T>): T[] => page.data;
