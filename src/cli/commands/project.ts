import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import type { ApiKey, Dataset, Endpoint, FileObject, IssuedApiKey, Job, JobEvent, List, Model, RateLimit, WholeList } from '../../http/schemas/api-types.ts';
import { UsageError } from '../client/api.ts';
import { example, list, run } from '../client/context.ts';
import { formatTime } from '../client/output.ts';
import { progressBar, uploadFile } from '../client/upload.ts';
import { keyPermissions } from './roles.ts';

const PROJECT = ['--project <id>', 'project (default: `tenantry use project`, or the API key\'s)'] as const;
const collect = (value: string, previous: string[] = []) => [...previous, value];
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** API keys, files, datasets, fine-tuning jobs, endpoints, models and rate limits of a project. */
export function projectCommands(program: Command): void {
  const keys = program.command('keys').description("A project's API keys.");
  example(keys.command('list').option(...PROJECT).description('List keys (yours, or all for project admins).'), 'tenantry keys list').action(
    run(async (ctx) => {
      const page = await ctx.api.request<List<ApiKey>>('GET', `/v1/projects/${await ctx.project()}/api_keys?limit=100`);
      ctx.out.print(page, list(page), ['id', 'name', 'redacted_value', 'owner', 'permissions', 'last_used_at', 'revoked_at']);
    }),
  );
  example(
    keys
      .command('create <name>')
      .description('Create a key; its secret is printed once.')
      .option(...PROJECT)
      .option('--read-only', 'read permissions only')
      .option('--permissions <spec>', 'all, read_only, or a restricted key: resource=none|read|write pairs, comma-separated')
      .option('--owner <id>', 'a service account to own it')
      .option('--expires <unix>', 'expiry, Unix seconds'),
    'tenantry keys create ci --permissions files=read,fine_tuning=write,inference=write',
  ).action(
    run(async (ctx, name: string, options: { readOnly?: boolean; permissions?: string; owner?: string; expires?: string }) => {
      if (options.readOnly && options.permissions) throw new UsageError('pass --read-only or --permissions, not both');
      const permissions = options.permissions ? keyPermissions(options.permissions) : options.readOnly ? 'read_only' : undefined;
      const key = await ctx.api.request<IssuedApiKey>('POST', `/v1/projects/${await ctx.project()}/api_keys`, {
        body: { name, ...(permissions ? { permissions } : {}), ...(options.owner ? { owner_id: options.owner } : {}), ...(options.expires ? { expires_at: Number(options.expires) } : {}) },
      });
      if (ctx.out.json) return ctx.out.print(key);
      ctx.out.note('Copy the key now: it will not be shown again.');
      process.stdout.write(`${key.key}\n`);
    }),
  );
  example(keys.command('revoke <id>').option(...PROJECT).description('Revoke a key.'), 'tenantry keys revoke key_abc').action(
    run(async (ctx, id: string) => ctx.out.print(await ctx.api.request('DELETE', `/v1/projects/${await ctx.project()}/api_keys/${id}`))),
  );
  example(keys.command('rotate <id>').option(...PROJECT).option('--grace <seconds>', 'how long the old secret keeps working', '0').description('Give a key a new secret.'), 'tenantry keys rotate key_abc --grace 3600').action(
    run(async (ctx, id: string, options: { grace: string }) => {
      const key = await ctx.api.request<IssuedApiKey>('POST', `/v1/projects/${await ctx.project()}/api_keys/${id}/rotate`, { body: { grace_seconds: Number(options.grace) } });
      if (ctx.out.json) return ctx.out.print(key);
      ctx.out.note('Copy the new key now: it will not be shown again.');
      process.stdout.write(`${key.key}\n`);
    }),
  );

  const files = program.command('files').description("A project's files.");
  example(files.command('list').option(...PROJECT).option('--purpose <purpose>').description('List files.'), 'tenantry files list --purpose fine-tune').action(
    run(async (ctx, options: { purpose?: string }) => {
      const page = await ctx.api.request<List<FileObject>>('GET', `/v1/files?limit=100${options.purpose ? `&purpose=${options.purpose}` : ''}`, { project: await ctx.project() });
      ctx.out.print(page, list(page), ['id', 'filename', 'purpose', 'bytes', 'created_at']);
    }),
  );
  example(
    files.command('upload <path>').description('Upload a file, with a progress bar on stderr.').requiredOption('--purpose <purpose>', 'fine-tune or batch').option(...PROJECT),
    'tenantry files upload train.jsonl --purpose fine-tune',
  ).action(
    run(async (ctx, path: string, options: { purpose: string }) => {
      const file = await uploadFile({ url: ctx.api.url, token: ctx.api.token, project: await ctx.project(), path, purpose: options.purpose, onProgress: progressBar(`Uploading ${path}`) });
      ctx.out.print(file, [file], ['id', 'filename', 'purpose', 'bytes']);
    }),
  );
  example(files.command('download <id>').option(...PROJECT).option('-o, --output <path>', 'where to write (default: stdout)').description("Download a file's content."), 'tenantry files download file-abc -o train.jsonl').action(
    run(async (ctx, id: string, options: { output?: string }) => {
      const response = await ctx.api.stream(`/v1/files/${id}/content`, await ctx.project());
      await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream), options.output ? createWriteStream(options.output) : process.stdout);
    }),
  );
  example(files.command('delete <id>').option(...PROJECT).description('Delete a file.'), 'tenantry files delete file-abc').action(
    run(async (ctx, id: string) => ctx.out.print(await ctx.api.request('DELETE', `/v1/files/${id}`, { project: await ctx.project() }))),
  );

  const datasets = program.command('datasets').description("A project's datasets.");
  example(datasets.command('list').option(...PROJECT).description('List datasets.'), 'tenantry datasets list').action(
    run(async (ctx) => {
      const page = await ctx.api.request<List<Dataset>>('GET', '/v1/datasets?limit=100', { project: await ctx.project() });
      ctx.out.print(page, list(page), ['id', 'name', 'format', 'rows', 'region']);
    }),
  );
  example(datasets.command('create <name>').requiredOption('--file <id>', 'a fine-tune file (repeatable)', collect).option('--region <id>').option(...PROJECT).description('Make a dataset from files.'), 'tenantry datasets create chats --file file-abc').action(
    run(async (ctx, name: string, options: { file: string[]; region?: string }) => {
      const dataset = await ctx.api.request<Dataset>('POST', '/v1/datasets', { project: await ctx.project(), body: { name, file_ids: options.file, ...(options.region ? { region: options.region } : {}) } });
      ctx.out.print(dataset, [dataset], ['id', 'name', 'format', 'rows', 'region']);
    }),
  );
  example(datasets.command('delete <id>').option(...PROJECT).description('Delete a dataset.'), 'tenantry datasets delete ds_abc').action(
    run(async (ctx, id: string) => ctx.out.print(await ctx.api.request('DELETE', `/v1/datasets/${id}`, { project: await ctx.project() }))),
  );

  const jobs = program.command('jobs').description("A project's fine-tuning jobs.");
  example(jobs.command('list').option(...PROJECT).description('List jobs.'), 'tenantry jobs list').action(
    run(async (ctx) => {
      const page = await ctx.api.request<List<Job>>('GET', '/v1/fine_tuning/jobs?limit=100', { project: await ctx.project() });
      ctx.out.print(page, list(page), ['id', 'model', 'status', 'fine_tuned_model', 'created_at']);
    }),
  );
  example(
    jobs.command('create').requiredOption('--model <id>').requiredOption('--training-file <id>').option('--validation-file <id>').option('--suffix <suffix>').option('--epochs <n>').option(...PROJECT).description('Start a fine-tuning job.'),
    'tenantry jobs create --model meta-llama/Llama-3.3-70B-Instruct --training-file file-abc --suffix support',
  ).action(
    run(async (ctx, options: { model: string; trainingFile: string; validationFile?: string; suffix?: string; epochs?: string }) => {
      const job = await ctx.api.request<Job>('POST', '/v1/fine_tuning/jobs', {
        project: await ctx.project(),
        body: {
          model: options.model,
          training_file: options.trainingFile,
          ...(options.validationFile ? { validation_file: options.validationFile } : {}),
          ...(options.suffix ? { suffix: options.suffix } : {}),
          ...(options.epochs ? { hyperparameters: { n_epochs: Number(options.epochs) } } : {}),
        },
      });
      ctx.out.print(job, [job], ['id', 'model', 'status']);
    }),
  );
  example(jobs.command('get <id>').option(...PROJECT).description('Show a job.'), 'tenantry jobs get ftjob-abc').action(
    run(async (ctx, id: string) => {
      const job = await ctx.api.request<Job>('GET', `/v1/fine_tuning/jobs/${id}`, { project: await ctx.project() });
      ctx.out.print(job, [job], ['id', 'model', 'status', 'fine_tuned_model', 'trained_tokens']);
    }),
  );
  example(jobs.command('cancel <id>').option(...PROJECT).description('Cancel a job.'), 'tenantry jobs cancel ftjob-abc').action(
    run(async (ctx, id: string) => {
      const job = await ctx.api.request<Job>('POST', `/v1/fine_tuning/jobs/${id}/cancel`, { project: await ctx.project() });
      ctx.out.print(job, [job], ['id', 'status']);
    }),
  );
  example(
    jobs.command('events <id>').option(...PROJECT).option('--follow', 'keep printing new events until the job ends').option('--interval <ms>', 'how often to look, with --follow', '1000').description("A job's events, oldest first."),
    'tenantry jobs events ftjob-abc --follow',
  ).action(
    run(async (ctx, id: string, options: { follow?: boolean; interval: string }) => {
      const project = await ctx.project();
      const seen = new Set<string>();
      for (;;) {
        const page = await ctx.api.request<List<JobEvent>>('GET', `/v1/fine_tuning/jobs/${id}/events?limit=100`, { project });
        const fresh = list(page).filter((e) => !seen.has(e.id)).reverse();
        for (const event of fresh) {
          seen.add(event.id);
          process.stdout.write(ctx.out.json ? `${JSON.stringify(event)}\n` : `${formatTime(event.created_at)}  ${event.level.padEnd(5)}  ${event.message}\n`);
        }
        if (!options.follow) return;
        const job = await ctx.api.request<Job>('GET', `/v1/fine_tuning/jobs/${id}`, { project });
        if (TERMINAL.has(job.status)) {
          const last = await ctx.api.request<List<JobEvent>>('GET', `/v1/fine_tuning/jobs/${id}/events?limit=100`, { project });
          for (const event of list(last).filter((e) => !seen.has(e.id)).reverse()) {
            process.stdout.write(ctx.out.json ? `${JSON.stringify(event)}\n` : `${formatTime(event.created_at)}  ${event.level.padEnd(5)}  ${event.message}\n`);
          }
          ctx.out.note(`Job ${id} ${job.status}.`);
          if (job.status !== 'succeeded') process.exitCode = 1;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Number(options.interval)));
      }
    }),
  );

  const endpoints = program.command('endpoints').description("A project's dedicated endpoints.");
  example(endpoints.command('list').option(...PROJECT).description('List endpoints.'), 'tenantry endpoints list').action(
    run(async (ctx) => {
      const page = await ctx.api.request<List<Endpoint>>('GET', '/v1/dedicated_endpoints?limit=100', { project: await ctx.project() });
      ctx.out.print(page, list(page), ['id', 'name', 'model_name', 'region', 'status', 'enabled', 'routing_key']);
    }),
  );
  example(
    endpoints.command('create <name>').requiredOption('--model <name>').requiredOption('--flavor <name>').requiredOption('--gpu-type <type>').option('--region <id>').option('--min <n>').option('--max <n>').option(...PROJECT).description('Create an endpoint from a template.'),
    'tenantry endpoints create chat --model meta-llama/Llama-3.3-70B-Instruct --flavor base --gpu-type gpu-h100-sxm',
  ).action(
    run(async (ctx, name: string, options: { model: string; flavor: string; gpuType: string; region?: string; min?: string; max?: string }) => {
      const scaling = options.min || options.max ? { scaling: { min_replicas: Number(options.min ?? 1), max_replicas: Number(options.max ?? options.min ?? 1) } } : {};
      const endpoint = await ctx.api.request<Endpoint>('POST', '/v1/dedicated_endpoints', {
        project: await ctx.project(),
        body: { name, model_name: options.model, flavor_name: options.flavor, gpu_type: options.gpuType, ...(options.region ? { region: options.region } : {}), ...scaling },
      });
      ctx.out.print(endpoint, [endpoint], ['id', 'routing_key', 'status', 'region']);
    }),
  );
  for (const [verb, body] of [['enable', { enabled: true }], ['disable', { enabled: false }]] as const) {
    example(endpoints.command(`${verb} <id>`).option(...PROJECT).description(`${verb === 'enable' ? 'Enable' : 'Disable'} an endpoint.`), `tenantry endpoints ${verb} ep_abc`).action(
      run(async (ctx, id: string) => {
        const endpoint = await ctx.api.request<Endpoint>('PATCH', `/v1/dedicated_endpoints/${id}`, { project: await ctx.project(), body });
        ctx.out.print(endpoint, [endpoint], ['id', 'status', 'enabled']);
      }),
    );
  }
  example(endpoints.command('scale <id>').requiredOption('--min <n>').requiredOption('--max <n>').option(...PROJECT).description("Change an endpoint's replica bounds."), 'tenantry endpoints scale ep_abc --min 1 --max 4').action(
    run(async (ctx, id: string, options: { min: string; max: string }) => {
      const endpoint = await ctx.api.request<Endpoint>('PATCH', `/v1/dedicated_endpoints/${id}`, { project: await ctx.project(), body: { scaling: { min_replicas: Number(options.min), max_replicas: Number(options.max) } } });
      ctx.out.print(endpoint, [endpoint], ['id', 'status', 'scaling']);
    }),
  );
  example(endpoints.command('delete <id>').option(...PROJECT).description('Delete an endpoint.'), 'tenantry endpoints delete ep_abc').action(
    run(async (ctx, id: string) => ctx.out.print(await ctx.api.request('DELETE', `/v1/dedicated_endpoints/${id}`, { project: await ctx.project() }))),
  );

  example(program.command('models').option(...PROJECT).description('The models the project may use.'), 'tenantry models').action(
    run(async (ctx) => {
      const page = await ctx.api.request<WholeList<Model>>('GET', '/v1/models', { project: await ctx.project() });
      ctx.out.print(page, list(page), ['id', 'owned_by']);
    }),
  );

  const limits = program.command('rate-limits').description("A project's rate limits per model.");
  example(limits.command('list').option(...PROJECT).description('List rate limits.'), 'tenantry rate-limits list').action(
    run(async (ctx) => {
      const page = await ctx.api.request<WholeList<RateLimit>>('GET', `/v1/projects/${await ctx.project()}/rate_limits`);
      ctx.out.print(page, list(page), ['model', 'max_requests_per_1_minute', 'max_tokens_per_1_minute']);
    }),
  );
  example(limits.command('set <model>').option('--requests <n>', 'requests per minute').option('--tokens <n>', 'tokens per minute').option(...PROJECT).description("Set a model's limits."), 'tenantry rate-limits set meta-llama/Llama-3.3-70B-Instruct --requests 100').action(
    run(async (ctx, model: string, options: { requests?: string; tokens?: string }) => {
      if (!options.requests && !options.tokens) throw new UsageError('give --requests, --tokens or both');
      const limit = await ctx.api.request<RateLimit>('POST', `/v1/projects/${await ctx.project()}/rate_limits/${encodeURIComponent(model)}`, {
        body: { ...(options.requests ? { max_requests_per_1_minute: Number(options.requests) } : {}), ...(options.tokens ? { max_tokens_per_1_minute: Number(options.tokens) } : {}) },
      });
      ctx.out.print(limit, [limit], ['model', 'max_requests_per_1_minute', 'max_tokens_per_1_minute']);
    }),
  );
}
