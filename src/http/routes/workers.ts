import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidRequestError } from '../../services/errors.ts';
import type { Services } from '../../services/index.ts';
import { presentJob } from './fine-tuning.ts';
import { WORKER } from '../route-access.ts';
import { refusals } from '../schemas/common.ts';
import { fineTuningJob, workerClaim, workerEventsAccepted, workerHeartbeat, workerResultFile } from '../schemas/fine-tuning.ts';
import { assertMultipartForm, formErrorOf } from '../multipart.ts';
import { CONTROL_CHARACTERS } from '../unsafe-text.ts';

/**
 * The fine-tuning worker protocol: claim a job with a lease, renew it, read the job's files, report
 * the trainer's lines, store result files, finish. Authenticated by TENANTRY_WORKER_TOKEN; every call
 * names the worker with X-Worker-Id, and only the worker holding a job may touch it.
 */
const workerHeaders = z.object({ 'x-worker-id': z.string().min(1).max(200) }).loose();
const leaseSeconds = z.number().int().min(2).max(3600).default(30);

const trainerLine = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('message'), level: z.enum(['info', 'warn', 'error']).optional(), message: z.string().max(10_000) }),
  z.object({ type: z.literal('metrics'), step: z.number().int().nonnegative(), total_steps: z.number().int().positive().optional() }).loose(),
  z.strictObject({ type: z.literal('checkpoint'), step: z.number().int().nonnegative(), path: z.string().min(1).max(1000) }),
]);

export function workerRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['workers'];
    const jobParams = z.strictObject({ job_id: z.string() });
    const queue = services.workerQueue;

    app.post(
      '/v1/workers/claim',
      {
        config: { access: WORKER },
        schema: { tags, headers: workerHeaders, body: z.strictObject({ lease_seconds: leaseSeconds }).optional(), response: { 200: workerClaim, 204: z.undefined(), ...refusals } },
      },
      async (request, reply) => {
        const claimed = await queue.claim(request.headers['x-worker-id'], request.body?.lease_seconds ?? 30);
        if (!claimed) return reply.status(204).send();
        return { job: presentJob(claimed.job), files: claimed.files.map((f) => ({ id: f.id, filename: f.filename, role: f.role })) };
      },
    );

    app.post(
      '/v1/workers/jobs/:job_id/heartbeat',
      {
        config: { access: WORKER },
        schema: { tags, headers: workerHeaders, params: jobParams, body: z.strictObject({ lease_seconds: leaseSeconds }).optional(), response: { 200: workerHeartbeat, ...refusals } },
      },
      async (request) => ({ status: await queue.heartbeat(request.headers['x-worker-id'], request.params.job_id, request.body?.lease_seconds ?? 30) }),
    );

    app.get(
      '/v1/workers/jobs/:job_id/files/:file_id/content',
      { config: { access: WORKER }, schema: { tags, headers: workerHeaders, params: z.strictObject({ job_id: z.string(), file_id: z.string() }), response: { 200: z.unknown(), ...refusals } } },
      async (request, reply) => {
        const { stream, bytes } = await queue.fileContent(request.headers['x-worker-id'], request.params.job_id, request.params.file_id);
        return reply.header('content-type', 'application/octet-stream').header('content-length', String(bytes)).send(stream);
      },
    );

    app.post(
      '/v1/workers/jobs/:job_id/events',
      {
        config: { access: WORKER },
        schema: { tags, headers: workerHeaders, params: jobParams, body: z.strictObject({ lines: z.array(trainerLine).min(1).max(500) }), response: { 200: workerEventsAccepted, ...refusals } },
      },
      async (request) => {
        await queue.report(request.headers['x-worker-id'], request.params.job_id, request.body.lines);
        return { accepted: request.body.lines.length };
      },
    );

    app.post(
      '/v1/workers/jobs/:job_id/result_files',
      {
        config: { access: WORKER },
        schema: {
          tags,
          description: 'multipart/form-data with one `file`; `path` is its place in the output folder.',
          headers: workerHeaders,
          params: jobParams,
          querystring: z.strictObject({
            path: z
              .string()
              .min(1)
              .max(1000)
              .refine((p) => !p.split('/').includes('..') && !p.startsWith('/'), 'must stay inside the output folder')
              .refine((p) => !CONTROL_CHARACTERS.test(p), 'must not contain control characters'),
          }),
          response: { 200: workerResultFile, ...refusals },
        },
      },
      async (request) => {
        assertMultipartForm(request);
        try {
          // The same size limit as uploads (without one the parser cuts every file at the 1 MiB body limit).
          const part = await request.file({ limits: { fileSize: services.files.maxBytes, files: 1 } });
          if (!part) throw new InvalidRequestError('Send one file as multipart/form-data.', 'file');
          const truncated = () => part.file.truncated;
          return { id: await queue.addResultFile(request.headers['x-worker-id'], request.params.job_id, request.query.path, part.file, truncated) };
        } catch (error) {
          throw formErrorOf(error);
        }
      },
    );

    app.post(
      '/v1/workers/jobs/:job_id/complete',
      {
        config: { access: WORKER },
        schema: {
          tags,
          headers: workerHeaders,
          params: jobParams,
          body: z.strictObject({ status: z.enum(['succeeded', 'failed']), message: z.string().max(10_000).optional(), trained_tokens: z.number().int().nonnegative().optional() }),
          response: { 200: fineTuningJob, ...refusals },
        },
      },
      async (request) => presentJob(await queue.complete(request.headers['x-worker-id'], request.params.job_id, request.body)),
    );
  };
}
