import type { Executor } from './executor.ts';
import type { SessionRecord } from './records.ts';

export function sessionsRepository(db: Executor) {
  return {
    async insert(session: SessionRecord & { token_hash: string }): Promise<void> {
      await db.insertInto('sessions').values(session).execute();
    },

    async findByTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
      return db
        .selectFrom('sessions')
        .select(['id', 'user_id', 'created_at', 'last_used_at', 'expires_at'])
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },

    /** Ends every session of the user, except `keepId` when given; answers the ids ended. */
    async deleteForUser(userId: string, keepId?: string): Promise<string[]> {
      let query = db.deleteFrom('sessions').where('user_id', '=', userId);
      if (keepId) query = query.where('id', '!=', keepId);
      const rows = await query.returning('id').execute();
      return rows.map((r) => r.id);
    },

    async touch(lastUsed: Map<string, number>): Promise<void> {
      for (const [id, at] of lastUsed) {
        await db.updateTable('sessions').set({ last_used_at: at }).where('id', '=', id).where('last_used_at', '<', at).execute();
      }
    },

    async deleteExpired(now: number, idleSeconds: number): Promise<void> {
      await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_used_at', '<=', now - idleSeconds)]))
        .execute();
    },
  };
}

export type SessionsRepository = ReturnType<typeof sessionsRepository>;
