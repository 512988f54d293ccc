import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidRequestError, NotFoundError } from '../services/errors.ts';
import { principalOf } from './route-access.ts';

/** Query parameter every OpenAI-compatible project path accepts besides its own. */
export const projectQuery = { project_id: z.string().min(1).optional() };

/**
 * The project an OpenAI-compatible request acts in: a project key's own project, or the one named
 * by the `OpenAI-Project` header (or `?project_id=`) for sessions and organization keys. A project key
 * naming another project is answered as if that project did not exist.
 */
export function projectOf(request: FastifyRequest): string {
  const credential = principalOf(request).credential;
  const header = request.headers['openai-project'];
  const fromQuery = (request.query as { project_id?: unknown } | undefined)?.project_id;
  const named = typeof header === 'string' && header !== '' ? header : typeof fromQuery === 'string' ? fromQuery : undefined;
  if (credential.kind === 'api_key' && credential.scope.type === 'project') {
    if (named !== undefined && named !== credential.scope.id) throw new NotFoundError('project');
    return credential.scope.id;
  }
  if (named === undefined) {
    throw new InvalidRequestError('Name the project with the OpenAI-Project header (or ?project_id=).', 'project_id', 'project_required');
  }
  return named;
}
