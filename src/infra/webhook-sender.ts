/** What a receiver answered, or why nothing came back. */
export type WebhookResponse = { status: number } | { error: string };

/** POSTs one webhook delivery; never throws. */
export type WebhookSender = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<WebhookResponse>;

export const httpWebhookSender: WebhookSender = async (url, body, headers, timeoutMs) => {
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
