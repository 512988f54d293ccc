/**
 * Row shapes as the database holds them. Times are Unix seconds; flags are 0/1 integers because
 * SQLite has no boolean type and better-sqlite3 refuses to bind JavaScript booleans.
 */

import type { ScopeType } from '../access/membership-grant.ts';
import type { PrincipalType } from '../access/principal.ts';

// The policy owns these names; rows carry them.
export type { PrincipalType, ScopeType };

export interface UsersTable {
  id: string;
  email: string;
  email_normalized: string;
  name: string;
  password_hash: string;
  email_verified: number;
  created_at: number;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  personal: number;
  created_at: number;
  deleted_at: number | null;
  /** The user whose personal organization this is; null for other organizations. */
  owner_id: string | null;
  /** What removing a member does to the keys it made for service accounts. */
  api_key_creator_removal: ApiKeyCreatorRemoval;
}

export type ApiKeyCreatorRemoval = 'revoke' | 'flag';

export interface OrganizationMembersTable {
  organization_id: string;
  principal_id: string;
  principal_type: PrincipalType;
  added_at: number;
}

export interface ProjectsTable {
  id: string;
  organization_id: string;
  name: string;
  is_default: number;
  status: 'active' | 'archived';
  created_at: number;
  archived_at: number | null;
}

export interface ProjectRegionsTable {
  project_id: string;
  region: string;
  position: number;
}

export interface GroupsTable {
  id: string;
  organization_id: string;
  scope_type: ScopeType;
  /** The organization's id for an organization group, the project's id for a project group. */
  scope_id: string;
  name: string;
  role: string;
  built_in: number;
  created_at: number;
}

export interface RolesTable {
  id: string;
  organization_id: string;
  name: string;
  description: string;
  scope: ScopeType;
  /** JSON list of permission names. */
  permissions: string;
  created_at: number;
  updated_at: number;
}

export interface GroupMembersTable {
  group_id: string;
  organization_id: string;
  principal_id: string;
  principal_type: PrincipalType;
  expires_at: number | null;
  added_at: number;
}


export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'revoked';

export interface InvitationsTable {
  id: string;
  organization_id: string;
  email: string;
  email_normalized: string;
  /** `expired` is not stored: a pending invitation past its expires_at reads as expired. */
  status: InvitationStatus;
  group_ids: string;
  projects: string;
  inviter_id: string;
  created_at: number;
  expires_at: number;
  responded_at: number | null;
}

export interface ServiceAccountsTable {
  id: string;
  organization_id: string;
  name: string;
  created_at: number;
  deleted_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  scope_type: ScopeType;
  scope_id: string;
  owner_type: PrincipalType;
  owner_id: string;
  created_by: string;
  name: string;
  redacted_value: string;
  permissions: 'all' | 'read_only' | 'restricted';
  /** JSON object resource -> none|read|write when `permissions` is `restricted`; else null. */
  restricted_permissions: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  /** JSON list of the permission names the creator held when it made the key; null: no ceiling. */
  permission_ceiling: string | null;
  /** When the key's creator left the organization, for keys kept working by the organization's setting. */
  creator_removed_at: number | null;
}

export interface ApiKeySecretsTable {
  secret_hash: string;
  key_id: string;
  /** Null while the secret is the key's current one; set when a rotation gives it a grace period. */
  valid_until: number | null;
}

export interface AuditChainsTable {
  organization_id: string;
  last_seq: number;
  last_hash: string;
}

export interface AuditEventsTable {
  id: string;
  organization_id: string;
  seq: number;
  type: string;
  actor_type: 'user' | 'service_account' | 'system' | 'scim_token';
  actor_id: string | null;
  actor_api_key_id: string | null;
  project_id: string | null;
  resource_type: string;
  resource_id: string;
  /** JSON text. */
  data: string;
  ip_address: string | null;
  created_at: number;
  hash: string;
}

export interface EmailVerificationsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface FilesTable {
  id: string;
  organization_id: string;
  project_id: string;
  filename: string;
  purpose: string;
  bytes: number;
  format: string | null;
  rows: number | null;
  created_at: number;
}

