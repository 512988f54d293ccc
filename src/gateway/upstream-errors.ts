import { ServiceError } from '../services/errors.ts';

/**
 * Every way the inference path fails past admission, in the API's error shape: 502 `upstream_error`
 * (unreachable, failed, broke off, not JSON), 504 `upstream_timeout`, 503 `endpoint_not_ready`.
 */
export class UpstreamError extends ServiceError {
  constructor(readonly status: 502 | 504, message: string) {
    super('api_error', message, null, status === 504 ? 'upstream_timeout' : 'upstream_error');
  }
}

export class EndpointNotReadyError extends ServiceError {
  constructor(endpointId: string) {
    super('api_error', `The endpoint ${endpointId} has no replica ready yet; try again shortly.`, null, 'endpoint_not_ready');
  }
}

/** fail_closed while Redis is unreachable: refuse rather than admit without the shared limit. */
export class LimiterUnavailableError extends ServiceError {
  constructor() {
    super('api_error', 'Rate limits cannot be checked right now; try again shortly.', null, 'rate_limiter_unavailable');
  }
}
