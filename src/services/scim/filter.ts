import { InvalidRequestError } from '../errors.ts';

/**
 * The filters identity providers send to find what they provisioned (RFC 7644 section 3.4.2.2):
 * one attribute compared for equality with a quoted string, `userName eq "ann@example.com"`. Attribute
 * names are case-insensitive, the operator too. Anything richer is refused as `invalidFilter` rather
 * than answered wrongly.
 */
export function parseEqualityFilter<A extends string>(filter: string | undefined, attributes: readonly A[]): { attribute: A; value: string } | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  const match = /^\s*([A-Za-z][\w.:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match) {
    throw new InvalidRequestError('Only filters of the form `attribute eq "value"` are supported.', 'filter', 'invalidFilter');
  }
  const named = match[1]!.toLowerCase();
  const attribute = attributes.find((a) => a.toLowerCase() === named);
  if (!attribute) {
    throw new InvalidRequestError(`Filtering is supported on ${attributes.join(', ')}; not on ${match[1]}.`, 'filter', 'invalidFilter');
  }
  let value: string;
  try {
    value = JSON.parse(`"${match[2]!}"`) as string;
  } catch {
    throw new InvalidRequestError('The filter\'s value is not a valid quoted string.', 'filter', 'invalidFilter');
  }
  return { attribute, value };
}
