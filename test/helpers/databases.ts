import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { randomBase62 } from '../../src/lib/ids.ts';

/**
 * Every behaviour test runs on both databases. SQLite always runs; PostgreSQL runs where
 * TENANTRY_TEST_DATABASE_URL points at a server, each test file in a fresh database of its own
 * (scripts/test.js sets it when a PostgreSQL answers on 127.0.0.1:5432). Without it each PostgreSQL
 * half reports one skipped test; under CI=true a missing PostgreSQL fails the run instead.
 */

export interface TestDatabase {
  kind: 'sqlite' | 'postgres';
  url: string;
  drop(): Promise<void>;
}

const PG_URL = process.env.TENANTRY_TEST_DATABASE_URL;
const IN_CI = process.env.CI === 'true';
const POSTGRES_SKIP_REASON =
  'PostgreSQL not used: set TENANTRY_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (npm test does when one answers there)';

export async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-test-'));
  return { kind: 'sqlite', url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  if (!PG_URL) throw new Error('TENANTRY_TEST_DATABASE_URL is not set');
  const name = `tenantry_test_${randomBase62(12).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface DatabaseKind {
  kind: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

const SQLITE: DatabaseKind = { kind: 'sqlite', create: createSqliteDatabase };
const POSTGRES: DatabaseKind = { kind: 'postgres', create: createPostgresDatabase };

/** Declares the suite once per database: `describe('<title> [sqlite]')` and `[postgres]`. */
export function describeEachDatabase(title: string, suite: (kind: DatabaseKind) => void): void {
  describe(`${title} [sqlite]`, () => suite(SQLITE));
  if (PG_URL) {
    describe(`${title} [postgres]`, () => suite(POSTGRES));
  } else if (IN_CI) {
    describe(`${title} [postgres]`, () => {
      throw new Error('CI=true but TENANTRY_TEST_DATABASE_URL is not set: PostgreSQL tests must not be skipped in CI');
    });
  } else {
    // A skipped describe with nothing inside counts 0 in the runner's summary, so the skip would go
    // unseen: one skipped test per suite makes `# skipped N` say how many PostgreSQL halves did not run.
    describe(`${title} [postgres]`, () => {
      test(`${title} [postgres] skipped`, { skip: POSTGRES_SKIP_REASON }, () => {});
    });
  }
}
