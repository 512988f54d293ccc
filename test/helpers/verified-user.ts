import assert from 'node:assert/strict';
import type { Api, SignedUpUser } from './client.ts';
import { bodyOf, type ReceivedMail } from './smtp.ts';

/** Signs up with `email` and verifies it through the emailed link, as a person would (the server must have SMTP). */
export async function verifiedUser(api: Api, smtp: { messages: ReceivedMail[]; waitFor(count: number): Promise<void> }, email: string, password = 'correct horse battery'): Promise<SignedUpUser> {
  const before = smtp.messages.length;
  const response = await api.post('/v1/auth/signup', undefined, { email, password, name: email.split('@')[0] });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  await smtp.waitFor(before + 1);
  const deadline = Date.now() + 5000;
  let mail: ReceivedMail | undefined;
  while (!(mail = smtp.messages.slice(before).find((m) => m.to.includes(email))) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const token = /token=(tnt_verify_[A-Za-z0-9]+)/.exec(bodyOf(mail!))?.[1];
  const verified = await api.post('/v1/auth/verify_email', response.body.session_token, { token });
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  const { session_token, csrf_token, user, organization, project } = response.body;
  return { token: session_token, csrf: csrf_token, user, org: organization, project };
}
