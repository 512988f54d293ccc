import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import type { Batch, List } from '../../http/schemas/api-types.ts';
import { UsageError } from '../client/api.ts';
import { example, list, run } from '../client/context.ts';
import { progressBar, uploadFile } from '../client/upload.ts';

const PROJECT = ['--project <id>', 'project (default: `tenantry use project`, or the API key\'s)'] as const;
const ENDPOINTS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'];
const COLUMNS = ['id', 'endpoint', 'status', 'done', 'failed', 'total', 'output_file_id', 'error_file_id', 'created_at'];


/** A batch as a table row: its counts side by side. */
const row = (batch: Batch) => ({ ...batch, done: batch.request_counts.completed, failed: batch.request_counts.failed, total: batch.request_counts.total });

const collectPair = (value: string, previous: Record<string, string> = {}) => {
  const at = value.indexOf('=');
  if (at <= 0) throw new UsageError(`--metadata takes key=value, not "${value}"`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
};

/** `tenantry batches ...`: OpenAI's Batch API of a project. */
export function batchCommands(program: Command): void {
  const batches = program.command('batches').description("A project's batches (OpenAI's Batch API).");
  example(batches.command('list').option(...PROJECT).description('List batches, newest first.'), 'tenantry batches list').action(
    run(async (ctx) => {
      const page = await ctx.api.request<List<Batch>>('GET', '/v1/batches?limit=100', { project: await ctx.project() });
      ctx.out.print(page, list(page).map(row), COLUMNS);
    }),
  );
  example(
    batches
      .command('create')
      .option('--file <id>', 'an uploaded file of purpose batch')
      .option('--input <path>', 'a JSONL file to upload first (purpose batch)')
      .option('--endpoint <path>', ENDPOINTS.join(', '), '/v1/chat/completions')
      .option('--metadata <key=value>', 'a metadata pair (repeatable)', collectPair)
      .option(...PROJECT)
      .description('Create a batch from a file; it is validated line by line at once.'),
    'tenantry batches create --input requests.jsonl --endpoint /v1/chat/completions',
  ).action(
    run(async (ctx, options: { file?: string; input?: string; endpoint: string; metadata?: Record<string, string> }) => {
      if (!options.file === !options.input) throw new UsageError('name the input with --file <id> or --input <path> (one of them)');
      if (!ENDPOINTS.includes(options.endpoint)) throw new UsageError(`--endpoint must be one of ${ENDPOINTS.join(', ')}`);
      const project = await ctx.project();
      let fileId = options.file;
      if (options.input) {
        const file = (await uploadFile({ url: ctx.api.url, token: ctx.api.token, project, path: options.input, purpose: 'batch', onProgress: progressBar(`Uploading ${options.input}`) })) as { id: string };
        fileId = file.id;
      }
      const batch = (await ctx.api.request('POST', '/v1/batches', {
        project,
        body: { input_file_id: fileId, endpoint: options.endpoint, completion_window: '24h', ...(options.metadata ? { metadata: options.metadata } : {}) },
      })) as Batch;
      ctx.out.print(batch, [row(batch)], COLUMNS);
      if (batch.status === 'failed' && !ctx.out.json) {
        for (const error of (batch.errors as { data: Array<{ line: number | null; code: string; message: string }> }).data) {
          ctx.out.note(`${error.line === null ? '' : `line ${error.line}: `}${error.message} (${error.code})`);
        }
      }
    }),
  );
  example(batches.command('get <id>').option(...PROJECT).description('Show a batch and its request counts.'), 'tenantry batches get batch_abc').action(
    run(async (ctx, id: string) => {
      const batch = (await ctx.api.request('GET', `/v1/batches/${id}`, { project: await ctx.project() })) as Batch;
      ctx.out.print(batch, [row(batch)], COLUMNS);
    }),
  );
  example(batches.command('cancel <id>').option(...PROJECT).description('Cancel a batch: nothing more is sent; what is in flight finishes.'), 'tenantry batches cancel batch_abc').action(
    run(async (ctx, id: string) => {
      const batch = (await ctx.api.request('POST', `/v1/batches/${id}/cancel`, { project: await ctx.project() })) as Batch;
      ctx.out.print(batch, [row(batch)], COLUMNS);
    }),
  );
  example(
    batches.command('download <id>').option('--errors', 'the error file instead of the output file').option('-o, --output <path>', 'where to write (default: stdout)').option(...PROJECT).description("Download a batch's output (or error) file."),
    'tenantry batches download batch_abc -o results.jsonl',
  ).action(
    run(async (ctx, id: string, options: { errors?: boolean; output?: string }) => {
      const project = await ctx.project();
      const batch = (await ctx.api.request('GET', `/v1/batches/${id}`, { project })) as Batch;
      const fileId = options.errors ? batch.error_file_id : batch.output_file_id;
      if (!fileId) throw new UsageError(`the batch has no ${options.errors ? 'error' : 'output'} file (status ${String(batch.status)})`);
      const response = await ctx.api.stream(`/v1/files/${fileId}/content`, project);
      await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream), options.output ? createWriteStream(options.output) : process.stdout);
    }),
  );
}
