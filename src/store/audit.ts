import type { Executor } from './executor.ts';
import type { AuditEventsTable } from './schema.ts';

export type AuditEventRow = AuditEventsTable;

export interface AuditFilter {
  organizationId: string;
  type?: string | undefined;
  actorId?: string | undefined;
  projectId?: string | undefined;
  resourceId?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
}

/** The audit log's rows and each organization's chain head. Hashing is the service's business. */
export function auditRepository(db: Executor, dialect: 'sqlite' | 'postgres') {
  return {
    /**
     * The organization's chain head, locked until the transaction ends so that concurrent writers take
     * sequence numbers one after another. A new chain starts at seq 0 with an empty hash.
     */
    async lockChain(organizationId: string): Promise<{ last_seq: number; last_hash: string }> {
      // Create the head if missing; on conflict nothing happens, and the select below locks the row.
      await db.insertInto('audit_chains').values({ organization_id: organizationId, last_seq: 0, last_hash: '' }).onConflict((oc) => oc.column('organization_id').doNothing()).execute();
      let query = db.selectFrom('audit_chains').select(['last_seq', 'last_hash']).where('organization_id', '=', organizationId);
      if (dialect === 'postgres') query = query.forUpdate();
      const head = await query.executeTakeFirstOrThrow();
      return { last_seq: Number(head.last_seq), last_hash: head.last_hash };
    },

    /** The chain head as stored, without locking it; undefined for an organization that logged nothing. */
    async chainHead(organizationId: string): Promise<{ last_seq: number; last_hash: string } | undefined> {
      const head = await db.selectFrom('audit_chains').select(['last_seq', 'last_hash']).where('organization_id', '=', organizationId).executeTakeFirst();
      return head && { last_seq: Number(head.last_seq), last_hash: head.last_hash };
    },

    async append(row: AuditEventRow): Promise<void> {
      await db.insertInto('audit_events').values(row).execute();
      await db
        .updateTable('audit_chains')
        .set({ last_seq: row.seq, last_hash: row.hash })
        .where('organization_id', '=', row.organization_id)
        .execute();
    },

    /** Newest first; `afterSeq` continues a page. */
    async list(filter: AuditFilter, afterSeq: number | undefined, limit: number): Promise<AuditEventRow[]> {
      let query = db.selectFrom('audit_events').selectAll().where('organization_id', '=', filter.organizationId);
      if (filter.type) query = query.where('type', '=', filter.type);
      if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
      if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
      if (filter.resourceId) query = query.where('resource_id', '=', filter.resourceId);
      if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
      if (filter.until !== undefined) query = query.where('created_at', '<', filter.until);
      if (afterSeq !== undefined) query = query.where('seq', '<', afterSeq);
      return query.orderBy('seq', 'desc').limit(limit).execute();
    },

    async findSeq(organizationId: string, id: string): Promise<number | undefined> {
      const row = await db.selectFrom('audit_events').select('seq').where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : Number(row.seq);
    },

    /** Oldest first from `fromSeq`, for verification in bounded pages. */
    async chainPage(organizationId: string, fromSeq: number, limit: number): Promise<AuditEventRow[]> {
      return db
        .selectFrom('audit_events')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('seq', '>=', fromSeq)
        .orderBy('seq', 'asc')
        .limit(limit)
        .execute();
    },
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;
