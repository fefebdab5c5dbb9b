import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('scrypt passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery', FAST);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('stores parameters, salt and hash, never the password; equal passwords hash differently', async () => {
    const a = await hashPassword('same password', FAST);
    const b = await hashPassword('same password', FAST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toContain('same password');
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', b)).toBe(true);
  });

  it('uses the memory-hard default of 2^15 when no parameters are given', async () => {
    const stored = await hashPassword('default params here');
    expect(stored.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('default params here', stored)).toBe(true);
  });

  it('treats equivalent Unicode spellings as the same password', async () => {
    const stored = await hashPassword('caf\u00e9-password', FAST);
    expect(await verifyPassword('cafe\u0301-password', stored)).toBe(true);
  });

  it('refuses malformed or tampered stored values instead of throwing', async () => {
    const stored = await hashPassword('a good password', FAST);
    const parts = stored.split('$');
    for (const bad of [
      '', 'plain', 'bcrypt$x', parts.slice(0, 5).join('$'),
      ['scrypt', '1000', ...parts.slice(2)].join('$'), // N not a power of two
      ['scrypt', String(2 ** 30), ...parts.slice(2)].join('$'), // absurd memory
      [...parts.slice(0, 5), 'AAAA'].join('$'), // wrong hash length
    ]) {
      expect(await verifyPassword('a good password', bad)).toBe(false);
    }
  });

  it('enforces a minimum and maximum length', async () => {
    await expect(hashPassword('short', FAST)).rejects.toThrow(/at least 8/);
    await expect(hashPassword('x'.repeat(1025), FAST)).rejects.toThrow(/at most 1024/);
  });
});
