import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { BatchError, NewBatchLine } from '../../store/batches.ts';

/** The endpoints a batch may call, as OpenAI names them. */
export const BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

/** A batch is refused with at most this many problems listed: enough to fix a file, small enough to show. */
const MAX_ERRORS = 100;

/** Says why a project may not call `model` (unknown, refused by its model permissions...), or nothing. */
export type ModelCheck = (model: string) => Promise<{ code: string; message: string } | undefined>;

export interface ValidatedInput {
  lines: NewBatchLine[];
  errors: BatchError[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a batch's input file line by line, as OpenAI checks it: each line a JSON object with a
 * unique `custom_id`, `method` POST, a `url` equal to the batch's endpoint, and a `body` whose `model`
 * the project may call. Every problem is kept (up to MAX_ERRORS) with its line, so the batch fails
 * with all of them rather than with the first. A blank line is skipped; its number still counts.
 */
export async function validateBatchInput(content: Readable, endpoint: BatchEndpoint, maxRequests: number, checkModel: ModelCheck): Promise<ValidatedInput> {
  const lines: NewBatchLine[] = [];
  const errors: BatchError[] = [];
  const customIds = new Set<string>();
  const modelVerdicts = new Map<string, Promise<{ code: string; message: string } | undefined>>();
  const problem = (line: number, code: string, message: string, param: string | null) => {
    if (errors.length < MAX_ERRORS) errors.push({ code, message, param, line });
  };

  let number = 0;
  for await (const text of createInterface({ input: content, crlfDelay: Infinity })) {
    number += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      problem(number, 'invalid_json_line', 'This line is not valid JSON.', null);
      continue;
    }
    if (!isObject(value)) {
      problem(number, 'invalid_json_line', 'This line is not a JSON object.', null);
      continue;
    }
    const { custom_id: customId, method, url, body } = value;
    if (typeof customId !== 'string' || customId.length === 0 || customId.length > 512) {
      problem(number, 'invalid_custom_id', 'custom_id must be a string of 1 to 512 characters.', 'custom_id');
      continue;
    }
    if (customIds.has(customId)) {
      problem(number, 'duplicate_custom_id', `The custom_id "${customId}" is used by an earlier line; each must be unique.`, 'custom_id');
      continue;
    }
    customIds.add(customId);
    if (method !== 'POST') {
      problem(number, 'invalid_method', 'method must be "POST".', 'method');
      continue;
    }
    if (typeof url !== 'string' || !(BATCH_ENDPOINTS as readonly string[]).includes(url)) {
      problem(number, 'invalid_url', `url must be one of ${BATCH_ENDPOINTS.join(', ')}.`, 'url');
      continue;
    }
    if (url !== endpoint) {
      problem(number, 'mismatched_endpoint', `url ${url} is not the batch's endpoint ${endpoint}.`, 'url');
      continue;
    }
    if (!isObject(body)) {
      problem(number, 'invalid_body', 'body must be a JSON object.', 'body');
      continue;
    }
    if (typeof body.model !== 'string' || body.model.length === 0) {
      problem(number, 'missing_model', 'body.model must name a model.', 'body.model');
      continue;
    }
    if (body.stream === true) {
      problem(number, 'stream_not_supported', 'A batch cannot stream; leave body.stream out or false.', 'body.stream');
      continue;
    }
    let verdict = modelVerdicts.get(body.model);
    if (!verdict) {
      verdict = checkModel(body.model);
      modelVerdicts.set(body.model, verdict);
    }
    const refused = await verdict;
    if (refused) {
      problem(number, refused.code, refused.message, 'body.model');
      continue;
    }
    lines.push({ line: number, custom_id: customId, model: body.model, body });
  }
  if (errors.length === 0 && lines.length === 0) errors.push({ code: 'empty_file', message: 'The input file holds no requests.', param: 'input_file_id', line: null });
  if (errors.length === 0 && lines.length > maxRequests) {
    errors.push({ code: 'too_many_requests', message: `A batch may hold at most ${maxRequests} requests; this file holds ${lines.length}.`, param: 'input_file_id', line: null });
  }
  return { lines: errors.length === 0 ? lines : [], errors };
}
