/**
 * The refusals a service can give. The HTTP layer turns each into API.md's error shape; services never
 * pick status codes themselves, they say what went wrong.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'api_error';

export class ServiceError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export class InvalidRequestError extends ServiceError {
  constructor(message: string, param: string | null, code: string | null = 'invalid_value') {
    super('invalid_request_error', message, param, code);
  }
}

/**
 * An upload's content stopped before its end: the form was cut short (the multipart parser destroys
 * the part) or the client went away.
 */
export class IncompleteUploadError extends InvalidRequestError {
  constructor() {
    super('The upload ended before the file did.', 'file', 'invalid_multipart');
  }
}

export class AuthenticationError extends ServiceError {
  constructor(message = 'Missing or invalid credentials.', code = 'invalid_credentials') {
    super('authentication_error', message, null, code);
  }
}

export class PermissionDeniedError extends ServiceError {
  constructor(message: string, code = 'permission_denied') {
    super('permission_error', message, null, code);
  }
}

export class NotFoundError extends ServiceError {
  constructor(what: string, param: string | null = null) {
    super('not_found_error', `No such ${what}.`, param, 'not_found');
  }
}

export class ConflictError extends ServiceError {
  constructor(message: string, code: string, param: string | null = null) {
    super('conflict_error', message, param, code);
  }
}

export class RateLimitedError extends ServiceError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limit_error', message, null, 'rate_limited');
  }
}
