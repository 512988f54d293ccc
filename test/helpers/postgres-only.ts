import { after, before } from 'node:test';
import type { Tenantry } from '../../src/server.ts';
import { createPostgresDatabase, type TestDatabase } from './databases.ts';
import { startTenantry, type TestServerOptions } from './server.ts';

/**
 * Suites that need PostgreSQL itself (several instances on one database, LISTEN/NOTIFY, advisory
 * locks): skipped where no TENANTRY_TEST_DATABASE_URL is given, except in CI, where its absence fails
 * them instead of passing them by skipping.
 */
const POSTGRES_URL = process.env.TENANTRY_TEST_DATABASE_URL;

export const postgresOnly = POSTGRES_URL ? false : process.env.CI === 'true' ? false : 'PostgreSQL tests skipped: set TENANTRY_TEST_DATABASE_URL to run them';

/** The first step of a PostgreSQL-only suite's `before`. */
export function requirePostgres(): void {
  if (!POSTGRES_URL) throw new Error('CI=true but TENANTRY_TEST_DATABASE_URL is not set');
}

export interface TwoInstances {
  database: TestDatabase;
  first: Tenantry;
  /** A test may replace it (a restarted instance); the one here when the suite ends is closed. */
  second: Tenantry;
}

/**
 * Two server instances on one fresh PostgreSQL database, started before the suite's tests (after
 * `prepare`, which may fill in what `options` reads) and closed after them. Read the fields inside tests.
 */
export function useTwoInstances(options: () => TestServerOptions = () => ({}), prepare?: () => Promise<void>): TwoInstances {
  const servers = {} as TwoInstances;
  before(async () => {
    requirePostgres();
    await prepare?.();
    servers.database = await createPostgresDatabase();
    servers.first = await startTenantry(servers.database, options());
    servers.second = await startTenantry(servers.database, options());
  });
  after(async () => {
    await servers.first?.close();
    await servers.second?.close();
    await servers.database?.drop();
  });
  return servers;
}
