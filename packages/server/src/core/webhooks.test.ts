import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import type { Logger } from './logger.js';
import type { NewWebhookDelivery, Webhook, WebhookDelivery, WebhookScope, WebhookStore } from './promotion-ports.js';
import { parseInstant } from './promotions.js';
import {
  parseCidrList, signWebhookBody, vetWebhookUrl, WebhookAddressPolicy, WebhookService, type WebhookRequest,
} from './webhooks.js';

describe('webhook signatures', () => {
  it('is HMAC-SHA256 of the exact body, hex, prefixed sha256= (RFC 4231 test case 2)', () => {
    expect(signWebhookBody('Jefe', 'what do ya want for nothing?'))
      .toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const body = JSON.stringify({ type: 'promotion', event: { alias: 'production' } });
    expect(signWebhookBody('s3cret-s3cret-s3cret', body)).toBe(`sha256=${createHmac('sha256', 's3cret-s3cret-s3cret').update(body).digest('hex')}`);
    // Any change to the body or the secret changes the signature.
    expect(signWebhookBody('s3cret-s3cret-s3cret', `${body} `)).not.toBe(signWebhookBody('s3cret-s3cret-s3cret', body));
    expect(signWebhookBody('s3cret-s3cret-s3creT', body)).not.toBe(signWebhookBody('s3cret-s3cret-s3cret', body));
  });
});

describe('webhook address policy', () => {
  it('refuses loopback, private, link-local and reserved addresses by default, in both families', () => {
    const p = new WebhookAddressPolicy();
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1', 'not-an-ip']) {
      expect(p.allows(a), a).toBe(false);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(p.allows(a), a).toBe(true);
  });

  it('allows exactly the ranges an administrator lists', () => {
    const p = new WebhookAddressPolicy('127.0.0.0/8, ::1/128');
    expect(p.allows('127.0.0.1')).toBe(true);
    expect(p.allows('::ffff:127.0.0.5')).toBe(true);
    expect(p.allows('::1')).toBe(true);
    expect(p.allows('10.0.0.1')).toBe(false);
    expect(p.allows('169.254.169.254')).toBe(false);
    expect(() => parseCidrList('127.0.0.0/33')).toThrow(/prefix/);
    expect(() => parseCidrList('localhost/8')).toThrow(/not an address range/);
    expect(parseCidrList('10.0.0.1').cidrs).toEqual(['10.0.0.1/32']);
  });

  it('checks URLs without sending: scheme, credentials, and every address the name resolves to', async () => {
    const policy = new WebhookAddressPolicy();
    const resolver = async (host: string) => ({ 'hooks.example.com': ['93.184.216.34'], 'sneaky.example.com': ['93.184.216.34', '10.0.0.7'] }[host] ?? []);
    await expect(vetWebhookUrl('https://hooks.example.com/x', policy, resolver)).resolves.toMatchObject({ address: '93.184.216.34' });
    await expect(vetWebhookUrl('https://sneaky.example.com/x', policy, resolver)).rejects.toThrow(/10\.0\.0\.7.*CAIRN_WEBHOOK_ALLOW_CIDRS/);
    await expect(vetWebhookUrl('http://127.0.0.1:9/x', policy, resolver)).rejects.toThrow(/loopback/);
    await expect(vetWebhookUrl('http://[::1]:9/x', policy, resolver)).rejects.toThrow(DomainError);
    await expect(vetWebhookUrl('ftp://hooks.example.com/x', policy, resolver)).rejects.toThrow(/http/);
    await expect(vetWebhookUrl('https://u:p@hooks.example.com/x', policy, resolver)).rejects.toThrow(/credentials/);
    await expect(vetWebhookUrl('https://nowhere.example.com/x', policy, resolver)).rejects.toThrow(/does not resolve/);
    await expect(vetWebhookUrl('not a url', policy, resolver)).rejects.toThrow(/not a URL/);
  });
});

describe('parseInstant', () => {
  it('takes ISO-8601 with a zone, a bare date, or epoch ms; refuses zoneless times and junk', () => {
    expect(parseInstant('2024-05-01T12:00:00.123Z').getTime()).toBe(Date.UTC(2024, 4, 1, 12, 0, 0, 123));
    expect(parseInstant('2024-05-01T14:00:00+02:00').getTime()).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseInstant('2024-05-01').getTime()).toBe(Date.UTC(2024, 4, 1));
    expect(parseInstant('1714564800000').getTime()).toBe(1714564800000);
    expect(() => parseInstant('2024-05-01T12:00:00')).toThrow(/time zone/);
    expect(() => parseInstant('yesterday')).toThrow(/ISO-8601/);
    expect(() => parseInstant('2024-13-45T00:00:00Z')).toThrow(/ISO-8601/);
  });
});

