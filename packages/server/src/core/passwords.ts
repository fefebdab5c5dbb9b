import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { invalidInput } from './errors.js';

/**
 * Password hashing with scrypt (memory-hard, in Node's crypto: no native add-on). Stored as
 * `scrypt$N$r$p$salt$hash` (base64), so the parameters can be raised later and old hashes still verify.
 */
export interface ScryptParams { N: number; r: number; p: number }

/** 2^15 × 8 × 128 B = 32 MiB per hash and ~50-100 ms: OWASP's scrypt recommendation. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD) throw invalidInput(`a password needs at least ${MIN_PASSWORD} characters`);
  if (password.length > MAX_PASSWORD) throw invalidInput(`a password may have at most ${MAX_PASSWORD} characters`);
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  checkPasswordPolicy(password);
  const salt = randomBytes(16);
  const hash = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `password` matches `stored`; false for a wrong password or a malformed/unknown stored value. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Bounds keep a corrupted row from asking for gigabytes.
  if (![N, r, p].every(Number.isInteger) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) {
    return false;
  }
  if (password.length > MAX_PASSWORD) return false;
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, Buffer.from(parts[4]!, 'base64'), { N, r, p });
  return timingSafeEqual(actual, expected);
}
