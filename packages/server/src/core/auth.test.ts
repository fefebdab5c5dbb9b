import { describe, expect, it } from 'vitest';
import { apiKeyFromAuthorization, generateApiKey, hashApiKey } from './auth.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('apiKeyFromAuthorization', () => {
  it('reads the key from Basic api:KEY, as the SDK sends it', () => {
    expect(apiKeyFromAuthorization(basic('api:local-abc'))).toBe('local-abc');
  });

  it('keeps colons that are part of the key', () => {
    expect(apiKeyFromAuthorization(basic('api:a:b'))).toBe('a:b');
  });

  it('accepts any user name and a case-insensitive scheme', () => {
    expect(apiKeyFromAuthorization(`basic ${Buffer.from('someone:k1').toString('base64')}`)).toBe('k1');
  });

  it('reads Bearer tokens', () => {
    expect(apiKeyFromAuthorization('Bearer local-xyz')).toBe('local-xyz');
    expect(apiKeyFromAuthorization('bearer local-xyz')).toBe('local-xyz');
  });

  it.each([
    ['missing header', undefined],
    ['empty header', ''],
    ['scheme only', 'Basic'],
    ['unknown scheme', 'Digest abc'],
    ['no colon', basic('apionly')],
    ['empty key', basic('api:')],
  ])('returns null for %s', (_label, header) => {
    expect(apiKeyFromAuthorization(header)).toBeNull();
  });
});

describe('generateApiKey', () => {
  it('makes local-<40 hex>, which the SDK accepts', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^local-[0-9a-f]{40}$/);
    // The SDK splits on the first '-' and wants at least 40 [\w-] characters after it.
    expect(key.split('-', 2)[1]!.length).toBeGreaterThanOrEqual(40);
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
  });
});

describe('hashApiKey', () => {
  it('is a stable sha256 hex digest that differs per key', () => {
    expect(hashApiKey('k')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey('k')).toBe(hashApiKey('k'));
    expect(hashApiKey('k')).not.toBe(hashApiKey('k2'));
  });
});