/** Just enough of a WebhookStore to watch the dispatcher: deliveries with their attempt log, in memory. */
class MemoryWebhookStore implements WebhookStore {
  hooks: Webhook[] = [];
  deliveries: WebhookDelivery[] = [];
  async createWebhook(i: { scope: WebhookScope; url: string; secret: string; description: string | null; createdBy: string }) {
    const w: Webhook = { id: this.hooks.length + 1, ...i, createdAt: new Date(), disabledAt: null };
    this.hooks.push(w);
    return w;
  }
  async findWebhook(id: number) { return this.hooks.find((h) => h.id === id) ?? null; }
  async listWebhooks(scopes: WebhookScope[]) { return this.hooks.filter((h) => !h.disabledAt && scopes.some((s) => s.kind === h.scope.kind && s.id === h.scope.id)); }
  async disableWebhook() { return false; }
  async enqueueDeliveries(ds: NewWebhookDelivery[], now: Date) {
    for (const d of ds) {
      this.deliveries.push({ id: this.deliveries.length + 1, ...d, status: 'pending', attempts: 0, nextAttemptAt: now, lastStatusCode: null, lastError: null, createdAt: now, deliveredAt: null });
    }
  }
  async claimDue(now: Date) {
    return this.deliveries.filter((d) => d.status === 'pending' && d.nextAttemptAt <= now)
      .map((d) => ({ delivery: { ...d }, webhook: this.hooks.find((h) => h.id === d.webhookId)! }));
  }
  async recordAttempt(id: number, o: { delivered: boolean; statusCode: number | null; error: string | null; retryAt: Date | null; at: Date }) {
    const d = this.deliveries.find((x) => x.id === id)!;
    Object.assign(d, {
      attempts: d.attempts + 1, status: o.delivered ? 'delivered' : o.retryAt ? 'pending' : 'failed', lastStatusCode: o.statusCode,
      lastError: o.error, nextAttemptAt: o.retryAt ?? o.at, deliveredAt: o.delivered ? o.at : null,
    });
  }
  async listDeliveries(id: number) { return this.deliveries.filter((d) => d.webhookId === id); }
}

const silent: Logger = { info() {}, warn() {}, error() {} };

describe('webhook dispatcher', () => {
  function setup(statuses: (number | Error)[], opts: { allow?: string; resolve?: Record<string, string[]> } = {}) {
    const store = new MemoryWebhookStore();
    let clock = 1_000_000;
    const sent: WebhookRequest[] = [];
    const service = new WebhookService({} as never, {} as never, {} as never, store, {
      policy: new WebhookAddressPolicy(opts.allow ?? ''), retryBaseMs: 1000, maxAttempts: 4, timeoutMs: 500,
      now: () => new Date(clock),
      resolve: async (h) => opts.resolve?.[h] ?? ['93.184.216.34'],
      transport: async (req) => {
        sent.push(req);
        const next = statuses.shift() ?? 200;
        if (next instanceof Error) throw next;
        return next;
      },
    }, silent);
    return { store, service, sent, advance: (ms: number) => { clock += ms; } };
  }

  it('signs each delivery, retries failures with doubling delays, and stops once delivered', async () => {
    const { store, service, sent, advance } = setup([500, new Error('connection refused'), 204]);
    const hook = await store.createWebhook({ scope: { kind: 'registry', id: 1 as never }, url: 'https://hooks.example.com/h', secret: 'x'.repeat(16), description: null, createdBy: 't' });
    await service.enqueue([{ kind: 'registry', id: 1 as never }], 'promotion', { alias: 'production' });
    await service.tick();
    expect(store.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });
    await service.tick(); // not due yet: nothing sent
    expect(sent).toHaveLength(1);
    advance(1000);
    await service.tick();
    expect(store.deliveries[0]).toMatchObject({ status: 'pending', attempts: 2, lastError: 'connection refused' });
    advance(1999);
    await service.tick();
    expect(sent).toHaveLength(2); // the second delay is twice the first
    advance(1);
    await service.tick();
    expect(store.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 204 });
    expect(sent).toHaveLength(3);
    const req = sent[2]!;
    expect(req.address).toBe('93.184.216.34');
    expect(req.headers['x-cairn-signature-256']).toBe(signWebhookBody(hook.secret, req.body));
    expect(req.headers['x-cairn-event']).toBe('promotion');
    expect(JSON.parse(req.body)).toEqual({ alias: 'production' });
    // The same body and delivery id on every attempt: receivers can de-duplicate.
    expect(new Set(sent.map((s) => s.body)).size).toBe(1);
    expect(new Set(sent.map((s) => s.headers['x-cairn-delivery'])).size).toBe(1);
  });

  it('gives up after the last attempt', async () => {
    const { store, service, advance } = setup([503, 503, 503, 503, 503]);
    await store.createWebhook({ scope: { kind: 'registry', id: 1 as never }, url: 'https://hooks.example.com/h', secret: 'x'.repeat(16), description: null, createdBy: 't' });
    await service.enqueue([{ kind: 'registry', id: 1 as never }], 'promotion', {});
    for (let i = 0; i < 6; i++) {
      await service.tick();
      advance(3_600_000);
    }
    expect(store.deliveries[0]).toMatchObject({ status: 'failed', attempts: 4 });
  });

  it('refuses, without sending, a URL whose name now resolves to a private address', async () => {
    const { store, service, sent } = setup([200], { resolve: { 'hooks.example.com': ['10.0.0.9'] } });
    await store.createWebhook({ scope: { kind: 'registry', id: 1 as never }, url: 'https://hooks.example.com/h', secret: 'x'.repeat(16), description: null, createdBy: 't' });
    await service.enqueue([{ kind: 'registry', id: 1 as never }], 'promotion', {});
    await service.tick();
    expect(sent).toHaveLength(0);
    expect(store.deliveries[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(store.deliveries[0]!.lastError).toMatch(/10\.0\.0\.9/);
  });
});
