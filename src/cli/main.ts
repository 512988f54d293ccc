import { Command } from 'commander';
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

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tenantry: ${(error as Error).message}\n`);
  process.exit(1);
});
