import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { newId } from '../../lib/ids.ts';
import type { FileRecord } from '../../store/files.ts';
import type { PageRequest } from '../../store/pagination.ts';
import type { Store } from '../../store/store.ts';
import { actorOf, type AuditLog, audited } from '../audit.ts';
import type { Authorizer } from '../authorizer.ts';
import type { Clock } from '../../infra/clock.ts';
import { IncompleteUploadError, InvalidRequestError, NotFoundError, ServiceError } from '../errors.ts';
import type { Principal } from '../../access/principal.ts';
import { JsonlInspector, LineProblemError, type Purpose } from './jsonl-inspector.ts';
import type { FileStorage, PendingFile } from '../../infra/file-storage.ts';
import { listing } from '../listing.ts';

export const PURPOSES: readonly Purpose[] = ['fine-tune', 'batch'];

/** What a listing may filter by: the purposes of uploads, and of the files the server writes (results of jobs and batches). */
export const LISTED_PURPOSES = [...PURPOSES, 'fine-tune-results', 'batch_output'] as const;

export class PayloadTooLargeError extends ServiceError {
  constructor(maxBytes: number) {
    super('invalid_request_error', `The file is larger than the limit of ${maxBytes} bytes.`, 'file', 'payload_too_large');
  }
}

/**
 * One upload in progress. The route feeds it the multipart form's parts in the order they come:
 * the file streams through the line checker into storage; nothing is listed until `finish`
 * commits the row, its audit event and the stored content together.
 */
export interface Upload {
  receiveFile(filename: string, content: Readable, truncated: () => boolean): Promise<void>;
  setPurpose(value: string): void;
  finish(): Promise<FileRecord>;
  abort(): Promise<void>;
}

export function createFileService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog; storage: FileStorage; maxBytes: number }) {
  const { store, clock, authorizer, audit, storage, maxBytes } = deps;

  function lineError(line: number, reason: string): InvalidRequestError {
    return new InvalidRequestError(`line ${line}: ${reason}`, 'file', 'invalid_file');
  }

  async function readableFile(principal: Principal, projectId: string, fileId: string, useCase: 'files.get' | 'files.content'): Promise<FileRecord> {
    await authorizer.project(principal, projectId, useCase);
    const file = await store.files.find(projectId, fileId);
    if (!file) throw new NotFoundError('file');
    return file;
  }

  return {
    maxBytes,

    /** Authorizes first, so nothing is read from a caller who may not upload here. */
    async beginUpload(principal: Principal, projectId: string): Promise<Upload> {
      const { project } = await authorizer.project(principal, projectId, 'files.begin_upload');
      authorizer.assertWritable(project);
      const id = newId('file-');
      const inspector = new JsonlInspector();
      let purpose: Purpose | undefined;
      let pending: PendingFile | undefined;
      let filename: string | undefined;
      let bytes = 0;

      return {
        setPurpose(value) {
          if (!PURPOSES.includes(value as Purpose)) {
            throw new InvalidRequestError(`purpose must be one of ${PURPOSES.join(', ')}.`, 'purpose');
          }
          purpose = value as Purpose;
          // While the file still streams, its first problem for this purpose now stops it; after, finish() reports it.
          inspector.setPurpose(purpose);
        },

        async receiveFile(name, content, truncated) {
          if (pending) throw new InvalidRequestError('Send one file per upload.', 'file');
          filename = name;
          pending = await storage.create(id);
          content.on('data', (chunk: Buffer) => (bytes += chunk.length));
          // A form cut short has its file part destroyed by the parser, possibly before we got here; a
          // pipeline from a stream already destroyed that way would never settle.
          if (content.destroyed) throw new IncompleteUploadError();
          try {
            await pipeline(content, inspector, pending.stream);
          } catch (error) {
            // A file cut at the size limit ends mid-line: the limit is the problem, not that line.
            if (truncated()) throw new PayloadTooLargeError(maxBytes);
            if (error instanceof LineProblemError) throw lineError(error.problem.line, error.problem.reason);
            throw error;
          }
          if (truncated()) throw new PayloadTooLargeError(maxBytes);
        },

        async finish() {
          if (!pending || filename === undefined) throw new InvalidRequestError('The form has no file.', 'file');
          if (!purpose) throw new InvalidRequestError('purpose is required.', 'purpose');
          const problem = inspector.problemFor(purpose);
          if (problem) throw lineError(problem.line, problem.reason);
          const file: FileRecord = {
            id,
            organization_id: project.organization_id,
            project_id: project.id,
            filename,
            purpose,
            bytes,
            format: purpose === 'fine-tune' ? (inspector.fineTuneFormat() ?? null) : null,
            rows: inspector.rows,
            created_at: clock(),
          };
          const committed = pending;
          try {
            await store.transaction(async (tx) => {
              await tx.files.insert(file);
              await audit.record(tx, actorOf(principal), {
                type: 'file.created',
                organizationId: file.organization_id,
                projectId: file.project_id,
                resource: { type: 'file', id: file.id },
                data: { filename: file.filename, purpose: file.purpose, bytes: file.bytes },
              });
              // Made visible on disk before the row commits; a failed commit removes it again.
              await committed.commit();
            });
          } catch (error) {
            await storage.remove(id).catch(() => {});
            throw error;
          }
          pending = undefined;
          return file;
        },

        async abort() {
          await pending?.abort();
          pending = undefined;
        },
      };
    },

    async list(principal: Principal, projectId: string, purpose: string | undefined, page: PageRequest) {
      await authorizer.project(principal, projectId, 'files.list');
      return listing(store.files.list(projectId, purpose, page));
    },

    get: (principal: Principal, projectId: string, fileId: string) => readableFile(principal, projectId, fileId, 'files.get'),

    async content(principal: Principal, projectId: string, fileId: string): Promise<{ file: FileRecord; stream: Readable }> {
      const file = await readableFile(principal, projectId, fileId, 'files.content');
      return { file, stream: storage.read(file.id) };
    },

    async delete(principal: Principal, projectId: string, fileId: string): Promise<void> {
      const { project } = await authorizer.project(principal, projectId, 'files.delete');
      authorizer.assertWritable(project);
      const file = await store.files.find(projectId, fileId);
      if (!file) throw new NotFoundError('file');
      await audited(store, audit, actorOf(principal), {
        type: 'file.deleted',
        organizationId: file.organization_id,
        projectId,
        resource: { type: 'file', id: file.id },
        data: { filename: file.filename, purpose: file.purpose },
      }, async (tx) => {
        await tx.files.delete(file.id);
      });
      await storage.remove(file.id);
    },

    /** Removes what interrupted uploads left on disk; run at start. */
    sweep: () => storage.sweep((ids) => store.files.existing(ids)),
  };
}

export type FileService = ReturnType<typeof createFileService>;
