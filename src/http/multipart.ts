import type { FastifyRequest } from 'fastify';
import { InvalidRequestError, ServiceError } from '../services/errors.ts';

/** A `multipart/form-data` Content-Type with its boundary parameter (RFC 2046: 1 to 70 characters). */
const MULTIPART_WITH_BOUNDARY = /^multipart\/form-data\s*;(?:.*;)?\s*boundary\s*=\s*(?:"[^"]{1,70}"|[^\s;"]{1,70})/i;

/** Before the parser starts: without its boundary a form cannot be read (the parser would throw a 500). */
export function assertMultipartForm(request: FastifyRequest): void {
  if (!request.isMultipart()) throw new InvalidRequestError('Send the file as multipart/form-data.', 'file');
  if (!MULTIPART_WITH_BOUNDARY.test(request.headers['content-type'] ?? '')) {
    throw new InvalidRequestError('The Content-Type multipart/form-data needs its boundary parameter.', 'file', 'invalid_multipart');
  }
}

/**
 * The parser's own failures are the form's fault, not the server's: a form that ends before its closing
 * boundary inside a part (busboy: "Part terminated early ...", or the part's stream closed under its
 * reader), or a malformed part header. Answers the refusal to give instead, or the error as it was.
 */
export function formErrorOf(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof ServiceError) return error;
  const malformed =
    (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    /terminated early|unexpected end of multipart|malformed part header|multipart: /i.test(error.message);
  return malformed ? new InvalidRequestError('The multipart form is malformed or ends before its closing boundary.', 'file', 'invalid_multipart') : error;
}
