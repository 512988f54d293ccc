import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseArgsStringToArgv } from 'string-argv';
import { startWorker } from '../worker/worker.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createTenantry } from '../server.ts';

const program = new Command('tenantry').description('Tenantry: a self-hostable control plane for AI platforms.');

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
      await tenantry.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
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
  .addHelpText('after', '\nExample:\n  TENANTRY_URL=http://127.0.0.1:8080 TENANTRY_WORKER_TOKEN=... tenantry worker --command "python3 train.py --model-map models.json"')
  .action(async (options: { command: string; workDir: string; leaseSeconds: string; pollSeconds: string; maxJobs?: string }) => {
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
    const worker = startWorker({
      baseUrl,
      token,
      command,
      workDir: options.workDir,
      leaseSeconds: Number(options.leaseSeconds),
      pollMs: Number(options.pollSeconds) * 1000,
      maxJobs: options.maxJobs === undefined ? undefined : Number(options.maxJobs),
      log: (message) => process.stderr.write(`tenantry worker: ${message}\n`),
    });
    process.on('SIGTERM', () => worker.stop());
    process.on('SIGINT', () => worker.stop());
    await worker.done;
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tenantry: ${(error as Error).message}\n`);
  process.exit(1);
});
