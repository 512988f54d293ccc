import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';

/**
 * Answers checked against their route's response schema, outside production (`http.validate_responses`).
 *
 * A body that the schema refuses, or that carries a field the schema does not declare, is not sent: the
 * route fails with a ResponseMismatchError (500 in the error shape, logged naming the route, the status
 * and the field), so a test that reaches it fails loudly. Undeclared fields are refused rather than
 * stripped: what a test sees is then exactly what production, which skips the check, sends.
 */
export class ResponseMismatchError extends Error {
  constructor(
    readonly route: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${route}: the answer does not match its response schema at ${field}: ${problem}`);
  }
}

type Path = Array<PropertyKey>;

const fieldOf = (path: Path): string => (path.length === 0 ? '(the body)' : path.map(String).join('.'));

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The first field of `sent` that the parsed answer dropped: a field the schema does not declare (zod's
 * objects strip what they do not know; loose objects and records keep it, so it counts as declared).
 */
export function undeclaredField(sent: unknown, parsed: unknown, path: Path = []): Path | undefined {
  if (Array.isArray(sent) && Array.isArray(parsed)) {
    for (let i = 0; i < sent.length; i++) {
      const found = undeclaredField(sent[i], parsed[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (!isPlainObject(sent) || !isPlainObject(parsed)) return undefined;
  for (const [key, value] of Object.entries(sent)) {
    if (value === undefined) continue; // JSON.stringify leaves it out
    if (!(key in parsed)) return [...path, key];
    const found = undeclaredField(value, parsed[key], [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Production's serializer: the presenters are typed from the schemas, so the answer is sent as built. */
export const plainSerializer: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

/** The checking serializer, for every route's response schema by status. */
export const checkingSerializer: FastifySerializerCompiler<unknown> = ({ schema, method, url, httpStatus }) => {
  const route = `${method} ${url} (${httpStatus ?? 'any status'})`;
  // Only zod schemas are ours; a plugin's JSON schema (none today) is left to JSON.stringify.
  if (!(schema instanceof z.ZodType)) return (data) => JSON.stringify(data);
  return (data) => {
    const result = schema.safeParse(data);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new ResponseMismatchError(route, fieldOf(issue.path), issue.message);
    }
    const undeclared = undeclaredField(data, result.data);
    if (undeclared) throw new ResponseMismatchError(route, fieldOf(undeclared), 'a field the schema does not declare');
    return JSON.stringify(data);
  };
};
