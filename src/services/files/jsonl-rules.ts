/**
 * What a line of an uploaded JSONL file must hold, per purpose. Each check answers a reason the line
 * is wrong, or what it is.
 */

export type FineTuneFormat = 'conversational' | 'instruction' | 'text';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function messageContentIsValid(content: unknown): boolean {
  if (typeof content === 'string') return true;
  // OpenAI also takes content as an array of parts, each with a type.
  return Array.isArray(content) && content.length > 0 && content.every((part) => isObject(part) && typeof part.type === 'string');
}

/** A fine-tuning example: a conversation ending with the assistant, a prompt/completion pair, or text. */
export function checkFineTuneLine(value: unknown): { format: FineTuneFormat } | { error: string } {
  if (!isObject(value)) return { error: 'expected a JSON object' };
  if ('messages' in value) {
    const messages = value.messages;
    if (!Array.isArray(messages) || messages.length === 0) return { error: '"messages" must be a non-empty array' };
    for (const [index, message] of messages.entries()) {
      if (!isObject(message)) return { error: `messages[${index}] must be an object` };
      if (typeof message.role !== 'string' || !ROLES.has(message.role)) {
        return { error: `messages[${index}].role must be one of ${[...ROLES].join(', ')}` };
      }
      const hasToolCalls = message.role === 'assistant' && Array.isArray(message.tool_calls);
      if (!hasToolCalls && !messageContentIsValid(message.content)) return { error: `messages[${index}].content must be a string` };
    }
    if ((messages.at(-1) as { role: string }).role !== 'assistant') return { error: 'the last message must be from the assistant' };
    return { format: 'conversational' };
  }
  if ('prompt' in value || 'completion' in value) {
    if (typeof value.prompt !== 'string') return { error: '"prompt" must be a string' };
    if (typeof value.completion !== 'string') return { error: '"completion" must be a string' };
    return { format: 'instruction' };
  }
  if ('text' in value) {
    if (typeof value.text !== 'string' || value.text.length === 0) return { error: '"text" must be a non-empty string' };
    return { format: 'text' };
  }
  return { error: 'expected "messages", "prompt" and "completion", or "text"' };
}

/** A batch request line: {custom_id, method, url, body}. */
export function checkBatchLine(value: unknown): { customId: string } | { error: string } {
  if (!isObject(value)) return { error: 'expected a JSON object' };
  if (typeof value.custom_id !== 'string' || value.custom_id.length === 0) return { error: '"custom_id" must be a non-empty string' };
  if (value.method !== 'POST') return { error: '"method" must be "POST"' };
  if (typeof value.url !== 'string' || !value.url.startsWith('/v1/')) return { error: '"url" must be a path starting with /v1/' };
  if (!isObject(value.body)) return { error: '"body" must be an object' };
  return { customId: value.custom_id };
}
