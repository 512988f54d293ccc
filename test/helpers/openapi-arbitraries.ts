import fc from 'fast-check';

/**
 * Turns the served OpenAPI 3.1 document into fast-check arbitraries: VALID values for a JSON Schema
 * (what the document promises to accept), and mutations that break one valid request in one way
 * (wrong type, missing or unknown field, huge strings, deep nesting, NUL, unpaired surrogates, odd
 * numbers). The fuzzer sends both; the server must answer every one with a 4xx in API.md's shape.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** The OpenAPI path template, e.g. `/v1/projects/{proj}/api_keys`. */
  path: string;
  parameters: Parameter[];
  /** The JSON body's schema, when the operation takes one. */
  body?: JsonSchema;
  bodyRequired: boolean;
}

export function operationsOf(document: { paths: Record<string, Record<string, any>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const body = operation.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []) as Parameter[],
        ...(body ? { body } : {}),
        bodyRequired: Boolean(operation.requestBody?.required),
      });
    }
  }
  return operations;
}

/**
 * A hint lets the caller supply realistic values for some fields (a real principal id, a configured
 * model) so that valid requests get past the business rules more often than random strings would.
 */
export type Hint = (field: string, schema: JsonSchema) => fc.Arbitrary<unknown> | undefined;

const noHint: Hint = () => undefined;

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ['object'];
  return [];
}

/** Every JSON type a value may have under `schema`, through nested anyOf/oneOf (`nullable(union)`). */
function allTypesOf(schema: JsonSchema): string[] {
  return typesOf(schema).concat((schema.anyOf ?? schema.oneOf ?? []).flatMap(allTypesOf));
}

const anyJson = fc.jsonValue({ maxDepth: 2 });

/** An arbitrary of values VALID for `schema`; `field` is the property name it sits under (for hints). */
export function validValue(schema: JsonSchema, hint: Hint = noHint, field = ''): fc.Arbitrary<unknown> {
  const hinted = hint(field, schema);
  if (hinted) return hinted;
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => validValue(alternative, hint, field)));
  const types = typesOf(schema);
  if (types.length > 1) return fc.oneof(...types.map((type) => validValue({ ...schema, type }, hint, field)));
  switch (types[0]) {
    case 'string':
      return validString(schema);
    case 'integer':
      return fc.integer({ min: Math.max(lowerBound(schema, 1), -1e6), max: Math.min(schema.maximum ?? 1e6, 1e9) });
    case 'number':
      return fc.double({ min: lowerBound(schema, Number.EPSILON), max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true, minExcluded: schema.exclusiveMinimum !== undefined });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validValue(schema.items ?? {}, hint, field), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object':
      return validObject(schema, hint);
    default:
      return anyJson;
  }
}

function lowerBound(schema: JsonSchema, step: number): number {
  if (schema.minimum !== undefined) return schema.minimum;
  if (schema.exclusiveMinimum !== undefined) return schema.exclusiveMinimum + step;
  return -1e6;
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.pattern) {
    const max = schema.maxLength ?? 64;
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= max);
  }
  if (schema.format === 'email') return fc.emailAddress();
  const minLength = schema.minLength ?? 0;
  return fc.string({ minLength, maxLength: Math.max(minLength, Math.min(schema.maxLength ?? 24, 24)), unit: 'grapheme-ascii' });
}

function validObject(schema: JsonSchema, hint: Hint): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = schema.required ?? [];
  const record = fc.record(
    Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, validValue(property, hint, name)])),
    { requiredKeys: required.filter((name) => name in properties) },
  );
  // A map-like object (`metadata`): no named properties, its keys and values described by schemas.
  if (Object.keys(properties).length === 0 && typeof schema.additionalProperties === 'object') {
    const keys = schema.propertyNames ? validString(schema.propertyNames) : fc.string({ maxLength: 12 });
    return fc.dictionary(keys, validValue(schema.additionalProperties, hint), { maxKeys: 3 });
  }
  return record as fc.Arbitrary<Record<string, unknown>>;
}

// ---------------------------------------------------------------------------------------------------
// Mutations: ways to break one field of a valid value.

