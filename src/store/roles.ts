import type { Dialect } from './database.ts';
import type { Executor } from './executor.ts';
import type { RoleRecord } from './records.ts';
import type { RolesTable } from './schema.ts';

function toRole(row: RolesTable): RoleRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    description: row.description,
    scope: row.scope,
    permissions: JSON.parse(row.permissions) as string[],
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

/** An organization's custom roles. Groups name them in their `role` column. */
export function rolesRepository(db: Executor, dialect: Dialect) {
  return {
    async insert(role: RoleRecord): Promise<void> {
      await db
        .insertInto('roles')
        .values({ ...role, permissions: JSON.stringify(role.permissions) })
        .execute();
    },

    /** The role, if it is this organization's. */
    async find(organizationId: string, id: string): Promise<RoleRecord | undefined> {
      const row = await db.selectFrom('roles').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
      return row && toRole(row);
    },

    /**
     * The role, locked until the transaction ends (PostgreSQL; SQLite runs one writer at a time): a
     * group being given the role and the role being deleted cannot both pass their checks.
     */
    async findForUpdate(organizationId: string, id: string): Promise<RoleRecord | undefined> {
      let query = db.selectFrom('roles').selectAll().where('id', '=', id).where('organization_id', '=', organizationId);
      if (dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      return row && toRole(row);
    },

    /** Every custom role of the organization, newest first (organizations hold few). */
    async listAll(organizationId: string): Promise<RoleRecord[]> {
      const rows = await db
        .selectFrom('roles')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toRole);
    },

    async nameTaken(organizationId: string, name: string, except?: string): Promise<boolean> {
      let query = db.selectFrom('roles').select('id').where('organization_id', '=', organizationId).where('name', '=', name);
      if (except) query = query.where('id', '<>', except);
      return (await query.executeTakeFirst()) !== undefined;
    },

    async update(role: RoleRecord): Promise<void> {
      await db
        .updateTable('roles')
        .set({ name: role.name, description: role.description, permissions: JSON.stringify(role.permissions), updated_at: role.updated_at })
        .where('id', '=', role.id)
        .execute();
    },

    /** How many groups hold the role. */
    async holders(organizationId: string, id: string): Promise<number> {
      const row = await db
        .selectFrom('groups')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('organization_id', '=', organizationId)
        .where('role', '=', id)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('roles').where('id', '=', id).execute();
    },
  };
}

export type RolesRepository = ReturnType<typeof rolesRepository>;
