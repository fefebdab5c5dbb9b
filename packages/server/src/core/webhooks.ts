import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { AccessPolicy } from './access.js';
import type { AliasProtection } from './alias-protection.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { Logger } from './logger.js';
import type { Actor } from './orgs.js';
import type { Entity, JobLocks, MetaStore, Organization, Project } from './ports.js';
import type { Webhook, WebhookDelivery, WebhookFormat, WebhookScope, WebhookStore } from './promotion-ports.js';

/**
 * Signed webhooks, generic over what triggers them (registry promotions now; run alerts can enqueue their own
 * deliveries the same way). A delivery is a POST of a JSON body with
 *   X-Cairn-Signature-256: sha256=<hex HMAC-SHA256 of the raw body under the webhook's secret>
 *   X-Cairn-Event: <event type>, X-Cairn-Delivery: <delivery id>
 * sent in the background (never on a request's path), retried with exponential backoff, every attempt logged.
 * Only public addresses are called unless the operator allows ranges (CAIRN_WEBHOOK_ALLOW_CIDRS): a URL that
 * resolves to a private, loopback or link-local address is refused when added, and again at each delivery
 * (the connection goes to the address that was checked, so DNS cannot swap it in between).
 */

export const SIGNATURE_HEADER = 'x-cairn-signature-256';

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes under the webhook's secret. */
export function signWebhookBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

// ---------- address policy ----------

/** Ranges never called unless allowed: loopback, private, link-local, CGNAT, multicast, documentation, reserved. */
const NON_PUBLIC: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['127.0.0.0', 8, 'ipv4'], ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['192.0.2.0', 24, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'], ['203.0.113.0', 24, 'ipv4'], ['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'], ['::1', 128, 'ipv6'], ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'], ['ff00::', 8, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'], ['2001:db8::', 32, 'ipv6'],
];

/** A parsed CAIRN_WEBHOOK_ALLOW_CIDRS: `a.b.c.d/n` or `ipv6/n` items separated by commas (a bare address = /32 or /128). */
export function parseCidrList(text: string): { cidrs: string[]; list: BlockList } {
  const list = new BlockList();
  const cidrs: string[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [addr = '', bits] = item.split('/');
    const family = isIP(addr);
    if (family === 0) throw new Error(`CAIRN_WEBHOOK_ALLOW_CIDRS: ${JSON.stringify(item)} is not an address range`);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`CAIRN_WEBHOOK_ALLOW_CIDRS: bad prefix length in ${JSON.stringify(item)}`);
    list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
    cidrs.push(`${addr}/${prefix}`);
  }
  return { cidrs, list };
}

/** Decides which addresses webhooks may call. */
export class WebhookAddressPolicy {
  private readonly denied = new BlockList();
  private readonly allowed: BlockList;

  constructor(allowCidrs = '') {
    for (const [addr, prefix, type] of NON_PUBLIC) this.denied.addSubnet(addr, prefix, type);
    this.allowed = parseCidrList(allowCidrs).list;
  }

  /** True for a public address, or one in an allowed range. */
  allows(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const ip = mapped ? mapped[1]! : address;
    const type = isIP(ip) === 4 ? 'ipv4' : isIP(ip) === 6 ? 'ipv6' : null;
    if (type === null) return false;
    if (this.allowed.check(ip, type)) return true;
    return !this.denied.check(ip, type);
  }
}

export type Resolver = (hostname: string) => Promise<string[]>;
const dnsResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Checks a webhook URL without sending anything: http(s), no credentials in it, and every address its host
 * resolves to allowed. Returns the URL and the address to connect to.
 */
