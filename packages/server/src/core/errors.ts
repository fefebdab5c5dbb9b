/**
 * Domain errors carry a stable code; http/errors.ts is the one place that maps codes to HTTP/GraphQL.
 * Permanent problems must never become 5xx: the SDK retries 5xx for minutes (protocol §1.4).
 */
export const ErrorCodes = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  ENTITY_NOT_FOUND: 'ENTITY_NOT_FOUND',
  PROJECT_NOT_FOUND: 'PROJECT_NOT_FOUND',
  RUN_NOT_FOUND: 'RUN_NOT_FOUND',
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  INVALID_INPUT: 'INVALID_INPUT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  CONFLICT: 'CONFLICT',
  RUN_DELETED: 'RUN_DELETED',
  /** A registry's protected alias (staging, production, …) changed by someone who is not a registry admin. */
  PROTECTED_ALIAS: 'PROTECTED_ALIAS',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidInput = (message: string) => new DomainError(ErrorCodes.INVALID_INPUT, message);
export const notFound = (code: ErrorCode, message: string) => new DomainError(code, message);
