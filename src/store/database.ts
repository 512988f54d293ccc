import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type LogEvent, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { makePrivateDirectory, makePrivateFile } from '../lib/private-files.ts';
import type { Database } from './schema.ts';
import { querySpan } from './query-spans.ts';
import * as core from './migrations/0001_core.ts';
import * as invitations from './migrations/0002_invitations.ts';
import * as keysAudit from './migrations/0003_keys_audit.ts';
import * as projectResources from './migrations/0004_project_resources.ts';
import * as gateway from './migrations/0005_gateway.ts';
import * as endpoints from './migrations/0006_dedicated_endpoints.ts';
import * as keyCreators from './migrations/0007_key_creators.ts';
import * as endpointReplicas from './migrations/0008_endpoint_replicas.ts';
import * as sso from './migrations/0009_sso.ts';
import * as scim from './migrations/0010_scim.ts';
import * as customRoles from './migrations/0011_custom_roles.ts';
import * as budgets from './migrations/0012_budgets.ts';
import * as batches from './migrations/0013_batches.ts';
import * as replicaHours from './migrations/0014_replica_hours.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The PostgreSQL pool, for LISTEN/NOTIFY; absent on SQLite. */
  pool?: pg.Pool;
  /** Queries run so far: lets tests and benchmarks show that a warm request runs none. */
  queryCount(): number;
  close(): Promise<void>;
}

// PostgreSQL's bigint (int8) arrives as a string by default; our bigints are Unix seconds and counts,
// well inside a double's exact range.
pg.types.setTypeParser(20, (value) => Number(value));

export interface DatabaseOptions {
  /** A span per query (tracing is on); the spans go wherever the process's tracer provider sends them. */
  traceQueries?: boolean;
}

export function openDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options);
  return openPostgres(url, options);
}

/** Kysely's log: counts every query, and traces it when asked. */
function queryLog(dialect: Dialect, counter: { queries: number }, options: DatabaseOptions): (event: LogEvent) => void {
  if (!options.traceQueries) return () => void (counter.queries += 1);
  return (event) => {
    counter.queries += 1;
    querySpan(dialect, event);
  };
}

function openSqlite(path: string, options: DatabaseOptions): DatabaseHandle {
  if (path !== ':memory:') {
    makePrivateDirectory(dirname(path));
    // SQLite creates the database 0644 less the umask, and its -wal and -shm files with the database's
    // own mode: an empty 0600 file made first keeps all three private.
    makePrivateFile(path);
  }
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const counter = { queries: 0 };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log: queryLog('sqlite', counter, options) });
  return { db, dialect: 'sqlite', queryCount: () => counter.queries, close: () => db.destroy() };
}

function openPostgres(url: string, options: DatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const counter = { queries: 0 };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queryLog('postgres', counter, options) });
  return { db, dialect: 'postgres', pool, queryCount: () => counter.queries, close: () => db.destroy() };
}

const MIGRATIONS: Record<string, Migration> = {
  '0001_core': core,
  '0002_invitations': invitations,
  '0003_keys_audit': keysAudit,
  '0004_project_resources': projectResources,
  '0005_gateway': gateway,
  '0006_dedicated_endpoints': endpoints,
  '0007_key_creators': keyCreators,
  '0008_endpoint_replicas': endpointReplicas,
  '0009_sso': sso,
  '0010_scim': scim,
  '0011_custom_roles': customRoles,
  '0012_budgets': budgets,
  '0013_batches': batches,
  '0014_replica_hours': replicaHours,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'tenantry_migrations', migrationLockTableName: 'tenantry_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown error'}`);
  }
}
