import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { classifyError, logUnhandled } from './errors.ts';
import { SCIM_SCHEMAS } from './schemas/scim.ts';

/**
 * /scim routes answer refusals in RFC 7644's error shape (section 3.12), which identity providers
 * read, rather than API.md's: `{schemas, status, scimType, detail}`. The refusals themselves are the
 * same ones as everywhere (classifyError); services name a SCIM `scimType` as the error's code.
 */
const SCIM_TYPES = new Set(['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive']);

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export interface ScimErrorBody {
  schemas: [typeof SCIM_SCHEMAS.error];
  status: string;
  scimType?: string;
  detail: string;
}

export function scimErrorBody(status: number, detail: string, scimType?: string): ScimErrorBody {
  return { schemas: [SCIM_SCHEMAS.error], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

function scimTypeOf(status: number, code: string | null): string | undefined {
  if (code && SCIM_TYPES.has(code)) return code;
  if (status !== 400) return undefined;
  return code === 'invalid_json' ? 'invalidSyntax' : 'invalidValue';
}

export function handleScimError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.type(SCIM_CONTENT_TYPE);
  const classified = classifyError(error, request);
  if (!classified) {
    logUnhandled(error, request);
    return reply.status(500).send(scimErrorBody(500, 'The server failed to handle this request.'));
  }
  const { message, param, code } = classified.body.error;
  // The field at fault leads the detail, where API.md's shape would name it in `param`.
  const detail = param && !message.startsWith(param) ? `${param}: ${message}` : message;
  if (classified.status === 401) reply.header('www-authenticate', 'Bearer realm="scim"');
  return reply.status(classified.status).send(scimErrorBody(classified.status, detail, scimTypeOf(classified.status, code)));
}

/** 404 and 405 under /scim, in SCIM's shape; `fallback` answers every other path. */
export function scimAwareNotFound(fallback: (request: FastifyRequest, reply: FastifyReply) => FastifyReply, allowedMethods: (path: string) => string[]) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0]!;
    if (!path.startsWith('/scim/')) return fallback(request, reply);
    reply.type(SCIM_CONTENT_TYPE);
    const allowed = allowedMethods(path);
    if (allowed.length > 0) return reply.status(405).header('allow', allowed.join(', ')).send(scimErrorBody(405, `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`));
    return reply.status(404).send(scimErrorBody(404, `Unknown path: ${request.method} ${path}`));
  };
}

/** What the router refuses before any route runs (a path parameter too long, a path that does not decode), under /scim in SCIM's shape. */
export function scimAwareFrameworkErrors(fallback: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (!request.url.startsWith('/scim/')) return fallback(error, request, reply);
    reply.header('x-content-type-options', 'nosniff').type(SCIM_CONTENT_TYPE);
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return reply.status(414).send(scimErrorBody(414, 'A path parameter is too long.'));
    const detail = error.code === 'FST_ERR_BAD_URL' ? 'The path is not valid percent-encoded UTF-8.' : 'The request could not be routed.';
    return reply.status(400).send(scimErrorBody(400, detail, 'invalidSyntax'));
  };
}

/**
 * The root error handler: under /scim in SCIM's shape too, for what fails before a SCIM route is
 * chosen (a request no route matches still runs the root's hooks, the text checks among them).
 */
export function scimAwareErrors(fallback: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    request.url.startsWith('/scim/') ? handleScimError(error, request, reply) : fallback(error, request, reply);
}
