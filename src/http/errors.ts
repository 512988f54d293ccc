import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ResponseMismatchError } from './response-check.ts';
import { BudgetExceededError, RateLimitedError, ServiceError, type ErrorType } from '../services/errors.ts';

/** API.md's one error shape, for every 4xx and 5xx. */
export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null; budget?: unknown };
}

const STATUS_OF: Record<ErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  rate_limit_error: 429,
  api_error: 500,
};

export function errorBody(type: ErrorType, message: string, param: string | null = null, code: string | null = null): ErrorBody {
  return { error: { message, type, param, code } };
}

type ValidationIssue = { instancePath: string; keyword?: string; message?: string; params?: Record<string, unknown> };

/**
 * The issue to report: a field the route does not take (a typo, or a field that cannot change) comes
 * before anything else, so that the client learns about it first.
 */
function primaryIssue(validation: ValidationIssue[]): ValidationIssue | undefined {
  return validation.find((issue) => issue.keyword === 'unrecognized_keys') ?? validation[0];
}

/** Refusals whose status API.md sets apart from their type's. */
const STATUS_BY_CODE: Record<string, number> = {
  payload_too_large: 413,
  upstream_error: 502,
  upstream_timeout: 504,
  endpoint_not_ready: 503,
  rate_limiter_unavailable: 503,
};

/** The field a validation failure names, as a dotted path (`regions.1`), or null for the whole body. */
function failingParam(error: { validation: ValidationIssue[] }): string | null {
  const first = primaryIssue(error.validation);
  if (!first) return null;
  const path = first.instancePath.replace(/^\//, '').split('/').filter(Boolean);
  const keys = first.params?.keys;
  if (Array.isArray(keys) && typeof keys[0] === 'string') path.push(keys[0]);
  return path.length > 0 ? path.join('.') : null;
}

function validationMessage(error: { validation: ValidationIssue[] }, param: string | null): string {
  const first = primaryIssue(error.validation);
  const keys = first?.params?.keys;
  if (Array.isArray(keys) && keys.length > 0) return `Unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}.`;
  return param ? `${param}: ${first?.message ?? 'invalid value'}` : (first?.message ?? 'Invalid request.');
}

const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is empty; send a JSON object.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send the body as application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length' },
  // @fastify/multipart's limits on the parts of a form.
  FST_PARTS_LIMIT: { status: 413, code: 'payload_too_large', message: 'The form has too many parts.' },
  FST_FILES_LIMIT: { status: 413, code: 'payload_too_large', message: 'The form has too many files.' },
  FST_FIELDS_LIMIT: { status: 413, code: 'payload_too_large', message: 'The form has too many fields.' },
  FST_PROTO_VIOLATION: { status: 400, code: 'invalid_value', message: 'A form field has a reserved name.' },
};

/**
 * What an error answers: its status and API.md's body, or undefined for an error nobody expected (a
 * bug: answered 500 and logged). Shared with the /scim routes, which answer the same refusals in
 * RFC 7644's shape.
 */
export function classifyError(error: FastifyError, request: FastifyRequest): { status: number; body: ErrorBody } | undefined {
  if (error instanceof ServiceError) {
    const status = STATUS_BY_CODE[error.code ?? ''] ?? STATUS_OF[error.type];
    // The server's side failed (a model server, the database, Redis): the operator wants to know.
    if (status >= 500) request.log.warn({ reqId: request.id, method: request.method, route: request.routeOptions.url, code: error.code }, error.message);
    const body = errorBody(error.type, error.message, error.param, error.code);
    // A budget refusal names the budget, so a caller (or its admin) knows which limit to raise.
    if (error instanceof BudgetExceededError) {
      const { id, level, amount, tokens, period } = error.budget;
      return { status, body: { error: { ...body.error, budget: { id, level, amount, tokens, period } } } };
    }
    return { status, body };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const param = failingParam(error);
    return { status: 400, body: errorBody('invalid_request_error', validationMessage(error, param), param, 'invalid_value') };
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return { status: known.status, body: errorBody('invalid_request_error', known.message ?? error.message, null, known.code) };
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, body: errorBody('invalid_request_error', error.message, null, 'invalid_request') };
  }
  return undefined;
}

export function logUnhandled(error: FastifyError, request: FastifyRequest): void {
  if (error instanceof ResponseMismatchError) {
    // A presenter and its schema disagree: a bug of ours, named so that the failing test says where.
    request.log.error({ reqId: request.id, route: error.route, field: error.field }, error.message);
    return;
  }
  request.log.error({ err: error, reqId: request.id, method: request.method, url: request.url.split('?')[0] }, 'unhandled error');
}

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
  const classified = classifyError(error, request);
  if (classified) return reply.status(classified.status).send(classified.body);
  logUnhandled(error, request);
  return reply.status(500).send(errorBody('api_error', 'The server failed to handle this request.', null, 'internal_error'));
}

/**
 * What Fastify's router answers by itself, before any hook runs: a path whose percent-encoding does not
 * decode, or a path parameter over `maxParamLength`. In the one error shape like every other answer.
 */
export function handleFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // No route, so none of the app's onSend hooks: the header they would add is set here.
  reply.header('x-content-type-options', 'nosniff');
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return reply.status(414).send(errorBody('invalid_request_error', 'A path parameter is too long.', null, 'uri_too_long'));
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return reply.status(400).send(errorBody('invalid_request_error', 'The path is not valid percent-encoded UTF-8.', null, 'invalid_url'));
  }
  return reply.status(400).send(errorBody('invalid_request_error', 'The request could not be routed.', null, 'invalid_request'));
}

const CLIENT_ERRORS: Record<string, { status: number; reason: string; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', code: 'request_timeout', message: 'The request did not arrive in time.' },
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', code: 'headers_too_large', message: 'The request headers are too large.' },
};

/**
 * What Node's HTTP parser refuses before Fastify sees a request (a malformed request line or header,
 * headers too large, a request too slow): answered on the socket, in the one error shape, then closed.
 */
export function handleClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, reason: 'Bad Request', code: 'malformed_request', message: 'The request is not valid HTTP/1.1.' };
  const body = JSON.stringify(errorBody('invalid_request_error', known.message, null, known.code));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${known.status} ${known.reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * 404 for a path no route has; 405 with `Allow` for a path that exists under other methods.
 * `allowedMethods` is asked only here, off the hot path.
 */
export function notFoundHandler(allowedMethods: (path: string) => string[]) {
  return function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const path = request.url.split('?')[0]!;
    const allowed = allowedMethods(path);
    if (allowed.length > 0) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send(errorBody('invalid_request_error', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`, null, 'method_not_allowed'));
    }
    return reply.status(404).send(errorBody('not_found_error', `Unknown path: ${request.method} ${path}`, null, 'unknown_path'));
  };
}
