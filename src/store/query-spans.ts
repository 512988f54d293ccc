import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { LogEvent } from 'kysely';
import type { Dialect } from './database.ts';

const SYSTEM: Record<Dialect, string> = { sqlite: 'sqlite', postgres: 'postgresql' };
/** Long statements (bulk inserts) are cut: the span names the query, it does not archive it. */
const MAX_STATEMENT = 2000;

/**
 * A span per query, made from Kysely's log event once the query is done (its duration is known):
 * the same on SQLite and PostgreSQL, the child of whatever span is active (the request's). The
 * statement is the parameterized SQL: values (hashes, names, bodies) are never in it.
 */
export function querySpan(dialect: Dialect, event: LogEvent): void {
  const end = performance.timeOrigin + performance.now();
  const statement = event.query.sql;
  const span = trace.getTracer('tenantry-store').startSpan(
    statement.split(/\s/, 1)[0]!.toLowerCase(),
    {
      kind: SpanKind.CLIENT,
      startTime: end - event.queryDurationMillis,
      attributes: { 'db.system.name': SYSTEM[dialect], 'db.query.text': statement.length > MAX_STATEMENT ? `${statement.slice(0, MAX_STATEMENT)}…` : statement },
    },
  );
  if (event.level === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: (event.error as { code?: string } | undefined)?.code ?? 'query failed' });
  span.end(end);
}
