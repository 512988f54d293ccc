import { sql } from 'kysely';
import type { Executor } from './executor.ts';

/** The live resources an organization's projects hold, counted by kind. */
export interface OrganizationContents {
  /** Members besides the one asking: users and service accounts. */
  otherMembers: number;
  apiKeys: number;
  files: number;
  datasets: number;
  /** Fine-tuning jobs not yet succeeded, failed or cancelled. */
  fineTuningJobs: number;
  endpoints: number;
  /** How many projects hold at least one of the resources above. */
  projects: number;
}

const FINAL_JOB_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;

type PerProject = Array<{ project_id: string; n: number | string | bigint }>;

const total = (rows: PerProject): number => rows.reduce((sum, row) => sum + Number(row.n), 0);

/** What stands in the way of deleting an organization; read inside the deleting transaction. */
export function organizationContentsRepository(db: Executor) {
  const count = sql<number>`count(*)`.as('n');
  return {
    /** `now` decides which keys have expired: an expired key is dead, and does not count. */
    async of(organizationId: string, exceptPrincipalId: string, now: number): Promise<OrganizationContents> {
      const members = await db
        .selectFrom('organization_members')
        .select(count)
        .where('organization_id', '=', organizationId)
        .where('principal_id', '!=', exceptPrincipalId)
        .executeTakeFirstOrThrow();
      const keys: PerProject = await db
        .selectFrom('api_keys')
        .select(['scope_id as project_id', count])
        .where('organization_id', '=', organizationId)
        .where('scope_type', '=', 'project')
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .groupBy('scope_id')
        .execute();
      const files: PerProject = await db
        .selectFrom('files')
        .select(['project_id', count])
        .where('organization_id', '=', organizationId)
        .groupBy('project_id')
        .execute();
      const datasets: PerProject = await db
        .selectFrom('datasets')
        .select(['project_id', count])
        .where('organization_id', '=', organizationId)
        .groupBy('project_id')
        .execute();
      const jobs: PerProject = await db
        .selectFrom('fine_tuning_jobs')
        .select(['project_id', count])
        .where('organization_id', '=', organizationId)
        .where('status', 'not in', FINAL_JOB_STATUSES)
        .groupBy('project_id')
        .execute();
      const endpoints: PerProject = await db
        .selectFrom('dedicated_endpoints')
        .select(['project_id', count])
        .where('organization_id', '=', organizationId)
        .where('deleted_at', 'is', null)
        .groupBy('project_id')
        .execute();
      const projects = new Set([keys, files, datasets, jobs, endpoints].flatMap((rows) => rows.map((row) => row.project_id)));
      return {
        otherMembers: Number(members.n),
        apiKeys: total(keys),
        files: total(files),
        datasets: total(datasets),
        fineTuningJobs: total(jobs),
        endpoints: total(endpoints),
        projects: projects.size,
      };
    },
  };
}

export type OrganizationContentsRepository = ReturnType<typeof organizationContentsRepository>;
