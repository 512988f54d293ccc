import type { z } from 'zod';
import type { loginAnswer, meObject, meOrganization, sessionRevocationObject, signupAnswer } from './accounts.ts';
import type { batchObject } from './batches.ts';
import type { budgetObject, deliveryList, deliveryObject, effectiveChainObject, issuedWebhookObject, webhookList, webhookObject } from './budgets.ts';
import type { errorResponse, listOf } from './envelopes.ts';
import type { issuedScimTokenObject, scimTokenObject } from './scim.ts';
import type { ssoConnectionObject, ssoDomainObject, ssoGroupMappingObject } from './sso.ts';
import type { fineTuningJob, fineTuningJobCheckpoint, fineTuningJobEvent } from './fine-tuning.ts';
import type {
  accessCheckObject,
  apiKeyObject,
  auditEventObject,
  auditVerificationObject,
  groupMemberObject,
  groupObject,
  invitationObject,
  issuedApiKeyObject,
  organizationMemberObject,
  organizationObject,
  permissionObject,
  projectAccessEntry,
  projectObject,
  regionObject,
  roleObject,
  serviceAccountObject,
  userObject,
} from './objects.ts';
import type {
  datasetObject,
  datasetRowList,
  endpointObject,
  endpointTemplateObject,
  fileObject,
  modelObject,
  modelPermissionsObject,
  rateLimitObject,
  spendPage,
  usagePage,
  usageResult,
} from './resources.ts';

/**
 * The API's objects as clients read them, derived from the response schemas that the server's answers
 * are checked against: the one source of the console's and the CLI's types. Type-only: importing this
 * (with `import type`) brings nothing of zod or of the server into a bundle.
 */

/** What a response schema lets through, as the client reads it. */
export type ApiObject<Schema extends z.ZodType> = z.output<Schema>;

/** API.md's list envelope around an object. */
export type List<T> = Omit<ApiObject<ReturnType<typeof listOf>>, 'data'> & { data: T[] };
/** A list that is never paged: `{object: "list", data}`. */
export type WholeList<T> = { object: 'list'; data: T[] };
export type ErrorBody = ApiObject<typeof errorResponse>;

export type User = ApiObject<typeof userObject>;
export type Me = ApiObject<typeof meObject>;
/** `GET /v1/me` for a user (a session is always a user's). */
export type UserMe = Extract<Me, { object: 'user' }>;
export type MeOrganization = ApiObject<typeof meOrganization>;
export type Signup = ApiObject<typeof signupAnswer>;
export type Login = ApiObject<typeof loginAnswer>;
export type SessionRevocation = ApiObject<typeof sessionRevocationObject>;

export type Organization = ApiObject<typeof organizationObject>;
export type Project = ApiObject<typeof projectObject>;
export type Region = ApiObject<typeof regionObject>;
export type Group = ApiObject<typeof groupObject>;
export type GroupMember = ApiObject<typeof groupMemberObject>;
export type Member = ApiObject<typeof organizationMemberObject>;
export type Principal = Member['principal'];
export type Scope = Group['scope'];
export type Permission = ApiObject<typeof permissionObject>;
export type Role = ApiObject<typeof roleObject>;
export type AccessCheck = ApiObject<typeof accessCheckObject>;
export type AccessEntry = ApiObject<typeof projectAccessEntry>;
export type ServiceAccount = ApiObject<typeof serviceAccountObject>;
export type Invitation = ApiObject<typeof invitationObject>;
export type ApiKey = ApiObject<typeof apiKeyObject>;
export type IssuedApiKey = ApiObject<typeof issuedApiKeyObject>;
/** A restricted key's map of resource -> none|read|write. */
export type KeyPermissionMap = Exclude<ApiKey['permissions'], string>;
export type AuditEvent = ApiObject<typeof auditEventObject>;
export type AuditVerification = ApiObject<typeof auditVerificationObject>;

export type FileObject = ApiObject<typeof fileObject>;
export type Dataset = ApiObject<typeof datasetObject>;
export type DatasetRows = ApiObject<typeof datasetRowList>;
export type DatasetRow = DatasetRows['data'][number];
export type Model = ApiObject<typeof modelObject>;
export type Endpoint = ApiObject<typeof endpointObject>;
export type EndpointTemplate = ApiObject<typeof endpointTemplateObject>;
export type ModelPermissions = ApiObject<typeof modelPermissionsObject>;
export type RateLimit = ApiObject<typeof rateLimitObject>;
export type UsagePage = ApiObject<typeof usagePage>;
export type UsageResult = ApiObject<typeof usageResult>;
export type SpendPage = ApiObject<typeof spendPage>;

export type Batch = ApiObject<typeof batchObject>;
export type Budget = ApiObject<typeof budgetObject>;
export type EffectiveChain = ApiObject<typeof effectiveChainObject>;
export type BudgetStanding = EffectiveChain['chain'][number];
export type Webhook = ApiObject<typeof webhookObject>;
export type WebhookDelivery = ApiObject<typeof deliveryObject>;
export type IssuedWebhook = ApiObject<typeof issuedWebhookObject>;
export type WebhookList = ApiObject<typeof webhookList>;
export type DeliveryList = ApiObject<typeof deliveryList>;

export type SsoConnection = ApiObject<typeof ssoConnectionObject>;
export type SsoDomain = ApiObject<typeof ssoDomainObject>;
export type SsoGroupMapping = ApiObject<typeof ssoGroupMappingObject>;

export type ScimToken = ApiObject<typeof scimTokenObject>;
export type IssuedScimToken = ApiObject<typeof issuedScimTokenObject>;

export type Job = ApiObject<typeof fineTuningJob>;
export type JobEvent = ApiObject<typeof fineTuningJobEvent>;
export type JobCheckpoint = ApiObject<typeof fineTuningJobCheckpoint>;
