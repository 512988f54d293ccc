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
    code = 'rate_limited',
  ) {
    super('rate_limit_error', message, null, code);
  }
}

/** The budget a refusal names: which one, at which level, its limit and its period. */
export interface BudgetNamed {
  id: string;
  level: 'organization' | 'project' | 'api_key';
  /** USD per period. */
  amount: number;
  tokens: number | null;
  period: 'day' | 'month';
}

/** A hard budget is spent: 429 `budget_exceeded` until its period ends (Retry-After says when). */
export class BudgetExceededError extends RateLimitedError {
  constructor(
    readonly budget: BudgetNamed,
    retryAfterSeconds: number,
  ) {
    const limit = budget.tokens === null ? `USD ${budget.amount}` : `USD ${budget.amount} or ${budget.tokens} tokens`;
    super(`The ${budget.level} budget ${budget.id} (${limit} per ${budget.period}) is spent; it renews in ${retryAfterSeconds}s.`, retryAfterSeconds, 'budget_exceeded');
  }
}
