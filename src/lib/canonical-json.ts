import canonicalizeModule from 'canonicalize';

// canonicalize (the RFC 8785 reference implementation) is CommonJS whose typings declare an ES default
// export; under Node's ESM loader the imported default is the function itself.
const serialize = ((canonicalizeModule as unknown as { default?: unknown }).default ?? canonicalizeModule) as (input: unknown) => string | undefined;

/** RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new Error('value has no JSON form');
  return text;
}
