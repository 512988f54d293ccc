import { z } from 'zod';
import { CONTROL_CHARACTERS } from '../unsafe-text.ts';

/** Request pieces shared by many routes. */

/** A name shown in lists and menus: one line of printable text. */
export const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().min(1).optional(),
});

export const unixSeconds = z.number().int().nonnegative();

export const orgParams = z.strictObject({ org: z.string() });
export const projectParams = z.strictObject({ proj: z.string() });
export const orgGroupParams = z.strictObject({ org: z.string(), grp: z.string() });
export const projectGroupParams = z.strictObject({ proj: z.string(), grp: z.string() });
export const orgGroupMemberParams = z.strictObject({ org: z.string(), grp: z.string(), principal_id: z.string() });
export const projectGroupMemberParams = z.strictObject({ proj: z.string(), grp: z.string(), principal_id: z.string() });

export { errorResponse, listOf, refusals } from './envelopes.ts';
