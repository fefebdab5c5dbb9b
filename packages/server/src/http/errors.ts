import { DomainError, ErrorCodes, type ErrorCode } from '../core/errors.js';

/**
 * The one map from domain error codes to HTTP statuses. Permanent problems are 4xx that the SDK does not
 * retry (400/401/403/404/409/413/422); only real server faults are 5xx (protocol §1.4).
 */
const STATUS: Record<ErrorCode, number> = {
  [ErrorCodes.UNAUTHENTICATED]: 401,
  [ErrorCodes.FORBIDDEN]: 403,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.ENTITY_NOT_FOUND]: 404,
  [ErrorCodes.PROJECT_NOT_FOUND]: 404,
  [ErrorCodes.RUN_NOT_FOUND]: 404,
  [ErrorCodes.USER_NOT_FOUND]: 404,
  [ErrorCodes.ALREADY_EXISTS]: 409,
  [ErrorCodes.CONFLICT]: 409,
  [ErrorCodes.INVALID_INPUT]: 400,
  [ErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCodes.RUN_DELETED]: 410,
  [ErrorCodes.PROTECTED_ALIAS]: 403,
};

export function httpStatusOf(error: unknown): number {
  return error instanceof DomainError ? STATUS[error.code] : 500;
}

/** The JSON body of an error answer: `{"error": msg}` plus the GraphQL-style list the SDK also reads. */
export function errorBody(error: unknown): { error: string; code: string; errors: { message: string }[] } {
  const message = error instanceof DomainError ? error.message : 'internal server error';
  const code = error instanceof DomainError ? error.code : 'INTERNAL';
  return { error: message, code, errors: [{ message }] };
}

/**
 * Puts the error's message in the HTTP reason phrase too. Older SDKs (Python `requests` in the public API
 * before 0.27) show only "400 Client Error: <reason> for url", so this is how their users see why.
 * Reason phrases are one line of printable ASCII.
 */
export function withReason<R extends { raw: { statusMessage: string } }>(reply: R, message: string | undefined): R {
  if (message) {
    const phrase = message.replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 200);
    if (phrase) reply.raw.statusMessage = phrase;
  }
  return reply;
}
