import pg from 'pg';
import { randomBase62 } from '../src/lib/ids.ts';

/**
 * A throwaway PostgreSQL database for one measurement, created on the server that `adminUrl` names
 * (BENCH_POSTGRES_URL, by default postgres://postgres@127.0.0.1:5432/postgres) and dropped after.
 */

export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createPostgresDatabase(adminUrl = POSTGRES_ADMIN_URL): Promise<BenchDatabase> {
  const name = `tenantry_bench_${randomBase62(12).toLowerCase()}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

/** Whether a PostgreSQL answers at `adminUrl`; the reason when not. */
export async function postgresReachable(adminUrl = POSTGRES_ADMIN_URL): Promise<true | string> {
  try {
    await withClient(adminUrl, (client) => client.query('SELECT 1'));
    return true;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
