import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidRequestError } from '../../services/errors.ts';
import { LISTED_PURPOSES } from '../../services/files/files-service.ts';
import type { Services } from '../../services/index.ts';
import type { FileRecord } from '../../store/files.ts';
import { presentList } from '../presenters.ts';
import { projectOf, projectQuery } from '../project-context.ts';
import { needs, principalOf } from '../route-access.ts';
import { errorResponse, listOf, listQuery, refusals } from '../schemas/common.ts';
import { assertMultipartForm, formErrorOf } from '../multipart.ts';
import { assertSafeText, CONTROL_CHARACTERS } from '../unsafe-text.ts';

/**
 * OpenAI's file object. `expires_at` and `status_details` are optional in OpenAI's schema (an integer and
 * a string, never null): Tenantry's files do not expire and have no status details, so they are left out.
 */
const fileObject = z.object({
  id: z.string(),
  object: z.literal('file'),
  bytes: z.number().int(),
  created_at: z.number().int(),
  expires_at: z.number().int().optional(),
  filename: z.string(),
  purpose: z.string(),
  status: z.literal('processed'),
  status_details: z.string().optional(),
});

export const presentFile = (file: FileRecord): z.infer<typeof fileObject> => ({
  id: file.id,
  object: 'file' as const,
  bytes: file.bytes,
  created_at: file.created_at,
  filename: file.filename,
  purpose: file.purpose,
  status: 'processed' as const,
});

/** A filename fit for a Content-Disposition header. */
function dispositionOf(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** A file name, as stored and shown: one line of printable text. */
function checkedFilename(filename: string): string {
  assertSafeText(filename, 'file');
  if (CONTROL_CHARACTERS.test(filename)) throw new InvalidRequestError('The file name must not contain control characters.', 'file', 'invalid_characters');
  return filename;
}

export function fileRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['files'];
    const fileParams = z.strictObject({ file_id: z.string() });
    const query = z.strictObject(projectQuery);

    app.post(
      '/v1/files',
      {
        config: { access: needs('files.begin_upload') },
        schema: {
          tags,
          description: 'multipart/form-data with `file` and `purpose` (fine-tune or batch). A fine-tune file is checked line by line while it streams.',
          querystring: query,
          response: { 200: fileObject, 413: errorResponse, ...refusals },
        },
      },
      async (request) => {
        if (!request.isMultipart()) throw new InvalidRequestError('Send the file as multipart/form-data with the fields file and purpose.', 'file');
        assertMultipartForm(request);
        const upload = await services.files.beginUpload(principalOf(request), projectOf(request));
        try {
          for await (const part of request.parts({ limits: { fileSize: services.files.maxBytes, files: 1, fields: 8, parts: 10 } })) {
            assertSafeText(part.fieldname, 'file');
            if (part.type === 'file') {
              if (part.fieldname !== 'file') throw new InvalidRequestError(`Unknown file field "${part.fieldname}"; send it as "file".`, part.fieldname);
              await upload.receiveFile(checkedFilename(part.filename), part.file, () => part.file.truncated);
            } else if (part.fieldname === 'purpose') {
              assertSafeText(String(part.value), 'purpose');
              upload.setPurpose(String(part.value));
            } else {
              throw new InvalidRequestError(`Unknown field "${part.fieldname}".`, part.fieldname);
            }
          }
          return presentFile(await upload.finish());
        } catch (error) {
          await upload.abort();
          throw formErrorOf(error);
        }
      },
    );

    app.get(
      '/v1/files',
      {
        config: { access: needs('files.list') },
        schema: { tags, querystring: listQuery.extend({ ...projectQuery, purpose: z.enum(LISTED_PURPOSES).optional() }), response: { 200: listOf(fileObject), ...refusals } },
      },
      async (request) => presentList(await services.files.list(principalOf(request), projectOf(request), request.query.purpose, request.query), presentFile, (f) => f.id),
    );

    app.get(
      '/v1/files/:file_id',
      { config: { access: needs('files.get') }, schema: { tags, params: fileParams, querystring: query, response: { 200: fileObject, ...refusals } } },
      async (request) => presentFile(await services.files.get(principalOf(request), projectOf(request), request.params.file_id)),
    );

    app.get(
      '/v1/files/:file_id/content',
      {
        config: { access: needs('files.content') },
        schema: { tags, description: 'The content, streamed as a download.', params: fileParams, querystring: query, response: { 200: z.unknown().describe('the file bytes'), ...refusals } },
      },
      async (request, reply) => {
        const { file, stream } = await services.files.content(principalOf(request), projectOf(request), request.params.file_id);
        return reply
          .header('content-type', 'application/octet-stream')
          .header('content-length', String(file.bytes))
          .header('content-disposition', dispositionOf(file.filename))
          .header('x-content-type-options', 'nosniff')
          .send(stream);
      },
    );

    app.delete(
      '/v1/files/:file_id',
      {
        config: { access: needs('files.delete') },
        schema: { tags, params: fileParams, querystring: query, response: { 200: z.object({ id: z.string(), object: z.literal('file'), deleted: z.literal(true) }), ...refusals } },
      },
      async (request) => {
        await services.files.delete(principalOf(request), projectOf(request), request.params.file_id);
        return { id: request.params.file_id, object: 'file' as const, deleted: true as const };
      },
    );
  };
}
