// Runs the test suite: node's own runner with the TAP reporter and an explicit list of files (a
// directory or a quoted glob silently finds no .ts files on Node 20).
// A PostgreSQL on 127.0.0.1:5432 is used without being told (TENANTRY_TEST_DATABASE_URL unset); set
// TENANTRY_TEST_DATABASE_URL= (empty) to skip the PostgreSQL halves anyway.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

export const TEST_FILES = [
  'test/accounts.test.ts',
  'test/organizations.test.ts',
  'test/projects.test.ts',
  'test/groups.test.ts',
  'test/access.test.ts',
  'test/response-schemas.test.ts',
  'test/permissions.test.ts',
  'test/http-conventions.test.ts',
  'test/http-hardening.test.ts',
  'test/invitations.test.ts',
  'test/sso.test.ts',
  'test/audit.test.ts',
  'test/api-keys.test.ts',
  'test/key-creators.test.ts',
  'test/scim.test.ts',
  'test/roles.test.ts',
  'test/restricted-keys.test.ts',
  'test/multi-instance.test.ts',
  'test/concurrency.test.ts',
  'test/stale-cache.test.ts',
  'test/files.test.ts',
  'test/upload-crash.test.ts',
  'test/crash.test.ts',
  'test/secrets.test.ts',
  'test/fine-tuning.test.ts',
  'test/worker.test.ts',
  'test/example-trainer.test.ts',
  'test/gateway.test.ts',
  'test/batches.test.ts',
  'test/batch-crash.test.ts',
  'test/budgets.test.ts',
  'test/budgets-multi-instance.test.ts',
  'test/endpoints.test.ts',
  'test/replica-hours.test.ts',
  'test/fine-tuned-models.test.ts',
  'test/provisioner-leader.test.ts',
  'test/cli-client.test.ts',
  'test/cli-budgets.test.ts',
  'test/tenancy.property.test.ts',
  'test/fuzz.test.ts',
  'test/fuzz-regressions.test.ts',
  'test/cli.test.ts',
  'test/cli-sso.test.ts',
  'test/console.test.ts',
  'test/console-verify-email.test.ts',
  'test/console-sso.test.ts',
  'test/console-organization.test.ts',
  'test/console-provisioning.test.ts',
  'test/console-project.test.ts',
  'test/console-replica-hours.test.ts',
  'test/test-runner.test.ts',
  'test/configuration-doc.test.ts',
  'test/redis-failure.test.ts',
  'test/metrics.test.ts',
  'test/tracing.test.ts',
  'test/layers.test.ts',
];

// Run the suite only as `npm test` (node scripts/test.js), not when a test imports this file.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { env, note } = await testEnvironment(process.env);
  // '#' so that TAP readers take the line as a comment.
  if (note) console.log(`# ${note}`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=tap', ...process.argv.slice(2), ...TEST_FILES],
    { stdio: 'inherit', env },
  );
  process.exit(result.status ?? 1);
}

/** The environment of the test processes, and the line that says which databases they use. */
export async function testEnvironment(env, probe = postgresAnswers) {
  if (env.TENANTRY_TEST_DATABASE_URL !== undefined) return { env, note: undefined };
  if (await probe(LOCAL_POSTGRES)) {
    return {
      env: { ...env, TENANTRY_TEST_DATABASE_URL: LOCAL_POSTGRES },
      note: `PostgreSQL answers at 127.0.0.1:5432: the PostgreSQL halves run there (TENANTRY_TEST_DATABASE_URL=${LOCAL_POSTGRES}).`,
    };
  }
  return {
    env,
    note: 'No PostgreSQL answers at 127.0.0.1:5432: the PostgreSQL halves are skipped. To run them, start one there (user postgres, trust auth) or set TENANTRY_TEST_DATABASE_URL=postgres://...',
  };
}

/** A real `SELECT 1`, not just an open port: something else may listen there. */
export async function postgresAnswers(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
