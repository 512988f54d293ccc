import type { FileStorage } from '../infra/file-storage.ts';
import { newId } from '../lib/ids.ts';
import type { DatasetRecord } from '../store/datasets.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { Store } from '../store/store.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { InvalidRequestError, NotFoundError } from './errors.ts';
import type { Principal } from '../access/principal.ts';
import { readDatasetRows, type DatasetRow } from './dataset-rows.ts';
import { listing } from './listing.ts';

/** Named datasets made from a project's fine-tune files: their format, size and region. */
export function createDatasetService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog; storage: FileStorage }) {
  const { store, clock, authorizer, audit, storage } = deps;

  async function find(principal: Principal, projectId: string, id: string, useCase: 'datasets.get' | 'datasets.delete' | 'datasets.rows') {
    const { project } = await authorizer.project(principal, projectId, useCase);
    const dataset = await store.datasets.find(projectId, id);
    if (!dataset) throw new NotFoundError('dataset');
    return { project, dataset };
  }

  return {
    async create(principal: Principal, projectId: string, input: { name: string; file_ids: string[]; region?: string | undefined }): Promise<DatasetRecord> {
      const { project } = await authorizer.project(principal, projectId, 'datasets.create');
      authorizer.assertWritable(project);
      const region = input.region ?? project.regions[0]!;
      if (!project.regions.includes(region)) {
        throw new InvalidRequestError(`region must be one of the project's regions: ${project.regions.join(', ')}.`, 'region');
      }
      let format: string | undefined;
      let rows = 0;
      for (const [index, fileId] of input.file_ids.entries()) {
        const file = await store.files.find(projectId, fileId);
        if (!file || file.purpose !== 'fine-tune' || !file.format) {
          throw new InvalidRequestError('Not a fine-tune file of this project.', `file_ids.${index}`);
        }
        if (format && file.format !== format) {
          throw new InvalidRequestError(`The file is ${file.format} but the dataset's first file is ${format}.`, `file_ids.${index}`);
        }
        format = file.format;
        rows += file.rows ?? 0;
      }
      const dataset: DatasetRecord = {
        id: newId('ds_'),
        organization_id: project.organization_id,
        project_id: projectId,
        name: input.name,
        file_ids: input.file_ids,
        format: format!,
        rows,
        region,
        created_at: clock(),
      };
      await audited(store, audit, actorOf(principal), {
        type: 'dataset.created',
        organizationId: dataset.organization_id,
        projectId,
        resource: { type: 'dataset', id: dataset.id },
        data: { name: dataset.name, file_ids: dataset.file_ids, region },
      }, async (tx) => {
        await tx.datasets.insert(dataset);
      });
      return dataset;
    },

    async list(principal: Principal, projectId: string, page: PageRequest) {
      await authorizer.project(principal, projectId, 'datasets.list');
      return listing(store.datasets.list(projectId, page));
    },

    async get(principal: Principal, projectId: string, id: string): Promise<DatasetRecord> {
      return (await find(principal, projectId, id, 'datasets.get')).dataset;
    },

    /** A page of the dataset's rows, for a preview; the files a dataset names are read as they are now. */
    async rows(principal: Principal, projectId: string, id: string, page: { offset: number; limit: number }): Promise<{ dataset: DatasetRecord; rows: DatasetRow[]; hasMore: boolean }> {
      const { dataset } = await find(principal, projectId, id, 'datasets.rows');
      // A file deleted since the dataset was made has no rows any more.
      const present: string[] = [];
      for (const fileId of dataset.file_ids) if (await store.files.find(projectId, fileId)) present.push(fileId);
      return { dataset, ...(await readDatasetRows(storage, present, page.offset, page.limit)) };
    },

    async delete(principal: Principal, projectId: string, id: string): Promise<void> {
      const { project, dataset } = await find(principal, projectId, id, 'datasets.delete');
      authorizer.assertWritable(project);
      await audited(store, audit, actorOf(principal), {
        type: 'dataset.deleted',
        organizationId: dataset.organization_id,
        projectId,
        resource: { type: 'dataset', id },
        data: { name: dataset.name },
      }, async (tx) => {
        await tx.datasets.delete(id);
      });
    },

    /** For the projects service: a region holding datasets cannot be dropped. */
    regionInUse: (projectId: string, region: string) => store.datasets.existsInRegion(projectId, region),
  };
}

export type DatasetService = ReturnType<typeof createDatasetService>;
