import type { Executor } from './executor.ts';

export function emailVerificationsRepository(db: Executor) {
  return {
    async insert(row: { token_hash: string; user_id: string; created_at: number; expires_at: number }): Promise<void> {
      await db.insertInto('email_verifications').values({ ...row, used_at: null }).execute();
    },

    async find(tokenHash: string) {
      return db.selectFrom('email_verifications').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },

    /** Marks the token used; answers false when it was already used (single use, even under races). */
    async markUsed(tokenHash: string, at: number): Promise<boolean> {
      const result = await db.updateTable('email_verifications').set({ used_at: at }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
