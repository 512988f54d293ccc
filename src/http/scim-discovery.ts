import { SCIM_MAX_RESULTS, SCIM_SCHEMAS } from './schemas/scim.ts';

/**
 * The discovery documents of RFC 7644 section 4: what this server supports, described for the
 * identity provider. They say only what the routes do: PATCH yes, filter (one equality) yes, bulk,
 * sort, change passwords and ETags no.
 */

export function serviceProviderConfig(base: string) {
  return {
    schemas: [SCIM_SCHEMAS.serviceProviderConfig],
    documentationUri: 'https://github.com/tenantry/tenantry#provisioning-scim',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'SCIM token', description: 'A SCIM token of the organization (tnt_scim_...), made by an organization admin.', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string) {
  return [
    { schemas: [SCIM_SCHEMAS.resourceType], id: 'User', name: 'User', endpoint: '/Users', description: 'A member of the organization', schema: SCIM_SCHEMAS.user, meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` } },
    { schemas: [SCIM_SCHEMAS.resourceType], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'A group of the organization', schema: SCIM_SCHEMAS.group, meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` } },
  ];
}

type Attribute = { name: string; type: string; multiValued?: boolean; required?: boolean; mutability?: string; uniqueness?: string; subAttributes?: Attribute[]; description: string };

interface AttributeDefinition {
  name: string;
  type: string;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: string;
  returned: string;
  uniqueness: string;
  subAttributes?: AttributeDefinition[];
}

function attribute(a: Attribute): AttributeDefinition {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued ?? false,
    description: a.description,
    required: a.required ?? false,
    caseExact: false,
    mutability: a.mutability ?? 'readWrite',
    returned: 'default',
    uniqueness: a.uniqueness ?? 'none',
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attribute) } : {}),
  };
}

const USER_ATTRIBUTES: Attribute[] = [
  { name: 'userName', type: 'string', required: true, uniqueness: 'server', mutability: 'immutable', description: 'The person\'s email address; the Tenantry account\'s email.' },
  {
    name: 'name',
    type: 'complex',
    description: 'The parts of the person\'s name.',
    subAttributes: [
      { name: 'givenName', type: 'string', description: 'Given name.' },
      { name: 'familyName', type: 'string', description: 'Family name.' },
      { name: 'formatted', type: 'string', mutability: 'readOnly', description: 'The full name.' },
    ],
  },
  { name: 'displayName', type: 'string', description: 'The name shown for the person.' },
  { name: 'externalId', type: 'string', description: 'The identity provider\'s id for the person.' },
  { name: 'active', type: 'boolean', description: 'Whether the person is a member of the organization; false removes their access at once.' },
  {
    name: 'emails',
    type: 'complex',
    multiValued: true,
    mutability: 'readOnly',
    description: 'The account\'s email, which is userName.',
    subAttributes: [
      { name: 'value', type: 'string', description: 'The address.' },
      { name: 'type', type: 'string', description: 'Always work.' },
      { name: 'primary', type: 'boolean', description: 'Always true.' },
    ],
  },
  { name: 'groups', type: 'complex', multiValued: true, mutability: 'readOnly', description: 'The organization groups the person is in.', subAttributes: [{ name: 'value', type: 'string', description: 'The group\'s id.' }, { name: 'display', type: 'string', description: 'The group\'s name.' }] },
];

const GROUP_ATTRIBUTES: Attribute[] = [
  { name: 'displayName', type: 'string', required: true, uniqueness: 'server', description: 'The group\'s name, unique in the organization.' },
  { name: 'externalId', type: 'string', description: 'The identity provider\'s id for the group.' },
  { name: 'members', type: 'complex', multiValued: true, description: 'The Users in the group.', subAttributes: [{ name: 'value', type: 'string', mutability: 'immutable', description: 'The User\'s id.' }, { name: 'display', type: 'string', mutability: 'readOnly', description: 'The User\'s email.' }] },
];

export function schemas(base: string) {
  return [
    { schemas: [SCIM_SCHEMAS.schema], id: SCIM_SCHEMAS.user, name: 'User', description: 'A member of the organization', attributes: USER_ATTRIBUTES.map(attribute), meta: { resourceType: 'Schema', location: `${base}/Schemas/${SCIM_SCHEMAS.user}` } },
    { schemas: [SCIM_SCHEMAS.schema], id: SCIM_SCHEMAS.group, name: 'Group', description: 'A group of the organization', attributes: GROUP_ATTRIBUTES.map(attribute), meta: { resourceType: 'Schema', location: `${base}/Schemas/${SCIM_SCHEMAS.group}` } },
  ];
}

/** Discovery documents listed as RFC 7644 lists them. */
export function listResponse<T>(resources: T[]) {
  return { schemas: [SCIM_SCHEMAS.list], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}
