import { sql } from 'kysely';
import type { DatabaseHandle, Dialect } from './database.ts';
import type { Executor } from './executor.ts';
import { apiKeysRepository } from './api-keys.ts';
import { auditRepository } from './audit.ts';
import { batchesRepository } from './batches.ts';
import { budgetsRepository } from './budgets.ts';
import { datasetsRepository } from './datasets.ts';
import { emailVerificationsRepository } from './email-verifications.ts';
import { endpointsRepository } from './endpoints.ts';
import { endpointReplicasRepository } from './endpoint-replicas.ts';
import { filesRepository } from './files.ts';
import { gatewayRepository } from './gateway-settings.ts';
import { fineTuningRepository } from './fine-tuning.ts';
import { groupsRepository } from './groups.ts';
import { invitationsRepository } from './invitations.ts';
import { organizationContentsRepository } from './organization-contents.ts';
import { organizationsRepository } from './organizations.ts';
import { projectsRepository } from './projects.ts';
import { scimRepository } from './scim.ts';
import { rolesRepository } from './roles.ts';
import { serviceAccountsRepository } from './service-accounts.ts';
import { sessionsRepository } from './sessions.ts';
import { ssoRepository } from './sso.ts';
import { usersRepository } from './users.ts';

function repositories(db: Executor, dialect: Dialect) {
  return {
    users: usersRepository(db),
    sessions: sessionsRepository(db),
    organizations: organizationsRepository(db, dialect),
    organizationContents: organizationContentsRepository(db),
    projects: projectsRepository(db, dialect),
    groups: groupsRepository(db),
    roles: rolesRepository(db, dialect),
    invitations: invitationsRepository(db),
    audit: auditRepository(db, dialect),
    serviceAccounts: serviceAccountsRepository(db),
    apiKeys: apiKeysRepository(db),
    emailVerifications: emailVerificationsRepository(db),
    files: filesRepository(db),
    datasets: datasetsRepository(db),
    fineTuning: fineTuningRepository(db, dialect),
    gateway: gatewayRepository(db),
    endpoints: endpointsRepository(db),
    endpointReplicas: endpointReplicasRepository(db),
    sso: ssoRepository(db),
    scim: scimRepository(db),
    batches: batchesRepository(db, dialect),
    budgets: budgetsRepository(db),
  };
}

export type Repositories = ReturnType<typeof repositories>;

export interface Store extends Repositories {
  dialect: Dialect;
  /** Runs `work` in one transaction: everything it writes commits together, or nothing does. */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /** Queries run through this store so far. */
  queryCount(): number;
  close(): Promise<void>;
}

export function createStore(handle: DatabaseHandle): Store {
  const { db, dialect } = handle;
  return {
    ...repositories(db, dialect),
    dialect,
    transaction: (work) => db.transaction().execute((trx) => work(repositories(trx, dialect))),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    queryCount: () => handle.queryCount(),
    close: () => handle.close(),
  };
}
