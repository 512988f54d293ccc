import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** What a receiver answered, or why nothing came back. */
export type WebhookResponse = { status: number } | { error: string };

/** POSTs one webhook delivery; never throws. */
export type WebhookSender = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<WebhookResponse>;

/** Loopback, private, link-local (cloud metadata), unique-local, unspecified and mapped forms of them. */
export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224;
  }
  const v6 = address.toLowerCase();
  return v6 === '::' || v6 === '::1' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe8') || v6.startsWith('fe9') || v6.startsWith('fea') || v6.startsWith('feb') || v6.startsWith('ff');
}

/**
 * Sends deliveries with fetch. Unless `allowPrivateAddresses`, a URL whose host is (or resolves to) a
 * private address is refused before anything is sent: a tenant's webhook must not reach into the
 * operator's own network (its metadata service, its databases) and read its answers' status codes.
 */
export function httpWebhookSender(options: { allowPrivateAddresses: boolean }): WebhookSender {
  async function refusal(url: string): Promise<string | undefined> {
    if (options.allowPrivateAddresses) return undefined;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    } catch {
      return 'the host name does not resolve';
    }
    if (addresses.some(isPrivateAddress)) return 'refused: the host is a private address (webhooks.allow_private_addresses is false)';
    return undefined;
  }

  return async (url, body, headers, timeoutMs) => {
    const refused = await refusal(url);
    if (refused) return { error: refused };
    try {
      const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      // The receiver's body is not kept: only whether it took the delivery.
      await response.body?.cancel().catch(() => {});
      return { status: response.status };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { error: (error as Error).name === 'TimeoutError' ? 'timed out' : (cause ?? 'could not connect') };
    }
  };
}
