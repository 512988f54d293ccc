import assert from 'node:assert/strict';
import type { Api, SignedUpUser } from './client.ts';

/** Steps several tests share, each through the public API. */

export async function createOrganization(api: Api, owner: SignedUpUser, name = 'Acme'): Promise<{ id: string; defaultProjectId: string }> {
  const created = await api.post('/v1/organizations', owner.token, { name });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const projects = await api.get(`/v1/organizations/${created.body.id}/projects`, owner.token);
  return { id: created.body.id, defaultProjectId: projects.body.data[0].id };
}

export async function groupNamed(api: Api, token: string, scopePath: string, name: string): Promise<{ id: string; role: string }> {
  const groups = await api.get(`${scopePath}/groups?limit=100`, token);
  assert.equal(groups.status, 200, JSON.stringify(groups.body));
  const group = groups.body.data.find((g: { name: string }) => g.name === name);
  assert.ok(group, `no group ${name} under ${scopePath}`);
  return group;
}

/** Invites `invitee` into the organization (optionally into groups) and accepts as the invitee. */
export async function addMember(
  api: Api,
  admin: SignedUpUser,
  organizationId: string,
  invitee: SignedUpUser,
  grants: { group_ids?: string[]; projects?: Array<{ project_id: string; group_id: string }> } = {},
): Promise<void> {
  const invitation = await api.post(`/v1/organizations/${organizationId}/invitations`, admin.token, { email: invitee.user.email, ...grants });
  assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
  const accepted = await api.post(`/v1/me/invitations/${invitation.body.id}/accept`, invitee.token);
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
}
