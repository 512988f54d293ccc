import type { Executor } from './executor.ts';
import type { UserRecord, UserWithPassword } from './records.ts';
import type { UsersTable } from './schema.ts';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function toUser(row: UsersTable): UserWithPassword {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    email_verified: row.email_verified === 1,
    created_at: Number(row.created_at),
    password_hash: row.password_hash,
  };
}

export function usersRepository(db: Executor) {
  return {
    async insert(user: UserWithPassword): Promise<void> {
      await db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          email_normalized: normalizeEmail(user.email),
          name: user.name,
          password_hash: user.password_hash,
          email_verified: user.email_verified ? 1 : 0,
          created_at: user.created_at,
        })
        .execute();
    },

    async findByEmail(email: string): Promise<UserWithPassword | undefined> {
      const row = await db.selectFrom('users').selectAll().where('email_normalized', '=', normalizeEmail(email)).executeTakeFirst();
      return row && toUser(row);
    },

    async findById(id: string): Promise<UserWithPassword | undefined> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },

    async emailTaken(email: string): Promise<boolean> {
      const row = await db.selectFrom('users').select('id').where('email_normalized', '=', normalizeEmail(email)).executeTakeFirst();
      return row !== undefined;
    },

    async markEmailVerified(id: string): Promise<void> {
      await db.updateTable('users').set({ email_verified: 1 }).where('id', '=', id).execute();
    },

    async setPasswordHash(id: string, passwordHash: string): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
export type { UserRecord };
