import { describe, expect, it } from 'vitest';
import { UrlSigner } from './url-signer.js';

const T0 = Date.UTC(2025, 0, 1);

function signerAt(clock: { now: number }, secret = 'secret-1', ttl = 60) {
  return new UrlSigner(secret, ttl, () => clock.now);
}

describe('UrlSigner', () => {
  it('grants the signed method on the signed key', () => {
    const clock = { now: T0 };
    const s = signerAt(clock);
    const token = s.sign('PUT', 'runs/1/files/model.pt');
    expect(s.verify(token, 'PUT')).toEqual({ method: 'PUT', key: 'runs/1/files/model.pt', exp: T0 / 1000 + 60 });
  });

  it('refuses the other method', () => {
    const s = signerAt({ now: T0 });
    expect(s.verify(s.sign('GET', 'k'), 'PUT')).toBeNull();
    expect(s.verify(s.sign('PUT', 'k'), 'GET')).toBeNull();
  });

  it('expires after the TTL, and honours a per-token TTL', () => {
    const clock = { now: T0 };
    const s = signerAt(clock);
    const token = s.sign('GET', 'k');
    const short = s.sign('GET', 'k', 5);
    clock.now = T0 + 60_000;
    expect(s.verify(token, 'GET')).not.toBeNull();
    expect(s.verify(short, 'GET')).toBeNull();
    clock.now = T0 + 61_000;
    expect(s.verify(token, 'GET')).toBeNull();
  });

  it('refuses tokens signed with another secret', () => {
    const clock = { now: T0 };
    expect(signerAt(clock, 'other').verify(signerAt(clock).sign('GET', 'k'), 'GET')).toBeNull();
  });

  it('refuses a payload changed after signing (another key, a later expiry)', () => {
    const s = signerAt({ now: T0 });
    const [, mac] = s.sign('GET', 'runs/1/a').split('.');
    const forged = Buffer.from(JSON.stringify({ m: 'GET', k: 'runs/2/secret', e: T0 / 1000 + 1e9 })).toString('base64url');
    expect(s.verify(`${forged}.${mac}`, 'GET')).toBeNull();
  });

  it.each(['', '.', 'abc', 'abc.', '.abc', 'a.b.c', 'not base64!.x'])('refuses malformed token %j', (token) => {
    expect(signerAt({ now: T0 }).verify(token, 'GET')).toBeNull();
  });

  it('refuses a correctly signed payload that is not a grant', () => {
    // Forge with the real secret to reach the payload checks past the MAC.
    const s = signerAt({ now: T0 });
    const mac = (p: string) => (s as unknown as { mac(p: string): string }).mac(p);
    for (const body of ['not json', JSON.stringify({ m: 'GET', k: 5, e: T0 }), JSON.stringify({ m: 'GET', k: 'k' })]) {
      const payload = Buffer.from(body).toString('base64url');
      expect(s.verify(`${payload}.${mac(payload)}`, 'GET')).toBeNull();
    }
  });
});
