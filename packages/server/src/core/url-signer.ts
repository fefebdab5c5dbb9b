import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignedMethod = 'GET' | 'PUT';
export interface SignedGrant { method: SignedMethod; key: string; exp: number }

/**
 * Self-authorising URLs for uploads and downloads (wandb-core sends no credentials there, protocol §1.2).
 * A token grants one method on one blob key until `exp` (epoch seconds).
 */
export class UrlSigner {
  constructor(private readonly secret: string, private readonly ttlSeconds: number, private readonly now = () => Date.now()) {}

  /** How long the URLs it signs live (seconds); object-store presigned URLs get the same. */
  get ttl(): number {
    return this.ttlSeconds;
  }

  sign(method: SignedMethod, key: string, ttlSeconds = this.ttlSeconds): string {
    const payload = Buffer.from(JSON.stringify({ m: method, k: key, e: Math.floor(this.now() / 1000) + ttlSeconds }))
      .toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The grant a token carries, or null when forged, expired, or for another method. */
  verify(token: string, method: SignedMethod): SignedGrant | null {
    // Exactly payload.mac: a token with anything appended is not the one that was signed.
    const [payload, mac, ...rest] = token.split('.');
    if (!payload || !mac || rest.length > 0) return null;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let grant: { m?: unknown; k?: unknown; e?: unknown };
    try {
      grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof grant;
    } catch {
      return null;
    }
    if (grant.m !== method || typeof grant.k !== 'string' || typeof grant.e !== 'number') return null;
    if (grant.e * 1000 < this.now()) return null;
    return { method, key: grant.k, exp: grant.e };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
