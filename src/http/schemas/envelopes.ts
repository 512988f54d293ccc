import { z } from 'zod';

/**
 * The envelopes every answer shares: the error shape, the list, the deletion. Like every response
 * schema, this file imports nothing but zod, so that the console and the CLI can take their types
 * (api-types.ts) without pulling in the server.
 */

export const errorResponse = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
    budget: z
      .object({ id: z.string(), level: z.enum(['organization', 'project', 'api_key']), amount: z.number(), tokens: z.number().nullable(), period: z.enum(['day', 'month']) })
      .optional()
      .describe('On a 429 `budget_exceeded`: the budget that is spent.'),
  }),
});

/** The common refusals, for the OpenAPI document (and checked like any answer). */
export const refusals = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
  404: errorResponse,
  409: errorResponse,
};

/** API.md's list envelope. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
    has_more: z.boolean(),
  });
}

/** A list that is never paged (regions, models, the catalogue): `{object: "list", data}`. */
export function wholeListOf<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal('list'), data: z.array(item) });
}

/** `DELETE` answers `{id, object, deleted: true}`; `object` names what was deleted. */
export function deletionOf<T extends string>(object: T) {
  return z.object({ id: z.string(), object: z.literal(object), deleted: z.literal(true) });
}
