import { canonicalJson } from '../lib/canonical-json.ts';
import { newId } from '../lib/ids.ts';
import { hmacHex, safeEqual } from '../lib/secrets.ts';
import type { AuditEventRow } from '../store/audit.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { InvalidRequestError } from './errors.ts';
import type { Principal } from '../access/principal.ts';

export const AUDIT_TYPES = [
  'organization.created', 'organization.updated', 'organization.deleted',
  'member.removed', 'member.left',
  'group.created', 'group.updated', 'group.deleted', 'group.member.added', 'group.member.removed',
  'role.created', 'role.updated', 'role.deleted',
  'project.created', 'project.updated', 'project.archived',
  'invitation.created', 'invitation.resent', 'invitation.revoked', 'invitation.accepted', 'invitation.declined',
  'service_account.created', 'service_account.deleted',
  'api_key.created', 'api_key.rotated', 'api_key.revoked', 'api_key.flagged',
  'file.created', 'file.deleted', 'dataset.created', 'dataset.deleted',
  'fine_tuning.job.created', 'fine_tuning.job.cancelled',
  'batch.created', 'batch.cancelled',
  'dedicated_endpoint.created', 'dedicated_endpoint.updated', 'dedicated_endpoint.deleted',
  'rate_limit.updated', 'model_permissions.updated',
  'budget.created', 'budget.updated', 'budget.deleted', 'webhook.created', 'webhook.deleted',
  'login.succeeded', 'login.failed', 'password.changed', 'email.verified',
  'sso_connection.created', 'sso_connection.updated', 'sso_connection.deleted', 'sso_domain.verified',
  'sso_group_mapping.created', 'sso_group_mapping.deleted',
  'sso.login.succeeded', 'sso.login.failed', 'member.joined',
  'scim_token.created', 'scim_token.revoked', 'scim.request.refused',
  'scim.user.created', 'scim.user.updated', 'scim.user.deleted', 'member.added',
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];

/**
 * Who did it: a principal through a credential, the system itself, or an organization's identity
 * provider through one of its SCIM tokens (`id` is the token's), and from which address.
 */
export interface AuditActor {
  type: 'user' | 'service_account' | 'system' | 'scim_token';
  id: string | null;
  api_key_id: string | null;
  ip: string | null;
}

export interface AuditEntry {
  type: AuditType;
  organizationId: string;
  projectId?: string | null;
  resource: { type: string; id: string };
  /** Never a password, token or key: only ids, names and the fields that changed. */
  data?: Record<string, unknown>;
}

export interface AuditEvent {
  id: string;
  object: 'audit_log';
  seq: number;
  type: string;
  actor: { type: AuditActor['type']; id: string | null; api_key_id: string | null };
  organization_id: string;
  project_id: string | null;
  resource: { type: string; id: string };
  data: Record<string, unknown>;
  ip_address: string | null;
  created_at: number;
  hash: string;
}

/** `missing_tail`: events the stored chain head counts that are absent from the end of the chain. */
export interface AuditVerification {
  ok: boolean;
  count: number;
  first_broken_id: string | null;
  missing_tail: number;
}

export function actorOf(principal: Principal): AuditActor {
  return {
    type: principal.type,
    id: principal.id,
    api_key_id: principal.credential.kind === 'api_key' ? principal.credential.keyId : null,
    ip: principal.ip,
  };
}

export const systemActor = (ip: string | null = null): AuditActor => ({ type: 'system', id: null, api_key_id: null, ip });

function toEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    object: 'audit_log',
    seq: Number(row.seq),
    type: row.type,
    actor: { type: row.actor_type, id: row.actor_id, api_key_id: row.actor_api_key_id },
    organization_id: row.organization_id,
    project_id: row.project_id,
    resource: { type: row.resource_type, id: row.resource_id },
    data: JSON.parse(row.data) as Record<string, unknown>,
    ip_address: row.ip_address,
    created_at: Number(row.created_at),
    hash: row.hash,
  };
}

/**
 * The audit log: one event per change, written by the caller inside the transaction of the change.
 * Each organization's events form a chain: a gapless `seq` taken under the chain head's lock, and
 * `hash = HMAC-SHA256(secret, previous hash + RFC 8785 canonical JSON of the event without its hash)`.
 */
