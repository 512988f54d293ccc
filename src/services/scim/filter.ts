import { InvalidRequestError } from '../errors.ts';

/**
 * The filters identity providers send to find what they provisioned (RFC 7644 section 3.4.2.2):
 * equalities with a quoted string, joined by `and`. Okta sends `userName eq "ann@example.com"`; Entra
 * also `emails[type eq "work"].value eq "..."`, and `id eq "grp_..." and members[value eq "user_..."]`
 * to ask whether a person is in a group. Attribute names and operators are case-insensitive. Each
 * resource says which attributes it filters on (`attributes` maps a lower-cased path to its name);
 * anything else is refused as `invalidFilter` rather than answered wrongly.
 */
export interface FilterCondition<A extends string> {
  attribute: A;
  value: string;
}

const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
/** `attr eq "v"`, `attr.sub eq "v"`, `attr[type eq "work"].sub eq "v"`. */
const COMPARISON = new RegExp(String.raw`^([A-Za-z][\w$-]*)(?:\[\s*([A-Za-z][\w$-]*)\s+eq\s+${QUOTED}\s*\])?(?:\.([A-Za-z][\w$-]*))?\s+eq\s+${QUOTED}$`, 'i');
/** `members[value eq "v"]`: the attribute has a value whose sub-attribute equals v. */
const VALUE_PATH = new RegExp(String.raw`^([A-Za-z][\w$-]*)\[\s*([A-Za-z][\w$-]*)\s+eq\s+${QUOTED}\s*\]$`, 'i');

function refuse(detail: string): InvalidRequestError {
  return new InvalidRequestError(detail, 'filter', 'invalidFilter');
}

function unquote(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    throw refuse('A filter value is not a valid quoted string.');
  }
}

/** Splits on `and` outside quotes and brackets. */
function terms(filter: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i += 1) {
    const c = filter[i];
    if (quoted) {
      if (c === '\\') i += 1;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[') depth += 1;
    else if (c === ']') depth -= 1;
    else if (depth === 0 && /\s/.test(c!) && /^\s+and\s+/i.test(filter.slice(i))) {
      out.push(filter.slice(start, i));
      const match = /^\s+and\s+/i.exec(filter.slice(i))!;
      i += match[0].length - 1;
      start = i + 1;
    }
  }
  out.push(filter.slice(start));
  return out.map((t) => t.trim());
}

/**
 * Each condition of the filter, with its attribute named as `attributes` names it. A key of
 * `attributes` is a lower-cased path: `username`, `emails.value`, `emails[type eq "work"].value`,
 * `members.value` (also matched by `members[value eq "..."]` and `members eq "..."`).
 */
export function parseFilter<A extends string>(filter: string | undefined, attributes: Record<string, A>): Array<FilterCondition<A>> {
  if (filter === undefined || filter.trim() === '') return [];
  return terms(filter.trim()).map((term) => {
    let path: string;
    let value: string;
    const comparison = COMPARISON.exec(term);
    const valuePath = comparison ? null : VALUE_PATH.exec(term);
    if (comparison) {
      const [, attribute, subFilter, subValue, sub, compared] = comparison;
      path = attribute!.toLowerCase();
      if (subFilter !== undefined) path += `[${subFilter.toLowerCase()} eq "${unquote(subValue!).toLowerCase()}"]`;
      if (sub !== undefined) path += `.${sub.toLowerCase()}`;
      value = unquote(compared!);
    } else if (valuePath) {
      const [, attribute, sub, compared] = valuePath;
      path = `${attribute!.toLowerCase()}.${sub!.toLowerCase()}`;
      value = unquote(compared!);
    } else {
      throw refuse('Only equalities (`attribute eq "value"`), joined by `and`, are supported.');
    }
    // `members eq "x"` means its value, as `members.value eq "x"` does.
    const attribute = attributes[path] ?? attributes[`${path}.value`];
    if (attribute === undefined) throw refuse(`Filtering on ${path} is not supported; filter on ${Object.keys(attributes).join(', ')}.`);
    return { attribute, value };
  });
}
