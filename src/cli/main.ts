import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseArgsStringToArgv } from 'string-argv';
import { DEFAULT_RETRY_POLICY } from '../worker/retry.ts';
import { startWorker } from '../worker/worker.ts';
import { accountCommands } from './commands/account.ts';
import { organizationCommands } from './commands/organization.ts';
import { projectCommands } from './commands/project.ts';
import { ssoCommands } from './commands/sso.ts';
import { scimCommands } from './commands/scim.ts';
import { roleCommands } from './commands/roles.ts';
import { batchCommands } from './commands/batches.ts';
import { budgetCommands } from './commands/budgets.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createTenantry } from '../server.ts';

const program = new Command('tenantry')
  .description('Tenantry: a self-hostable control plane for AI platforms.')
  .option('--json', 'print only the API\'s JSON on stdout')
  // Usage mistakes exit 2; API refusals exit 1 (see client/context.ts); --help and --version exit 0.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
program.configureHelp({ sortSubcommands: false });

program
  .command('serve')
  .description('Start the API server (configured by PORT, HOST, DATABASE_URL, TENANTRY_CONFIG, ...).')
  .addHelpText('after', '\nExample:\n  PORT=8080 DATABASE_URL=sqlite:./data/tenantry.db tenantry serve')
  .action(async () => {
    let config;
    try {
      config = loadConfig();
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`tenantry: ${error.message}\n`);
        process.exit(2);
      }
      throw error;
    }
    const tenantry = await createTenantry(config);
    const log = tenantry.app.log;
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      try {
        await tenantry.close();
      } catch (error) {
        log.error({ err: error }, 'shutdown did not finish cleanly');
        process.exit(1);
      }
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    // Defence in depth: every background promise handles its own failure; one that a bug leaves
    // unhandled is logged, and the server keeps serving the requests in flight instead of exiting.
    process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection (a bug: please report it)'));
    await tenantry.app.listen({ port: config.port, host: config.host });
    log.info({ database: tenantry.store.dialect, regions: config.regions.map((r) => r.id) }, 'tenantry is serving');
  });

program
  .command('worker')
  .description('Run fine-tuning jobs: claim them from the server (TENANTRY_URL, TENANTRY_WORKER_TOKEN) and run the trainer command.')
  .requiredOption('--command <command>', 'the trainer command; split into arguments, never run through a shell')
  .option('--work-dir <dir>', 'where job folders are made', join(tmpdir(), 'tenantry-worker'))
  .option('--lease-seconds <n>', 'how long a claim holds without a heartbeat', '30')
  .option('--poll-seconds <n>', 'how often to ask for work when the queue is empty', '2')
  .option('--max-jobs <n>', 'stop after this many jobs')
  .option('--transfer-attempts <n>', 'attempts per download, result upload or final report before giving up (env TENANTRY_WORKER_TRANSFER_ATTEMPTS)', process.env.TENANTRY_WORKER_TRANSFER_ATTEMPTS ?? String(DEFAULT_RETRY_POLICY.attempts))
  .option('--retry-base-ms <ms>', 'the wait before the first retry; it doubles (with jitter) up to 15 s (env TENANTRY_WORKER_RETRY_BASE_MS)', process.env.TENANTRY_WORKER_RETRY_BASE_MS ?? String(DEFAULT_RETRY_POLICY.baseDelayMs))
  .addHelpText('after', '\nExample:\n  TENANTRY_URL=http://127.0.0.1:8080 TENANTRY_WORKER_TOKEN=... tenantry worker --command "python3 train.py --model-map models.json"')
  .action(async (options: { command: string; workDir: string; leaseSeconds: string; pollSeconds: string; maxJobs?: string; transferAttempts: string; retryBaseMs: string }) => {
    const baseUrl = process.env.TENANTRY_URL;
    const token = process.env.TENANTRY_WORKER_TOKEN;
    if (!baseUrl || !token) {
      process.stderr.write('tenantry worker: set TENANTRY_URL (the server, without /v1) and TENANTRY_WORKER_TOKEN\n');
      process.exit(2);
    }
    const command = parseArgsStringToArgv(options.command);
    if (command.length === 0) {
      process.stderr.write('tenantry worker: --command is empty\n');
      process.exit(2);
    }
    const attempts = Number(options.transferAttempts);
    const baseDelayMs = Number(options.retryBaseMs);
    if (!Number.isInteger(attempts) || attempts < 1 || !Number.isFinite(baseDelayMs) || baseDelayMs < 0) {
      process.stderr.write('tenantry worker: --transfer-attempts must be a whole number of at least 1 and --retry-base-ms a number of at least 0\n');
      process.exit(2);
    }
    const worker = startWorker({
      baseUrl,
      token,
      command,
      workDir: options.workDir,
      leaseSeconds: Number(options.leaseSeconds),
      pollMs: Number(options.pollSeconds) * 1000,
      retry: { ...DEFAULT_RETRY_POLICY, attempts, baseDelayMs },
      maxJobs: options.maxJobs === undefined ? undefined : Number(options.maxJobs),
      log: (message) => process.stderr.write(`tenantry worker: ${message}\n`),
    });
    process.on('SIGTERM', () => worker.stop());
    process.on('SIGINT', () => worker.stop());
    await worker.done;
  });

accountCommands(program);
organizationCommands(program);
projectCommands(program);
ssoCommands(program);
scimCommands(program);
roleCommands(program);
batchCommands(program);
budgetCommands(program);

// Every command's --help ends with an example; a group of subcommands shows its first one.
const GROUP_EXAMPLES: Record<string, string> = {
  use: 'tenantry use project proj_abc',
  orgs: 'tenantry orgs create "Acme"',
  projects: 'tenantry projects create Search --region eu-north1',
  members: 'tenantry members list --json',
  groups: 'tenantry groups add grp_abc user_abc --expires 2027-01-01',
  invitations: 'tenantry invitations accept inv_abc',
  'service-accounts': 'tenantry service-accounts create deployer',
  access: 'tenantry access who --project proj_abc',
  audit: 'tenantry audit verify',
  keys: 'tenantry keys create ci',
  roles: 'tenantry roles create Auditor --permission audit_logs.read',
  files: 'tenantry files upload train.jsonl --purpose fine-tune',
  datasets: 'tenantry datasets create chats --file file-abc',
  jobs: 'tenantry jobs events ftjob-abc --follow',
  batches: 'tenantry batches create --input requests.jsonl',
  endpoints: 'tenantry endpoints list',
  'rate-limits': 'tenantry rate-limits list',
};
for (const command of program.commands) {
  const text = GROUP_EXAMPLES[command.name()];
  if (text) command.addHelpText('after', `\nExample:\n  ${text}`);
}

// Every subcommand exits 2 on a usage mistake, like the program itself.
for (const command of program.commands) {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  for (const sub of command.commands) sub.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
}

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tenantry: ${(error as Error).message}\n`);
  process.exit(1);
});
