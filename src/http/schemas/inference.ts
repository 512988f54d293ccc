import { z } from 'zod';

/**
 * The request shapes of the OpenAI-compatible inference paths, checked at the gateway so that a
 * malformed request is answered 400 naming its field (as OpenAI does) instead of reaching a model
 * server. They are loose on purpose: model servers take sampling parameters beyond OpenAI's
 * (`top_k`, `repetition_penalty`, ...), and those pass through untouched. Only what OpenAI's schema
 * requires or types is checked; OpenAI takes `null` for every optional field, and so do these.
 */

const optional = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const contentPart = z.object({ type: z.string({ error: 'each content part needs a type' }) }).loose();
const contentParts = z.array(contentPart);
const content = z.union([z.string(), contentParts], { error: 'must be a string or an array of content parts' });

/** One chat message; what `content` may be depends on the role, as in OpenAI's schema. */
const message = z.discriminatedUnion(
  'role',
  [
    z.object({ role: z.literal('system'), content }).loose(),
    z.object({ role: z.literal('developer'), content }).loose(),
    z.object({ role: z.literal('user'), content }).loose(),
    // An assistant message that only calls tools has no content.
    z.object({ role: z.literal('assistant'), content: optional(content) }).loose(),
    z.object({ role: z.literal('tool'), content, tool_call_id: z.string() }).loose(),
    z.object({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }).loose(),
  ],
  { error: 'must be one of system, developer, user, assistant, tool, function' },
);

const stop = z.union([z.string(), z.array(z.string())], { error: 'must be a string or an array of strings' });

/** Integer token ids, as OpenAI's tokenized prompts and inputs. */
const tokens = z.array(z.number().int());
/** OpenAI's `prompt` and `input`: a string, strings, tokens, or lists of tokens. */
const textOrTokens = z.union([z.string(), z.array(z.string()).min(1), tokens.min(1), z.array(tokens.min(1)).min(1)], {
  error: 'must be a string, an array of strings, an array of token ids, or an array of such arrays',
});

const model = z.string().min(1);

/** Sampling and streaming fields that chat and text completions share. */
const sampling = {
  temperature: optional(z.number().min(0).max(2)),
  top_p: optional(z.number().min(0).max(1)),
  n: optional(z.number().int().min(1)),
  stop: optional(stop),
  stream: optional(z.boolean()),
  stream_options: optional(z.object({ include_usage: optional(z.boolean()) }).loose()),
};

export const chatCompletionRequest = z
  .object({
    model,
    messages: z.array(message).min(1, 'must hold at least one message'),
    ...sampling,
    max_tokens: optional(z.number().int().min(1)),
    max_completion_tokens: optional(z.number().int().min(1)),
  })
  .loose();

export const completionRequest = z
  .object({
    model,
    prompt: textOrTokens,
    ...sampling,
    // 0 is allowed here, as OpenAI allows it (with `echo`, to score the prompt alone).
    max_tokens: optional(z.number().int().min(0)),
  })
  .loose();

export const embeddingRequest = z.object({ model, input: textOrTokens }).loose();

/** The request schema of each inference path. */
export const INFERENCE_REQUESTS = {
  '/v1/chat/completions': chatCompletionRequest,
  '/v1/completions': completionRequest,
  '/v1/embeddings': embeddingRequest,
} as const;

export type InferencePath = keyof typeof INFERENCE_REQUESTS;