export interface DatasetsTable {
  id: string;
  organization_id: string;
  project_id: string;
  name: string;
  /** JSON array of file ids. */
  file_ids: string;
  format: string;
  rows: number;
  region: string;
  created_at: number;
}

export interface FineTuningJobsTable {
  id: string;
  organization_id: string;
  project_id: string;
  model: string;
  training_file: string;
  validation_file: string | null;
  /** JSON. */
  hyperparameters: string;
  /** JSON. */
  method: string;
  suffix: string | null;
  seed: number;
  /** JSON or null. */
  metadata: string | null;
  status: 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** JSON {code, message, param} or null. */
  error: string | null;
  fine_tuned_model: string | null;
  /** JSON array of file ids. */
  result_files: string;
  trained_tokens: number | null;
  created_at: number;
  finished_at: number | null;
  worker_id: string | null;
  lease_expires_at: number | null;
  attempts: number;
  cancel_requested: number;
}

export interface FineTuningEventsTable {
  id: string;
  job_id: string;
  seq: number;
  created_at: number;
  level: string;
  message: string;
  type: string;
  data: string | null;
}

export interface FineTuningCheckpointsTable {
  id: string;
  job_id: string;
  step_number: number;
  metrics: string;
  path: string;
  created_at: number;
}

export interface ModelPermissionsTable {
  project_id: string;
  mode: 'allow_list' | 'deny_list';
  /** JSON array. */
  model_ids: string;
  updated_at: number;
}

export interface RateLimitsTable {
  project_id: string;
  model: string;
  max_requests_per_1_minute: number;
  max_tokens_per_1_minute: number;
  updated_at: number;
}

export interface UsageBucketsTable {
  organization_id: string;
  project_id: string;
  api_key_id: string;
  model: string;
  /** 1 for requests of a batch, 0 for interactive ones. */
  batch: number;
  bucket_start: number;
  num_model_requests: number;
  input_tokens: number;
  output_tokens: number;
}

export interface DedicatedEndpointsTable {
  id: string;
  organization_id: string;
  project_id: string;
  name: string;
  description: string;
  model_name: string;
  flavor_name: string;
  gpu_type: string;
  gpu_count: number;
  region: string;
  min_replicas: number;
  max_replicas: number;
  enabled: number;
  routing_key: string;
  status: string;
  created_at: number;
  deleted_at: number | null;
}

/** One replica of a dedicated endpoint, as its provisioner's leader last saw it. */
export interface EndpointReplicasTable {
  endpoint_id: string;
  url: string;
  healthy: number;
  updated_at: number;
}

/** One replica's lifetime (ended_at null while it runs), for spend by replica-hour. */
export interface ReplicaIntervalsTable {
  endpoint_id: string;
  url: string;
  organization_id: string;
  project_id: string;
  model: string;
  started_at: number;
  ended_at: number | null;
}

/** An organization's OIDC connection; the client secret sealed with the server secret. */
export interface SsoConnectionsTable {
  id: string;
  organization_id: string;
  name: string;
  issuer: string;
  client_id: string;
  client_secret_sealed: string | null;
  /** JSON array of group ids a person joins with at first sign-in. */
  default_group_ids: string;
  enforced: number;
  created_at: number;
  updated_at: number;
}

export interface SsoDomainsTable {
  connection_id: string;
  organization_id: string;
  /** Lower case. */
  domain: string;
  verification_token: string;
  verified_at: number | null;
  /** How it was proven: `operator`, `admin_email` or `dns`. */
  verified_by: string | null;
  created_at: number;
}

export interface SsoGroupMappingsTable {
  id: string;
  connection_id: string;
  organization_id: string;
  idp_group: string;
  group_id: string;
  created_at: number;
}

/** A group membership a mapping made: only these are removed when the IdP stops naming the group. */
export interface SsoMappedMembershipsTable {
  connection_id: string;
  group_id: string;
  principal_id: string;
  organization_id: string;
  added_at: number;
}

export interface SsoIdentitiesTable {
  connection_id: string;
  subject: string;
  user_id: string;
  created_at: number;
}

