import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../services/errors.ts';

/**
 * Text no field may carry: U+0000 (PostgreSQL refuses it in text and in jsonb; SQLite would store it, so
 * the two databases would answer differently) and a lone UTF-16 surrogate (not a character: it cannot be encoded as UTF-8, and jsonb refuses
 * its `\ud800` escape). Refused at one depth, before any route sees the request, so both databases
 * answer alike: 400 naming the field.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is what this pattern exists to find
const UNSAFE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Control characters (C0, DEL, C1): never part of a name, an email or a file name. */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern exists to find
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export function isUnsafeText(value: string): boolean {
  return UNSAFE_TEXT.test(value);
}

/**
 * Deeper than any body of this API (a tool's JSON schema in a chat request included); a bound also keeps
 * the walk's recursion, and everything after it that recurses, far from the stack's limit.
 */
const MAX_DEPTH = 64;

type Refusal = { param: string; reason: 'text' | 'depth' };

/** The first refusal in a parsed value, with its dotted path (`regions.1`, `messages.0.content`). */
function refusalIn(value: unknown, path: string, depth: number): Refusal | undefined {
  if (typeof value === 'string') return isUnsafeText(value) ? { param: path, reason: 'text' } : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_DEPTH) return { param: path, reason: 'depth' };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = refusalIn(value[i], path ? `${path}.${i}` : String(i), depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key in value) {
    // A key is text too; reported by a printable form of the path it would have had.
    if (isUnsafeText(key)) return { param: (path ? `${path}.` : '') + printable(key), reason: 'text' };
    const found = refusalIn((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A name fit to quote back: the unsafe code units shown as `\uXXXX`. */
function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += char.length === 1 && (code === 0 || (code >= 0xd800 && code <= 0xdfff)) ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return out;
}

function unsafeTextError(param: string): InvalidRequestError {
  return new InvalidRequestError(`${param}: must not contain U+0000 or an unpaired surrogate.`, param, 'invalid_characters');
}

/** For text that arrives outside the parsed body, like a multipart form's fields and file name. */
export function assertSafeText(value: string, param: string): void {
  if (isUnsafeText(value)) throw unsafeTextError(param);
}

/**
 * Walks the path parameters, the query string and the parsed body of every request before validation.
 * A walk over what was parsed anyway, no copy; a route's own schema then sees only safe text.
 */
export function registerUnsafeTextRefusal(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const found = refusalIn(request.params, '', 0) ?? refusalIn(request.query, '', 0) ?? refusalIn(request.body, '', 0);
    if (found === undefined) return done();
    if (found.reason === 'text') return done(unsafeTextError(found.param));
    done(new InvalidRequestError(`${found.param || 'The body'}: nested more than ${MAX_DEPTH} levels deep.`, found.param || null, 'too_deep'));
  });
}
