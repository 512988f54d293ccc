/** Email domains as SSO connections hold them: lower case, no trailing dot, a plausible host name. */

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

export function isDomain(domain: string): boolean {
  return DOMAIN.test(domain);
}

/** The domain of an email address, lower case; undefined when it has none. */
export function domainOfEmail(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  return normalizeDomain(email.slice(at + 1));
}

/** Where the admin publishes the token to prove a domain by DNS, and what the record holds. */
export function dnsChallenge(domain: string, token: string): { type: 'dns_txt'; name: string; value: string } {
  return { type: 'dns_txt', name: `_tenantry-verification.${domain}`, value: `tenantry-verification=${token}` };
}
