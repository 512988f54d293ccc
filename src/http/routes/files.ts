import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidRequestError } from '../../services/errors.ts';
import { LISTED_PURPOSES } from '../../services/files/files-service.ts';
import type { Services } from '../../services/index.ts';
import type { FileRecord } from '../../store/files.ts';
import { presentDeleted, presentList } from '../presenters.ts';
import { projectOf, projectQuery } from '../project-context.ts';
import { needs, principalOf } from '../route-access.ts';
import { errorResponse, listOf, listQuery, refusals } from '../schemas/common.ts';
import type { FileObject } from '../schemas/api-types.ts';
import { deletionOf } from '../schemas/envelopes.ts';
import { fileObject } from '../schemas/resources.ts';
import { assertMultipartForm, formErrorOf } from '../multipart.ts';
import { assertSafeText, CONTROL_CHARACTERS } from '../unsafe-text.ts';

/** OpenAI's file object; `expires_at` and `status_details` are left out (resources.ts says why). */
export const presentFile = (file: FileRecord): FileObject => ({
  id: file.id,
  object: 'file',
  bytes: file.bytes,
  created_at: file.created_at,
  filename: file.filename,
  purpose: file.purpose,
  status: 'processed',
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
        schema: { tags, params: fileParams, querystring: query, response: { 200: deletionOf('file'), ...refusals } },
      },
      async (request) => {
        await services.files.delete(principalOf(request), projectOf(request), request.params.file_id);
        return presentDeleted(request.params.file_id, 'file');
      },
    );
  };
}
