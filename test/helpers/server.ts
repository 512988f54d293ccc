import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { DestinationStream } from 'pino';
import type { ConfigFile } from '../../src/config.ts';
import { loadConfig } from '../../src/config.ts';
import { createTenantry, type Tenantry } from '../../src/server.ts';
import type { DatabaseKind, TestDatabase } from './databases.ts';

/** A clock the test moves by hand; starts at the real time. */
export class TestClock {
  private offset = 0;
  readonly now = (): number => Math.floor(Date.now() / 1000) + this.offset;
  advance(seconds: number): void {
    this.offset += seconds;
  }
}

export interface TestServerOptions {
  config?: ConfigFile;
  env?: NodeJS.ProcessEnv;
  /** Where the server's log lines go (at TEST_LOG_LEVEL, else `logLevel`, else silent). */
  logStream?: DestinationStream;
  logLevel?: string;
}

/** Generous throttles so ordinary tests never trip them; throttling tests set their own. */
const TEST_AUTH = { max_failed_logins_per_email: 1000, max_failed_logins_per_ip: 1000, max_signups_per_ip_per_hour: 10000 };

export async function startTenantry(database: TestDatabase, options: TestServerOptions & { clock?: TestClock } = {}): Promise<Tenantry> {
  const config = loadConfig(
    {
      TENANTRY_SECRET: 'test-secret-not-for-production',
      DATABASE_URL: database.url,
      // Each server its own data folder: its file storage sweeps what its database does not know.
      TENANTRY_DATA_DIR: mkdtempSync(join(tmpdir(), 'tenantry-data-')),
      ...options.env,
    },
    { auth: TEST_AUTH, ...options.config },
  );
  return createTenantry(config, {
    logLevel: process.env.TEST_LOG_LEVEL ?? options.logLevel ?? 'silent',
    ...(options.clock ? { clock: options.clock.now } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
}

/**
 * Starts a fresh server on a fresh database before the suite and tears both down after it.
 * Read `.tenantry` inside tests (it is set once `before` has run).
 */
export function useTenantry(kind: DatabaseKind, options: TestServerOptions & { clock?: TestClock } = {}) {
  const holder: { tenantry: Tenantry; database: TestDatabase } = {} as never;
  before(async () => {
    holder.database = await kind.create();
    holder.tenantry = await startTenantry(holder.database, options);
  });
  after(async () => {
    await holder.tenantry?.close();
    await holder.database?.drop();
  });
  return holder;
}
