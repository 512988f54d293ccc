/**
 * The API's objects, as the server's response schemas (src/http/schemas) declare them and its answers are
 * checked against: one source, no copy to drift. Type-only, so nothing of zod reaches the bundle.
 */
export type {
  AccessEntry,
  ApiKey,
  Dataset,
  DatasetRow,
  DatasetRows,
  AuditEvent,
  Batch,
  Budget,
  BudgetStanding,
  EffectiveChain,
  Endpoint,
  EndpointTemplate,
  FileObject,
  Group,
  GroupMember,
  Invitation,
  IssuedApiKey,
  KeyPermissionMap,
  Job,
  JobEvent,
  List,
  MeOrganization,
  Member,
  Model,
  ModelPermissions,
  Organization,
  Permission as PermissionEntry,
  Principal,
  Project,
  RateLimit,
  Role,
  Region,
  Scope,
  ServiceAccount,
  UsagePage,
  UsageResult,
  User,
  WholeList,
} from '../../src/http/schemas/api-types.ts';

/** The console signs in with a password: its caller is always a user. */
export type { UserMe as Me } from '../../src/http/schemas/api-types.ts';
