import type { ScimGroupRecord, ScimUserRecord } from '../store/records.ts';
import { SCIM_SCHEMAS } from './schemas/scim.ts';

/** Records as SCIM shows them (RFC 7643): times as ISO 8601, each resource with its meta.location. */

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export function presentScimUser(base: string, record: ScimUserRecord, groups: Array<{ id: string; name: string }>) {
  const { user } = record;
  const formatted = [record.given_name, record.family_name].filter(Boolean).join(' ') || record.display_name || user.name;
  return {
    schemas: [SCIM_SCHEMAS.user],
    id: user.id,
    ...(record.external_id !== null ? { externalId: record.external_id } : {}),
    userName: user.email,
    name: {
      ...(record.given_name !== null ? { givenName: record.given_name } : {}),
      ...(record.family_name !== null ? { familyName: record.family_name } : {}),
      formatted,
    },
    displayName: record.display_name ?? user.name,
    emails: [{ value: user.email, type: 'work', primary: true }],
    active: record.active,
    groups: groups.map((g) => ({ value: g.id, display: g.name, $ref: `${base}/Groups/${g.id}` })),
    meta: { resourceType: 'User', created: iso(record.created_at), lastModified: iso(record.updated_at), location: `${base}/Users/${user.id}` },
  };
}

export function presentScimGroup(base: string, record: ScimGroupRecord, withMembers = true) {
  const { group } = record;
  return {
    schemas: [SCIM_SCHEMAS.group],
    id: group.id,
    ...(record.external_id !== null ? { externalId: record.external_id } : {}),
    displayName: group.name,
    ...(withMembers ? { members: record.members.map((m) => ({ value: m.id, display: m.email, $ref: `${base}/Users/${m.id}`, type: 'User' as const })) } : {}),
    meta: { resourceType: 'Group', created: iso(group.created_at), lastModified: iso(Math.max(group.created_at, record.updated_at)), location: `${base}/Groups/${group.id}` },
  };
}

export function presentScimList<T>(resources: T[], total: number, startIndex: number) {
  return { schemas: [SCIM_SCHEMAS.list], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}
