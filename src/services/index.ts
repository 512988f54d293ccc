import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import { createAccessService } from './access.ts';
import { createAccountService } from './accounts.ts';
import { createAuthorizer } from './authorizer.ts';
import type { Clock } from './clock.ts';
import { createGroupService } from './groups.ts';
import { createInvitationService } from './invitations.ts';
import { createMemberService } from './members.ts';
import type { Notifier } from './notifier.ts';
import { createOrganizationService } from './organizations.ts';
import { createProjectService } from './projects.ts';
import { createRegionCatalogue } from './regions.ts';
import { createSessionService } from './sessions.ts';

/** Wires every use case to exactly the dependencies it needs. */
export function createServices(deps: {
  store: Store;
  config: Config;
  clock: Clock;
  secret: string;
  notifier: Notifier;
  onError?: (error: unknown) => void;
}) {
  const { store, config, clock, secret } = deps;
  const authorizer = createAuthorizer(store, clock);
  const regions = createRegionCatalogue(config.regions, config.defaultRegion);
  const sessions = createSessionService({ store, clock, secret, ...(deps.onError ? { onError: deps.onError } : {}) });
  return {
    authorizer,
    regions,
    sessions,
    accounts: createAccountService({ store, clock, sessions, authorizer, limits: config.auth, defaultRegion: config.defaultRegion }),
    organizations: createOrganizationService({ store, clock, authorizer, defaultRegion: config.defaultRegion }),
    projects: createProjectService({ store, clock, authorizer, regions }),
    groups: createGroupService({ store, clock, authorizer }),
    members: createMemberService({ store, authorizer }),
    access: createAccessService({ store, clock, authorizer }),
    invitations: createInvitationService({ store, clock, authorizer, notifier: deps.notifier, consoleUrl: config.consoleUrl }),
    /** Writes what is buffered in memory; called on shutdown. */
    async flush(): Promise<void> {
      await sessions.flush();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
