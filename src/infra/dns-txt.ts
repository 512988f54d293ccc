import { Resolver } from 'node:dns/promises';

/**
 * Reads a name's TXT records, for proving an SSO domain by DNS. A name that does not resolve, or a
 * resolver that does not answer in time, reads as no records: the proof simply fails.
 */
export type TxtLookup = (name: string) => Promise<string[]>;

export function dnsTxtLookup(options: { timeoutMs: number; servers: string[] }): TxtLookup {
  return async (name) => {
    const resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
    if (options.servers.length > 0) resolver.setServers(options.servers);
    try {
      const records = await resolver.resolveTxt(name);
      return records.map((chunks) => chunks.join(''));
    } catch {
      return [];
    }
  };
}