export function createAuditLog(deps: { store: Store; clock: Clock; secret: string; authorizer: Authorizer }) {
  const { store, clock, secret, authorizer } = deps;

  function hashOf(previousHash: string, event: Omit<AuditEvent, 'hash'>): string {
    return hmacHex(secret, previousHash + canonicalJson(event));
  }

  return {
    async record(tx: Repositories, actor: AuditActor, entry: AuditEntry): Promise<void> {
      const head = await tx.audit.lockChain(entry.organizationId);
      const event: Omit<AuditEvent, 'hash'> = {
        id: newId('evt_'),
        object: 'audit_log',
        seq: head.last_seq + 1,
        type: entry.type,
        actor: { type: actor.type, id: actor.id, api_key_id: actor.api_key_id },
        organization_id: entry.organizationId,
        project_id: entry.projectId ?? null,
        resource: entry.resource,
        data: entry.data ?? {},
        ip_address: actor.ip,
        created_at: clock(),
      };
      const hash = hashOf(head.last_hash, event);
      await tx.audit.append({
        id: event.id,
        organization_id: event.organization_id,
        seq: event.seq,
        type: event.type,
        actor_type: event.actor.type,
        actor_id: event.actor.id,
        actor_api_key_id: event.actor.api_key_id,
        project_id: event.project_id,
        resource_type: event.resource.type,
        resource_id: event.resource.id,
        data: JSON.stringify(event.data),
        ip_address: event.ip_address,
        created_at: event.created_at,
        hash,
      });
    },

    async list(
      principal: Principal,
      organizationId: string,
      filter: { type?: string | undefined; actor_id?: string | undefined; project_id?: string | undefined; resource_id?: string | undefined; since?: number | undefined; until?: number | undefined },
      page: { limit: number; after?: string | undefined },
    ) {
      await authorizer.organization(principal, organizationId, 'audit.list');
      let afterSeq: number | undefined;
      if (page.after) {
        afterSeq = await store.audit.findSeq(organizationId, page.after);
        if (afterSeq === undefined) throw new InvalidRequestError('after does not name an event of this log.', 'after');
      }
      const rows = await store.audit.list(
        { organizationId, type: filter.type, actorId: filter.actor_id, projectId: filter.project_id, resourceId: filter.resource_id, since: filter.since, until: filter.until },
        afterSeq,
        page.limit + 1,
      );
      return { items: rows.slice(0, page.limit).map(toEvent), hasMore: rows.length > page.limit };
    },

    /**
     * Recomputes the chain from the first event and names the first event whose seq or hash is wrong.
     * Then holds the chain against its stored head (`last_seq`, `last_hash`), which every append moves in
     * the same transaction: events the head says exist but that are gone from the end are counted in
     * `missing_tail`, which a recomputation alone cannot see. The head is read first, so events appended
     * while verifying only lengthen the chain past it.
     */
    async verify(principal: Principal, organizationId: string): Promise<AuditVerification> {
      await authorizer.organization(principal, organizationId, 'audit.verify');
      const stored = await store.audit.chainHead(organizationId);
      const head = stored ?? { last_seq: 0, last_hash: '' };
      let previousHash = '';
      let expectedSeq = 1;
      let count = 0;
      let hashAtHead = count === head.last_seq ? '' : undefined;
      for (;;) {
        const rows = await store.audit.chainPage(organizationId, expectedSeq, 1000);
        if (rows.length === 0) break;
        for (const row of rows) {
          const { hash, ...event } = toEvent(row);
          if (event.seq !== expectedSeq || !safeEqual(hash, hashOf(previousHash, event))) {
            return { ok: false, count, first_broken_id: row.id, missing_tail: Math.max(0, head.last_seq - count) };
          }
          previousHash = hash;
          expectedSeq += 1;
          count += 1;
          if (count === head.last_seq) hashAtHead = hash;
        }
      }
      const missingTail = Math.max(0, head.last_seq - count);
      // Every append writes the head with its event, so events without a head, or a head whose hash is
      // not the one its event carries, mean the head was written around the log, not by it.
      const headMatches =
        stored === undefined ? count === 0 : missingTail === 0 && hashAtHead !== undefined && safeEqual(hashAtHead, head.last_hash);
      return { ok: headMatches, count, first_broken_id: null, missing_tail: missingTail };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

/**
 * A change and its audit event in one transaction: both commit, or neither does. The event is written
 * after the change, so a change that throws (a refusal found under the transaction's locks) writes no
 * event. `entry` may be read from what the change answers, when the event names what it found.
 */
export function audited<T>(
  store: Pick<Store, 'transaction'>,
  audit: Pick<AuditLog, 'record'>,
  actor: AuditActor,
  entry: AuditEntry | ((result: NoInfer<T>) => AuditEntry),
  change: (tx: Repositories) => Promise<T>,
): Promise<T> {
  return store.transaction(async (tx) => {
    const result = await change(tx);
    await audit.record(tx, actor, typeof entry === 'function' ? entry(result) : entry);
    return result;
  });
}
