import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import type { DatasetRecord } from '../../store/datasets.ts';
import { presentDeleted, presentList } from '../presenters.ts';
import { projectOf, projectQuery } from '../project-context.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, refusals } from '../schemas/common.ts';
import type { Dataset, DatasetRows } from '../schemas/api-types.ts';
import { deletionOf } from '../schemas/envelopes.ts';
import { datasetObject, datasetRowList } from '../schemas/resources.ts';

const present = (dataset: DatasetRecord): Dataset => ({
  id: dataset.id,
  object: 'dataset',
  project_id: dataset.project_id,
  name: dataset.name,
  file_ids: dataset.file_ids,
  format: dataset.format,
  rows: dataset.rows,
  region: dataset.region,
  created_at: dataset.created_at,
});

export function datasetRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['datasets'];
    const params = z.strictObject({ dataset_id: z.string() });
    const query = z.strictObject(projectQuery);

    app.post(
      '/v1/datasets',
      {
        config: { access: needs('datasets.create') },
        schema: {
          tags,
          querystring: query,
          body: z.strictObject({ name, file_ids: z.array(z.string().min(1)).min(1).max(100), region: z.string().min(1).optional() }),
          response: { 201: datasetObject, ...refusals },
        },
      },
      async (request, reply) => reply.status(201).send(present(await services.datasets.create(principalOf(request), projectOf(request), request.body))),
    );

    app.get(
      '/v1/datasets',
      { config: { access: needs('datasets.list') }, schema: { tags, querystring: listQuery.extend(projectQuery), response: { 200: listOf(datasetObject), ...refusals } } },
      async (request) => presentList(await services.datasets.list(principalOf(request), projectOf(request), request.query), present, (d) => d.id),
    );

    app.get(
      '/v1/datasets/:dataset_id',
      { config: { access: needs('datasets.get') }, schema: { tags, params, querystring: query, response: { 200: datasetObject, ...refusals } } },
      async (request) => present(await services.datasets.get(principalOf(request), projectOf(request), request.params.dataset_id)),
    );

    app.get(
      '/v1/datasets/:dataset_id/rows',
      {
        config: { access: needs('datasets.rows') },
        schema: {
          tags,
          description: "A page of the dataset's rows in order, each the JSON object of one line of its files.",
          params,
          querystring: z.strictObject({ ...projectQuery, offset: z.coerce.number().int().min(0).max(10_000_000).default(0), limit: z.coerce.number().int().min(1).max(100).default(20) }),
          response: { 200: datasetRowList, ...refusals },
        },
      },
      async (request): Promise<DatasetRows> => {
        const { offset, limit } = request.query;
        const page = await services.datasets.rows(principalOf(request), projectOf(request), request.params.dataset_id, { offset, limit });
        return {
          object: 'list',
          data: page.rows.map((row) => ({ object: 'dataset.row', index: row.index, file_id: row.file_id, line: row.line, data: row.data })),
          has_more: page.hasMore,
          total: page.dataset.rows,
        };
      },
    );

    app.delete(
      '/v1/datasets/:dataset_id',
      {
        config: { access: needs('datasets.delete') },
        schema: { tags, params, querystring: query, response: { 200: deletionOf('dataset'), ...refusals } },
      },
      async (request) => {
        await services.datasets.delete(principalOf(request), projectOf(request), request.params.dataset_id);
        return presentDeleted(request.params.dataset_id, 'dataset');
      },
    );
  };
}