/** A sign-in in flight: keyed by its state's hash; PKCE verifier and nonce sealed. */
export interface SsoLoginAttemptsTable {
  state_hash: string;
  connection_id: string;
  organization_id: string;
  sealed_checks: string;
  /** A loopback URL of the CLI that waits for the sign-in, and the S256 challenge it sent. */
  return_to: string | null;
  return_challenge: string | null;
  /** Set once the IdP answered: the hash of the one-time code the CLI exchanges for a session. */
  handoff_hash: string | null;
  user_id: string | null;
  created_at: number;
  expires_at: number;
}

export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

export interface BatchesTable {
  id: string;
  organization_id: string;
  project_id: string;
  /** '' when the batch was created with a session. */
  api_key_id: string;
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  /** JSON {object: "list", data: [{code, message, param, line}]} or null. */
  errors: string | null;
  output_file_id: string | null;
  error_file_id: string | null;
  /** JSON or null. */
  metadata: string | null;
  total: number;
  completed: number;
  failed: number;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
}

export type BatchLineState = 'pending' | 'sending' | 'succeeded' | 'failed';

export interface BatchLinesTable {
  batch_id: string;
  line: number;
  custom_id: string;
  model: string;
  /** JSON text. */
  body: string;
  state: BatchLineState;
  attempts: number;
  /** JSON text of its output or error file line, once finished. */
  result: string | null;
}

export interface BudgetsTable {
  id: string;
  organization_id: string;
  project_id: string | null;
  api_key_id: string | null;
  level: string;
  name: string;
  amount_micro_usd: number;
  tokens: number | null;
  period: string;
  hard: number;
  /** JSON array of addresses. */
  alert_emails: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface BudgetAlertsTable {
  budget_id: string;
  period_start: number;
  threshold: number;
  spent_micro_usd: number;
  created_at: number;
}

export interface WebhooksTable {
  id: string;
  organization_id: string;
  url: string;
  description: string;
  secret_encrypted: string;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_type: string;
  payload: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A SCIM bearer token of one organization; only its SHA-256 is kept. */
export interface ScimTokensTable {
  id: string;
  organization_id: string;
  name: string;
  token_hash: string;
  redacted_value: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
}

/** What an organization's identity provider says about a person it provisions. */
export interface ScimUsersTable {
  organization_id: string;
  user_id: string;
  external_id: string | null;
  given_name: string | null;
  family_name: string | null;
  display_name: string | null;
  created_at: number;
  updated_at: number;
}

/** The identity provider's id for an organization group it provisions. */
export interface ScimGroupsTable {
  group_id: string;
  organization_id: string;
  external_id: string | null;
  updated_at: number;
}

export interface Database {
  sso_connections: SsoConnectionsTable;
  sso_domains: SsoDomainsTable;
  sso_group_mappings: SsoGroupMappingsTable;
  sso_mapped_memberships: SsoMappedMembershipsTable;
  sso_identities: SsoIdentitiesTable;
  sso_login_attempts: SsoLoginAttemptsTable;
  scim_tokens: ScimTokensTable;
  scim_users: ScimUsersTable;
  scim_groups: ScimGroupsTable;
  batches: BatchesTable;
  batch_lines: BatchLinesTable;
  budgets: BudgetsTable;
  budget_alerts: BudgetAlertsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  endpoint_replicas: EndpointReplicasTable;
  replica_intervals: ReplicaIntervalsTable;
  dedicated_endpoints: DedicatedEndpointsTable;
  model_permissions: ModelPermissionsTable;
  rate_limits: RateLimitsTable;
  usage_buckets: UsageBucketsTable;
  files: FilesTable;
  datasets: DatasetsTable;
  fine_tuning_jobs: FineTuningJobsTable;
  fine_tuning_events: FineTuningEventsTable;
  fine_tuning_checkpoints: FineTuningCheckpointsTable;
  service_accounts: ServiceAccountsTable;
  api_keys: ApiKeysTable;
  api_key_secrets: ApiKeySecretsTable;
  audit_chains: AuditChainsTable;
  audit_events: AuditEventsTable;
  email_verifications: EmailVerificationsTable;
  invitations: InvitationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  organizations: OrganizationsTable;
  organization_members: OrganizationMembersTable;
  projects: ProjectsTable;
  project_regions: ProjectRegionsTable;
  groups: GroupsTable;
  roles: RolesTable;
  group_members: GroupMembersTable;
}
