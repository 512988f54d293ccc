/** The API's objects, as ../shared/API.md describes them (only the fields the console reads). */

export interface List<T> {
  object: 'list';
  data: T[];
  first_id?: string | null;
  last_id?: string | null;
  has_more: boolean;
}

export interface User {
  id: string;
  email: string;
  name: string;
}

export interface MeOrganization {
  id: string;
  name: string;
  personal: boolean;
  groups: Array<{ id: string; name: string; role: string }>;
}

export interface Me extends User {
  csrf_token?: string;
  email_verified: boolean;
  /** Whether this server verifies emails (it has SMTP): only then is an unverified user asked to. */
  email_verification_enabled: boolean;
  organizations: MeOrganization[];
}

export interface Organization {
  id: string;
  name: string;
  personal: boolean;
  created_at: number;
}

export interface Project {
  id: string;
  organization_id: string;
  name: string;
  regions: string[];
  is_default: boolean;
  status: 'active' | 'archived';
  created_at: number;
  archived_at: number | null;
}

export interface Region {
  id: string;
  inference_base_url: string;
}

export interface Scope {
  type: 'organization' | 'project';
  id: string;
}

export interface Principal {
  type: 'user' | 'service_account';
  id: string;
  name: string;
  email?: string;
}

export interface Group {
  id: string;
  name: string;
  scope: Scope;
  /** A built-in role's name, or a custom role's id. */
  role: string;
  role_name: string;
  built_in: boolean;
  created_at: number;
}

export interface Role {
  id: string;
  organization_id: string | null;
  name: string;
  description: string;
  scope: 'organization' | 'project';
  permissions: string[];
  built_in: boolean;
  created_at: number | null;
  updated_at: number | null;
}

export interface PermissionEntry {
  name: string;
  scope: 'organization' | 'project';
  description: string;
  roles: string[];
}

/** A restricted key's map of resource -> none|read|write. */
export type KeyPermissionMap = Record<string, 'none' | 'read' | 'write'>;

export interface GroupMember {
  group_id: string;
  principal: Principal;
  expires_at: number | null;
  added_at: number;
}

export interface Member {
  principal: Principal;
  groups: Array<{ id: string; name: string; role: string; role_name: string; scope: Scope; expires_at: number | null }>;
  added_at: number;
}

export interface Invitation {
  id: string;
  organization_id: string;
  organization_name: string;
  email: string;
  status: 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';
  group_ids: string[];
  projects: Array<{ project_id: string; group_id: string }>;
  inviter_id: string;
  created_at: number;
  expires_at: number;
}

export interface ApiKey {
  id: string;
  name: string;
  redacted_value: string;
  owner: { type: 'user' | 'service_account'; id: string };
  created_by: string;
  permissions: 'all' | 'read_only' | KeyPermissionMap;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  /** When its creator left the organization, for a key the organization keeps working. */
  creator_removed_at: number | null;
}

export interface IssuedApiKey extends ApiKey {
  key: string;
}

export interface FileObject {
  id: string;
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
}

export interface Model {
  id: string;
  created: number;
  owned_by: string;
}

export interface Job {
  id: string;
  created_at: number;
  finished_at: number | null;
  model: string;
  status: 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  fine_tuned_model: string | null;
  training_file: string;
  validation_file: string | null;
  suffix: string | null;
  error: { message?: string } | null;
  result_files: string[];
}

export interface JobEvent {
  id: string;
  created_at: number;
  level: string;
  message: string;
  type: string;
  data: Record<string, unknown> | null;
}

export interface AuditEvent {
  id: string;
  seq: number;
  type: string;
  actor: { type: string; id: string | null; api_key_id: string | null };
  project_id: string | null;
  resource: { type: string; id: string };
  data: Record<string, unknown>;
  ip_address: string | null;
  created_at: number;
}

export interface UsageResult {
  project_id: string | null;
  api_key_id: string | null;
  model: string | null;
  num_model_requests: number;
  input_tokens: number;
  output_tokens: number;
  /** What the tokens cost at the configured prices. */
  amount: { value: number; currency: 'usd' };
}

export interface UsagePage {
  data: Array<{ start_time: number; end_time: number; results: UsageResult[] }>;
}

export interface Endpoint {
  id: string;
  name: string;
  description: string | null;
  model_name: string;
  flavor_name: string;
  gpu_type: string;
  gpu_count: number;
  region: string;
  inference_base_url: string;
  scaling: { min_replicas: number; max_replicas: number };
  enabled: boolean;
  routing_key: string;
  status: string;
  created_at: number;
}

export interface EndpointTemplate {
  model_name: string;
  flavor_name: string;
  gpu_types: string[];
}

export interface AccessEntry {
  principal: Principal;
  role: string;
  /** Each group it comes from, with that group's role (a custom role by id and name). */
  via: Array<{ group_id: string; scope: Scope; role: string; role_name: string }>;
}

export interface Batch {
  id: string;
  endpoint: string;
  input_file_id: string;
  status: 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';
  errors: { data: Array<{ code: string; message: string; param: string | null; line: number | null }> } | null;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  expires_at: number | null;
  completed_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

export interface Budget {
  id: string;
  object: 'budget';
  level: 'organization' | 'project' | 'api_key';
  organization_id: string;
  project_id: string | null;
  api_key_id: string | null;
  name: string;
  amount: number;
  currency: 'usd';
  tokens: number | null;
  period: 'day' | 'month';
  hard: boolean;
  alert_emails: string[];
  created_at: number;
  updated_at: number;
}

export interface BudgetStanding extends Budget {
  period_start: number;
  period_end: number;
  spent: { amount: number; tokens: number };
  remaining: { amount: number; tokens: number | null };
  exhausted: boolean;
  binds: boolean;
}

export interface EffectiveChain {
  project_id: string;
  api_key_id: string | null;
  binding_budget_id: string | null;
  chain: BudgetStanding[];
}

export interface ServiceAccount {
  id: string;
  organization_id: string;
  name: string;
  created_at: number;
}

export interface RateLimit {
  id: string;
  model: string;
  max_requests_per_1_minute: number;
  max_tokens_per_1_minute: number;
}

export interface ModelPermissions {
  mode: 'allow_list' | 'deny_list';
  model_ids: string[];
}

export interface Dataset {
  id: string;
  name: string;
  file_ids: string[];
  format: string;
  rows: number;
  region: string;
  created_at: number;
}

export interface DatasetRow {
  index: number;
  file_id: string;
  line: number;
  data: unknown;
}

export interface DatasetRows extends List<DatasetRow> {
  total: number;
}

export interface SsoDomain {
  domain: string;
  verified: boolean;
  verified_at: number | null;
  verification_method: 'operator' | 'admin_email' | 'dns' | null;
  verification: { type: 'dns_txt'; name: string; value: string };
}

export interface SsoConnection {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  client_secret_set: boolean;
  redirect_uri: string;
  domains: SsoDomain[];
  default_group_ids: string[];
  enforced: boolean;
  created_at: number;
}

export interface SsoGroupMapping {
  id: string;
  connection_id: string;
  idp_group: string;
  group_id: string;
  created_at: number;
}

/** A SCIM token of an organization, for its identity provider; `token` only in the answer that made it. */
export interface ScimToken {
  id: string;
  object: 'scim_token';
  organization_id: string;
  name: string;
  redacted_value: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
  base_url: string;
}

export interface IssuedScimToken extends ScimToken {
  token: string;
}