/** A value of the wrong JSON type for `schema` (or, when anything goes, a hostile one). */
export function wrongType(schema: JsonSchema): fc.Arbitrary<unknown> {
  const types = new Set(allTypesOf(schema));
  if (schema.enum && types.size === 0) types.add(typeof schema.enum[0]);
  const candidates: Array<[string, fc.Arbitrary<unknown>]> = [
    ['string', fc.constantFrom('', 'x', '12', 'true', 'null')],
    ['integer', fc.constantFrom(0, 1, -1, 42)],
    ['number', fc.constantFrom(0.5, -2.25)],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.constantFrom([], [1], ['x'])],
    ['object', fc.constantFrom({}, { a: 1 })],
  ];
  // An integer is a valid number, so it is no wrong type for a number field.
  const wrong = candidates.filter(([type]) => !types.has(type) && !(type === 'integer' && types.has('number')));
  if (types.size === 0) return hostileValue();
  return fc.oneof(...wrong.map(([, arbitrary]) => arbitrary));
}

export const ONE_MB_STRING_LENGTH = 1_000_000;

/** Values that break strings: too long, NUL, unpaired surrogates, control characters. */
export function hostileString(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant('x'.repeat(ONE_MB_STRING_LENGTH)),
    fc.constant('a\u0000b'),
    fc.constant('\u0000'),
    fc.constant('\ud800'),
    fc.constant('x\udfffy'),
    fc.constant('\u202e\u0007\r\n\t'),
    fc.constant('../../../etc/passwd'),
    fc.constant("' OR 1=1 --"),
    fc.constant('%00%ff'),
    fc.constant('😀'.repeat(300)),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
}

/** Numbers that break numeric fields: huge, negative, fractional, unsafe. */
export function hostileNumber(): fc.Arbitrary<number> {
  // eslint-disable-next-line no-loss-of-precision -- 2^53 + 1 is sent precisely because it is unsafe
  return fc.constantFrom(-1, -0.5, 0.5, 1.5, 1e9, 1e21, -1e21, 9007199254740993, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, 2147483648, -2147483649);
}

/**
 * JSON text to splice into a body as is: a value nested thousands of levels deep would overflow the
 * stack of JSON.stringify inside fast-check's own deep stack, so it travels as text.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A value nested `depth` levels deep, as JSON text. */
export function deeplyNested(depth: number, kind: 'array' | 'object' = 'array'): RawJson {
  return new RawJson(kind === 'array' ? '['.repeat(depth) + '1' + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
}

/** JSON.stringify, with RawJson values spliced in as their text. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => (v instanceof RawJson ? `\u0001raw${raws.push(v.text) - 1}\u0001` : v));
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_match, i: string) => raws[Number(i)]!);
}

export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(hostileString(), hostileNumber(), fc.constantFrom(deeplyNested(2000), deeplyNested(2000, 'object')));
}

/** The ways to break one named field; `label` names the way, for the report. */
export interface FieldMutation {
  label: string;
  /** The new value, or `undefined` to remove the field. */
  value: fc.Arbitrary<unknown>;
  /** Whether the server must refuse it (400 naming the field); false when the broken value may still be valid. */
  mustRefuse: boolean;
}

export function fieldMutations(schema: JsonSchema, required: boolean): FieldMutation[] {
  const types = allTypesOf(schema);
  const mutations: FieldMutation[] = [{ label: 'wrong type', value: wrongType(schema), mustRefuse: types.length > 0 }];
  if (required) mutations.push({ label: 'missing', value: fc.constant(undefined), mustRefuse: true });
  if (types.includes('string') || schema.enum) {
    mutations.push({ label: 'hostile string', value: hostileString(), mustRefuse: false });
    if (schema.maxLength !== undefined) mutations.push({ label: 'too long', value: fc.constant('x'.repeat(schema.maxLength + 1)), mustRefuse: true });
  }
  if (types.includes('integer') || types.includes('number')) mutations.push({ label: 'hostile number', value: hostileNumber(), mustRefuse: false });
  mutations.push({ label: 'deep nesting', value: fc.constantFrom(deeplyNested(5000), deeplyNested(5000, 'object')), mustRefuse: types.length > 0 && !types.includes('object') && !types.includes('array') });
  return mutations;
}

/** Malformed ids for path parameters. */
export function malformedId(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('x', 'proj_', 'org_nope', 'file-', 'ftjob-0000', 'key_' + 'A'.repeat(40), '0', '-1', 'null', 'undefined', '..', '%2e%2e%2f', '%00', '%F0%9F%98%80', '%ED%A0%80', 'a%20b', '*', '~'),
    fc.constant('x'.repeat(10_000)),
    fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme-ascii' }).map(encodeURIComponent),
  );
}
