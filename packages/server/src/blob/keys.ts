import path from 'node:path';
import { DomainError, ErrorCodes } from '../core/errors.js';

/**
 * The one rule for blob keys, shared by every adapter: a relative POSIX path that stays inside the store,
 * returned in its normal form ("a/b/../c" is "a/c"). `.tmp` is the fs adapter's scratch space, refused
 * everywhere so a key means the same on every backend.
 */
export function normalBlobKey(key: string): string {
  const normal = path.posix.normalize(key);
  if (key === '' || normal.startsWith('..') || path.posix.isAbsolute(normal) || key.includes('\0') || normal.startsWith('.tmp')) {
    throw new DomainError(ErrorCodes.INVALID_INPUT, `invalid blob key: ${JSON.stringify(key)}`);
  }
  return normal;
}
