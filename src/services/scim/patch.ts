import { InvalidRequestError } from '../errors.ts';

/**
 * PATCH operations (RFC 7644 section 3.5.2) as Okta and Entra send them. Entra capitalises the op
 * (`Replace`), sends booleans as strings (`"False"`) and sends `path`s like `name.givenName` or
 * `emails[type eq "work"].value`; Okta sends a `value` object without a path. Both come out here as
 * one shape: an operation on a parsed path, or, for a path-less op, one operation per attribute.
 */

export type PatchVerb = 'add' | 'replace' | 'remove';

export interface ScimPath {
  /** Lower-cased, with any schema URN of the resource's core schema removed: `name`, `members`. */
  attribute: string;
  /** `members[value eq "id"]`: the attribute and value compared (attribute lower-cased). */
  filter?: { attribute: string; value: string };
  /** `name.givenName`, or `emails[type eq "work"].value`: lower-cased. */
  subAttribute?: string;
  /** An extension schema's attribute (the enterprise User's department, say): not stored, so ignored. */
  extension: boolean;
}

export interface PatchOperation {
  op: PatchVerb;
  path: ScimPath | undefined;
  value: unknown;
}

const CORE_SCHEMAS = ['urn:ietf:params:scim:schemas:core:2.0:user', 'urn:ietf:params:scim:schemas:core:2.0:group'];

function invalidPath(path: string): InvalidRequestError {
  return new InvalidRequestError(`The path ${JSON.stringify(path)} is not a path this server understands.`, 'path', 'invalidPath');
}

export function parsePath(raw: string): ScimPath {
  let text = raw.trim();
  let extension = false;
  if (text.toLowerCase().startsWith('urn:')) {
    const bracket = text.indexOf('[');
    const head = bracket === -1 ? text : text.slice(0, bracket);
    const colon = head.lastIndexOf(':');
    const schema = head.slice(0, colon).toLowerCase();
    extension = !CORE_SCHEMAS.includes(schema);
    text = text.slice(colon + 1);
  }
  const match = /^([A-Za-z][\w$-]*)(?:\.([A-Za-z][\w$-]*))?(?:\[\s*([A-Za-z][\w$-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\])?(?:\.([A-Za-z][\w$-]*))?$/i.exec(text);
  if (!match || (match[2] !== undefined && (match[3] !== undefined || match[5] !== undefined))) throw invalidPath(raw);
  const path: ScimPath = { attribute: match[1]!.toLowerCase(), extension };
  if (match[3] !== undefined) {
    let value: string;
    try {
      value = JSON.parse(`"${match[4]!}"`) as string;
    } catch {
      throw invalidPath(raw);
    }
    path.filter = { attribute: match[3].toLowerCase(), value };
  }
  const sub = match[2] ?? match[5];
  if (sub !== undefined) path.subAttribute = sub.toLowerCase();
  return path;
}

function verbOf(op: string): PatchVerb {
  const verb = op.toLowerCase();
  if (verb === 'add' || verb === 'replace' || verb === 'remove') return verb;
  throw new InvalidRequestError(`op must be add, replace or remove, not ${JSON.stringify(op)}.`, 'op', 'invalidSyntax');
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Each operation with its path parsed. A path-less add or replace carries an object of attributes
 * (whose keys may themselves be paths, as Entra sends `{"name.givenName": "Ann"}`); it becomes one
 * operation per attribute, a complex attribute's sub-attributes one each.
 */
export function normalizeOperations(operations: ReadonlyArray<{ op: string; path?: string | undefined; value?: unknown }>): PatchOperation[] {
  const out: PatchOperation[] = [];
  for (const operation of operations) {
    const op = verbOf(operation.op);
    if (operation.path !== undefined && operation.path.trim() !== '') {
      out.push({ op, path: parsePath(operation.path), value: operation.value });
      continue;
    }
    if (op === 'remove') throw new InvalidRequestError('A remove operation needs a path.', 'path', 'noTarget');
    if (!isObject(operation.value)) throw new InvalidRequestError('An operation without a path needs an object of attributes as its value.', 'value', 'invalidValue');
    for (const [key, value] of Object.entries(operation.value)) {
      const path = parsePath(key);
      if (isObject(value) && path.subAttribute === undefined && path.filter === undefined && !path.extension && path.attribute === 'name') {
        for (const [sub, subValue] of Object.entries(value)) out.push({ op, path: { ...path, subAttribute: sub.toLowerCase() }, value: subValue });
      } else {
        out.push({ op, path, value });
      }
    }
  }
  return out;
}

/** A SCIM boolean: true or false, or as Entra sends them, "True" and "False" (any case). */
export function scimBoolean(value: unknown, attribute: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  throw new InvalidRequestError(`${attribute} must be a boolean.`, attribute, 'invalidValue');
}

/** A string attribute's value, or null to clear it; `maxLength` bounds what is stored. */
export function scimString(value: unknown, attribute: string, maxLength = 500): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw new InvalidRequestError(`${attribute} must be a string.`, attribute, 'invalidValue');
  if (value.length > maxLength) throw new InvalidRequestError(`${attribute} must be at most ${maxLength} characters.`, attribute, 'invalidValue');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidRequestError(`${attribute} must not contain control characters.`, attribute, 'invalidValue');
  return value;
}

export { isObject };
