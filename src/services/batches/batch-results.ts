import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newId } from '../../lib/ids.ts';
import type { FileStorage, PendingFile } from '../../infra/file-storage.ts';
import type { BatchRecord } from '../../store/batches.ts';
import type { FileRecord } from '../../store/files.ts';
import type { Store } from '../../store/store.ts';
import { ServiceError, type ErrorType } from '../errors.ts';

/** A line of a batch's output or error file, in OpenAI's shape. */
export interface ResultLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: unknown } | null;
  error: { code: string; message: string } | null;
}

/** A line the model server answered (2xx go to the output file, the rest to the error file). */
export function answeredLine(customId: string, statusCode: number, body: unknown): ResultLine {
  const id = newId('batch_req_');
  return { id, custom_id: customId, response: { status_code: statusCode, request_id: id, body }, error: null };
}

const STATUS_OF_TYPE: Record<ErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  rate_limit_error: 429,
  api_error: 500,
};

const STATUS_OF_CODE: Record<string, number> = { upstream_error: 502, upstream_timeout: 504, endpoint_not_ready: 503, rate_limiter_unavailable: 503 };

/** A line the gateway refused or could not get answered: the answer an interactive caller would have had. */
export function refusedLine(customId: string, error: ServiceError): ResultLine {
  const status = (error.code ? STATUS_OF_CODE[error.code] : undefined) ?? STATUS_OF_TYPE[error.type];
  return answeredLine(customId, status, { error: { message: error.message, type: error.type, param: error.param, code: error.code } });
}

/** A line never sent: the batch expired or was cancelled first. */
export function unsentLine(customId: string, code: 'batch_expired' | 'batch_cancelled'): ResultLine {
  const message = code === 'batch_expired' ? 'This request could not be executed before the completion window expired.' : 'The batch was cancelled before this request was sent.';
  return { id: newId('batch_req_'), custom_id: customId, response: null, error: { code, message } };
}

/** A result file written to storage, not yet visible: the caller commits it with its row. */
export interface WrittenFile {
  record: FileRecord;
  pending: PendingFile;
}

const PAGE = 1000;

/**
 * Writes the batch's lines of one state, in file order, into a new file of purpose `batch_output`;
 * nothing when there are none. Read page by page, so a large batch is never held in memory whole.
 */
export async function writeResultFile(store: Store, storage: FileStorage, batch: BatchRecord, state: 'succeeded' | 'failed', now: number): Promise<WrittenFile | undefined> {
  const first = await store.batches.results(batch.id, state, 0, 1);
  if (first.length === 0) return undefined;
  const id = newId('file-');
  const pending = await storage.create(id);
  let bytes = 0;
  let rows = 0;
  async function* lines() {
    let after = 0;
    for (;;) {
      const page = await store.batches.results(batch.id, state, after, PAGE);
      for (const { line, result } of page) {
        const text = Buffer.from(result + '\n');
        bytes += text.length;
        rows += 1;
        after = line;
        yield text;
      }
      if (page.length < PAGE) return;
    }
  }
  try {
    await pipeline(Readable.from(lines()), pending.stream);
  } catch (error) {
    await pending.abort();
    throw error;
  }
  const record: FileRecord = {
    id,
    organization_id: batch.organization_id,
    project_id: batch.project_id,
    filename: `${batch.id}_${state === 'succeeded' ? 'output' : 'error'}.jsonl`,
    purpose: 'batch_output',
    bytes,
    format: null,
    rows,
    created_at: now,
  };
  return { record, pending };
}