export async function vetWebhookUrl(raw: string, policy: WebhookAddressPolicy, resolve: Resolver = dnsResolver): Promise<{ url: URL; address: string }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidInput(`not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidInput(`webhook URLs are http:// or https://, not ${url.protocol}`);
  if (url.username || url.password) throw invalidInput('a webhook URL must not hold credentials: the signature authenticates Cairn');
  if (raw.length > 2048) throw invalidInput('webhook URL is longer than 2048 characters');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw invalidInput(`webhook host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw invalidInput(`webhook host ${host} does not resolve`);
  const refused = addresses.filter((a) => !policy.allows(a));
  if (refused.length > 0) {
    throw invalidInput(`webhook URL refused: ${host} resolves to ${refused.join(', ')}, a private, loopback or reserved address ` +
      '(an administrator can allow ranges with CAIRN_WEBHOOK_ALLOW_CIDRS)');
  }
  return { url, address: addresses[0]! };
}

// ---------- transport ----------

export interface WebhookRequest { url: URL; address: string; body: string; headers: Record<string, string>; timeoutMs: number }
/** Sends one POST; resolves with the status code (any), rejects on network errors and timeouts. */
export type WebhookTransport = (req: WebhookRequest) => Promise<number>;

/** node:http(s) POST to the vetted address (Host header and TLS name stay the URL's); redirects are not followed. */
export const nodeWebhookTransport: WebhookTransport = (req) => new Promise((resolve, reject) => {
  const mod = req.url.protocol === 'https:' ? https : http;
  const family = isIP(req.address);
  const r = mod.request(req.url, {
    method: 'POST', headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) }, timeout: req.timeoutMs,
    // Pin the connection to the checked address.
    lookup: (_host, opts, cb) => {
      if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: req.address, family }]);
      else cb(null, req.address, family);
    },
  }, (res) => {
    res.resume(); // drain: the answer's body is not read
    res.on('end', () => resolve(res.statusCode ?? 0));
    res.on('error', reject);
  });
  r.on('timeout', () => r.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
  r.on('error', reject);
  r.end(req.body);
});

// ---------- service and dispatcher ----------

/** A producer that turns its own durable records into webhook deliveries (the promotion outbox). */
export interface WebhookOutboxSource { pumpOutbox(webhooks: WebhookService): Promise<number> }

export interface WebhookOptions {
  policy: WebhookAddressPolicy;
  /** Delay before the first retry; doubles per attempt, capped at one hour. */
  retryBaseMs: number;
  /** Attempts before a delivery is given up as failed. */
  maxAttempts: number;
  timeoutMs: number;
  transport?: WebhookTransport;
  resolve?: Resolver;
  now?: () => Date;
}

/** `<org>` or `<org>/<registry>` as the CLI takes it. */
export interface WebhookTarget { org: Organization; orgEntity: Entity; registry: Project | null }

export class WebhookService {
  private readonly transport: WebhookTransport;
  private readonly resolve: Resolver;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly sources: WebhookOutboxSource[] = [];

  constructor(
    private readonly meta: MetaStore,
    private readonly access: AccessPolicy,
    private readonly protection: AliasProtection,
    private readonly store: WebhookStore,
    private readonly options: WebhookOptions,
    private readonly log: Logger,
  ) {
    this.transport = options.transport ?? nodeWebhookTransport;
    this.resolve = options.resolve ?? dnsResolver;
    this.now = options.now ?? (() => new Date());
  }

  addSource(source: WebhookOutboxSource): void {
    this.sources.push(source);
  }

  /** `<org>` or `<org>/<registry>`; NOT_FOUND when it does not exist or the actor may not see it. */
  async target(actor: Actor, path: string): Promise<WebhookTarget> {
    const [orgName = '', registryName, ...rest] = path.split('/');
    const notFound = () => new DomainError(ErrorCodes.NOT_FOUND, `no organization or registry ${path}`);
    if (orgName === '' || rest.length > 0 || registryName === '') throw invalidInput(`expected <org> or <org>/<registry>, got ${JSON.stringify(path)}`);
    const org = (await this.meta.findOrganizationByName(orgName))
      ?? await (async () => {
        const e = await this.meta.findEntityByName(orgName);
        return e?.type === 'organization' && e.orgId !== null ? this.meta.findOrganizationById(e.orgId) : null;
      })();
    const orgEntity = org ? await this.meta.findEntityById(org.entityId) : null;
    if (!org || !orgEntity) throw notFound();
    if ('user' in actor && !(await this.access.canRead(actor, orgEntity))) throw notFound();
    if (registryName === undefined) return { org, orgEntity, registry: null };
    const registry = await this.protection.findRegistry(org.name, registryName);
    if (!registry) throw notFound();
    return { org, orgEntity, registry: registry.project };
  }

  /** Organization webhooks need the org's admin role; registry webhooks a registry admin. */
  private async requireManage(actor: Actor, t: WebhookTarget) {
    if (!('user' in actor)) return;
    const ok = t.registry
      ? await this.protection.isRegistryAdmin(actor, t.orgEntity, t.registry)
      : actor.user.admin || (await this.access.roleOn(actor, t.orgEntity)) === 'admin';
    if (!ok) throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: managing webhooks of ${t.registry ? 'a registry needs its admin role' : 'an organization needs its admin role'}`);
  }

  private scopeOf(t: WebhookTarget): WebhookScope {
    return t.registry ? { kind: 'registry', id: t.registry.id } : { kind: 'organization', id: t.org.id };
  }

  /** Adds a webhook after checking its URL (nothing is sent). */
  async add(actor: Actor, path: string, input: { url: string; secret: string; description?: string | null }): Promise<Webhook> {
    const t = await this.target(actor, path);
    await this.requireManage(actor, t);
    if (input.secret.length < 16) throw invalidInput('the webhook secret must be at least 16 characters');
    if (input.secret.length > 256) throw invalidInput('the webhook secret must be at most 256 characters');
    const { url } = await vetWebhookUrl(input.url, this.options.policy, this.resolve);
    return this.store.createWebhook({
      scope: this.scopeOf(t), url: url.toString(), secret: input.secret, description: input.description ?? null,
      createdBy: 'user' in actor ? actor.user.username : actor.system,
    });
  }

  async list(actor: Actor, path: string): Promise<Webhook[]> {
    const t = await this.target(actor, path);
    await this.requireManage(actor, t);
    return this.store.listWebhooks([this.scopeOf(t)]);
  }

  /** A webhook the actor may manage, by id (NOT_FOUND otherwise). */
  async get(actor: Actor, id: number): Promise<{ webhook: Webhook; target: WebhookTarget }> {
    const webhook = Number.isSafeInteger(id) ? await this.store.findWebhook(id) : null;
    if (!webhook || webhook.disabledAt !== null) throw new DomainError(ErrorCodes.NOT_FOUND, `webhook ${id} not found`);
    const target = await this.targetOf(webhook);
    if (!target) throw new DomainError(ErrorCodes.NOT_FOUND, `webhook ${id} not found`);
    if ('user' in actor && !(await this.access.canRead(actor, target.orgEntity))) throw new DomainError(ErrorCodes.NOT_FOUND, `webhook ${id} not found`);
    await this.requireManage(actor, target);
    return { webhook, target };
  }

  async remove(actor: Actor, id: number): Promise<void> {
    await this.get(actor, id);
    await this.store.disableWebhook(id, this.now());
  }

  async deliveries(actor: Actor, id: number, limit = 50): Promise<WebhookDelivery[]> {
    const { webhook } = await this.get(actor, id);
    return this.store.listDeliveries(webhook.id, Math.max(1, Math.min(limit, 1000)));
  }

  /**
   * Adds a webhook on a scope the caller has already authorised (run-alert destinations), after checking its
   * URL the same way (nothing is sent).
   */
  async addChecked(input: { scope: WebhookScope; url: string; secret: string; format: WebhookFormat; description: string | null; createdBy: string }): Promise<Webhook> {
    if (input.secret.length < 16) throw invalidInput('the webhook secret must be at least 16 characters');
    if (input.secret.length > 256) throw invalidInput('the webhook secret must be at most 256 characters');
    const { url } = await vetWebhookUrl(input.url, this.options.policy, this.resolve);
    return this.store.createWebhook({ ...input, url: url.toString() });
  }

  /** Live webhooks on any of these scopes (for producers fanning out). */
  listFor(scopes: WebhookScope[]): Promise<Webhook[]> {
    return this.store.listWebhooks(scopes);
  }

  /** Queues one event for every webhook on these scopes (producers without an outbox of their own). */
  async enqueue(scopes: WebhookScope[], eventType: string, payload: unknown): Promise<number> {
    const hooks = await this.store.listWebhooks(scopes);
    const body = JSON.stringify(payload);
    await this.store.enqueueDeliveries(hooks.map((h) => ({ webhookId: h.id, eventType, body })), this.now());
    return hooks.length;
  }

  private async targetOf(w: Webhook): Promise<WebhookTarget | null> {
    if (w.scope.kind === 'entity') return null; // run-alert destinations are managed by AlertService
    if (w.scope.kind === 'organization') {
      const org = await this.meta.findOrganizationById(w.scope.id);
      const orgEntity = org ? await this.meta.findEntityById(org.entityId) : null;
      return org && orgEntity ? { org, orgEntity, registry: null } : null;
    }
    const registry = await this.meta.findProjectById(w.scope.id);
    const orgEntity = registry ? await this.meta.findEntityById(registry.entityId) : null;
    const org = orgEntity?.orgId != null ? await this.meta.findOrganizationById(orgEntity.orgId) : null;
    return registry && orgEntity && org ? { org, orgEntity, registry } : null;
  }

  // ---------- delivery loop ----------

  /** Polls every `intervalMs` in the background: fans out sources' outboxes, then sends what is due. */
  start(intervalMs: number, locks?: JobLocks): void {
    if (this.timer) return;
    // One dispatcher at a time across processes; claims are leased too, so a dispatcher that dies mid-send only
    // delays its claimed deliveries until the lease ends (then they are sent again with the same X-Cairn-Delivery id).
    this.timer = setInterval(() => {
      (locks ? locks.runExclusive('webhook-dispatch', () => this.tick()) : this.tick())
        .catch((e: unknown) => this.log.error({ err: e }, 'webhook dispatch failed'));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass (never two at once in a process; other processes are kept apart by leases). */
  tick(): Promise<void> {
    this.running ??= this.pass().catch((e: unknown) => this.log.error({ err: e }, 'webhook dispatch failed')).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    for (const s of this.sources) await s.pumpOutbox(this);
    for (;;) {
      const batch = await this.store.claimDue(this.now(), this.options.timeoutMs * 2 + 5_000, 20);
      if (batch.length === 0) return;
      await Promise.all(batch.map((b) => this.deliver(b.delivery, b.webhook)));
    }
  }

  private async deliver(d: WebhookDelivery, w: Webhook): Promise<void> {
    const attempt = d.attempts + 1;
    let statusCode: number | null = null;
    let error: string | null = null;
    let permanent = false;
    try {
      // Checked again at each delivery: the name may resolve elsewhere by now.
      const { url, address } = await vetWebhookUrl(w.url, this.options.policy, this.resolve);
      const headers = {
        'content-type': 'application/json', 'user-agent': 'Cairn-Webhook/1', 'x-cairn-event': d.eventType,
        'x-cairn-delivery': String(d.id), 'x-cairn-attempt': String(attempt), [SIGNATURE_HEADER]: signWebhookBody(w.secret, d.body),
      };
      statusCode = await this.transport({ url, address, body: d.body, headers, timeoutMs: this.options.timeoutMs });
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      permanent = e instanceof DomainError; // the URL is refused now: retrying will not help
    }
    const delivered = error === null;
    const retryAt = delivered || permanent || attempt >= this.options.maxAttempts
      ? null
      : new Date(this.now().getTime() + Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), 3_600_000));
    await this.store.recordAttempt(d.id, { delivered, statusCode, error, retryAt, at: this.now() });
    if (!delivered) this.log.warn({ webhook: w.id, delivery: d.id, attempt, error, willRetry: retryAt !== null }, 'webhook delivery failed');
  }
}
