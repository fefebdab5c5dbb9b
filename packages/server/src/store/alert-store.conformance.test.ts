import type { EntityId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../core/access.js';
import { AliasProtection } from '../core/alias-protection.js';
import { AlertService } from '../core/alerts.js';
import { CrashMonitor } from '../core/crash-monitor.js';
import { DomainError } from '../core/errors.js';
import { InProcessLiveEvents } from '../core/in-process-cluster.js';
import { LivePublisher, projectTopic } from '../core/live-updates.js';
import type { Logger } from '../core/logger.js';
import type { MetaStore, Run, User } from '../core/ports.js';
import { signWebhookBody, WebhookAddressPolicy, WebhookService, type WebhookRequest } from '../core/webhooks.js';
import { KyselyAlertStore } from './alert-store.js';
import { KyselyMetaStore } from './meta-store.js';
import { KyselyPromotionStore } from './promotion-store.js';
import { sqlBackends } from './sql-backends.test-support.js';

const silent: Logger = { info() {}, warn() {}, error() {} };
const SECRET = 'alert-secret-0123456789';

for (const backend of sqlBackends()) {
  describe(`run alerts: ${backend.name}`, () => {
    let meta: MetaStore;
    let alertStore: KyselyAlertStore;
    let alerts: AlertService;
    let webhooks: WebhookService;
    let dispose: () => Promise<void>;
    let clock: number;
    let sent: WebhookRequest[];
    let answers: Record<string, number | Error>;
    let owner: User;
    let run: Run;

    beforeEach(async () => {
      const opened = await backend.open();
      dispose = opened.dispose;
      meta = new KyselyMetaStore(opened.sqlDb);
      const hooks = new KyselyPromotionStore(opened.sqlDb);
      alertStore = new KyselyAlertStore(opened.sqlDb);
      const access = new AccessPolicy(meta);
      clock = Date.UTC(2026, 0, 1);
      sent = [];
      answers = {};
      const now = () => new Date(clock);
      webhooks = new WebhookService(meta, access, new AliasProtection(meta, access, hooks), hooks, {
        policy: new WebhookAddressPolicy(), retryBaseMs: 1000, maxAttempts: 2, timeoutMs: 500, now,
        resolve: async (h) => (h === 'internal.example.com' ? ['10.0.0.9'] : ['93.184.216.34']),
        transport: async (req) => {
          sent.push(req);
          const a = answers[req.url.hostname] ?? 200;
          if (a instanceof Error) throw a;
          return a;
        },
      }, silent);
      alerts = new AlertService(meta, access, alertStore, hooks, webhooks, silent, now);
      owner = await meta.createUser({ username: 'ada', email: null, admin: false });
      const project = await meta.ensureProject(owner.entityId, 'p');
      run = (await meta.insertRun({ projectId: project.id, name: 'r1', userId: owner.id, state: 'running' }, (n) => `run-${n}`)).run;
    });
    afterEach(async () => {
      await webhooks.stop();
      await meta.close();
      await dispose();
    });

    const notify = (title: string, waitMs: unknown, severity: unknown = 'INFO', text = 'body') =>
      alerts.notify({ user: owner }, { entityName: 'ada', projectName: 'p', runName: 'r1', title, text, severity, waitMs });

    it('suppresses a repeat of the same title within its wait duration, and only that', async () => {
      expect(await notify('loss', 60_000)).not.toBeNull();
      clock += 59_999;
      expect(await notify('loss', 60_000)).toBeNull();
      expect(await notify('other', 60_000)).not.toBeNull(); // another title is not a repeat
      clock += 2;
      expect(await notify('loss', 60_000)).not.toBeNull(); // the window is over
      expect(await notify('loss', 0)).not.toBeNull(); // no wait: every call goes out
      expect((await alerts.forRun(run)).map((a) => a.title)).toEqual(['loss', 'loss', 'other', 'loss']);
      await meta.deleteRun(run.id); // a deleted run's alerts go with it
      expect(await alerts.forRun(run)).toEqual([]);
    });

    it('delivers each alert to every destination in its format; a failing one does not stop the others', async () => {
      const generic = await alerts.addDestination({ user: owner }, 'ada', { kind: 'webhook', url: 'https://hooks.example.com/a', secret: SECRET });
      const slack = await alerts.addDestination({ user: owner }, 'ada', { kind: 'slack', url: 'https://slack.example.com/services/T/B/x' });
      const broken = await alerts.addDestination({ user: owner }, 'ada', { kind: 'webhook', url: 'https://broken.example.com/a', secret: SECRET });
      answers['broken.example.com'] = new Error('connection refused');
      const alert = await notify('NaN loss', 0, 'ERROR', 'loss is *NaN*');
      await webhooks.tick();
      const byHost = new Map(sent.map((r) => [r.url.hostname, r]));
      const g = byHost.get('hooks.example.com')!;
      expect(g.headers['x-cairn-signature-256']).toBe(signWebhookBody(SECRET, g.body));
      expect(JSON.parse(g.body)).toMatchObject({ event: 'run.alert', alert: { id: alert!.id, title: 'NaN loss', text: 'loss is *NaN*', level: 'ERROR' },
        run: { entity: 'ada', project: 'p', id: 'r1' } });
      const s = JSON.parse(byHost.get('slack.example.com')!.body) as { text: string; blocks: { type: string; text?: { text: string } }[] };
      expect(s.text).toContain('NaN loss');
      expect(s.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
      expect(s.blocks[0]!.text!.text).toBe('NaN loss');
      const [listed] = await alerts.forRun(run);
      const status = Object.fromEntries(listed!.deliveries.map((d) => [d.webhookId, d.status]));
      expect(status).toEqual({ [generic.id]: 'delivered', [slack.id]: 'delivered', [broken.id]: 'pending' });
      clock += 1000;
      await webhooks.tick();
      expect((await alerts.forRun(run))[0]!.deliveries.find((d) => d.webhookId === broken.id)).toMatchObject({ status: 'failed', attempts: 2 });
    });

    it('refuses bad destinations and levels, and strangers', async () => {
      await expect(alerts.addDestination({ user: owner }, 'ada', { kind: 'webhook', url: 'http://127.0.0.1:8/x', secret: SECRET })).rejects.toThrow(/loopback/);
      await expect(alerts.addDestination({ user: owner }, 'ada', { kind: 'slack', url: 'https://internal.example.com/x' })).rejects.toThrow(/10\.0\.0\.9/);
      await expect(alerts.addDestination({ user: owner }, 'ada', { kind: 'webhook', url: 'https://hooks.example.com/x' })).rejects.toThrow(/secret/);
      await expect(alerts.addDestination({ user: owner }, 'ada', { kind: 'email' as never, url: 'https://hooks.example.com/x' })).rejects.toThrow(/kind/);
      const mallory = await meta.createUser({ username: 'mallory', email: null, admin: false });
      await expect(alerts.addDestination({ user: mallory }, 'ada', { kind: 'slack', url: 'https://slack.example.com/x' })).rejects.toThrow(DomainError);
      await expect(alerts.listDestinations({ user: mallory }, 'ada')).rejects.toThrow(/not found/);
      await expect(notify('t', 0, 'CRITICAL')).rejects.toThrow(/unknown alert level/);
      await expect(notify('', 0)).rejects.toThrow(/title/);
      await expect(notify('t', -5)).rejects.toThrow(/waitDuration/);
      await expect(alerts.notify({ user: mallory }, { entityName: 'ada', projectName: 'p', runName: 'r1', title: 't', text: '', severity: 'INFO', waitMs: 0 }))
        .rejects.toThrow(DomainError);
      expect(await alerts.listDestinations({ user: owner }, 'ada')).toEqual([]);
      expect(await alerts.forRun(run)).toEqual([]);
      expect(sent).toEqual([]);
    });

    it('sends run-state alerts only when switched on, crashed ones from the crash monitor', async () => {
      await alerts.addDestination({ user: owner }, 'ada', { kind: 'webhook', url: 'https://hooks.example.com/a', secret: SECRET });
      expect(await alerts.settleStateAlert({ ...run, state: 'finished' }, 'finished@1')).toBe(true);
      expect(await alerts.forRun(run)).toEqual([]);
      expect(await alerts.updateSettings({ user: owner }, 'ada', { runCrashed: true, runFailed: true })).toEqual({ runFinished: false, runFailed: true, runCrashed: true });
      expect(await alertStore.alertSettings(owner.entityId as EntityId)).toEqual({ runFinished: false, runFailed: true, runCrashed: true });
      expect(await alerts.settleStateAlert({ ...run, state: 'finished' }, 'finished@2')).toBe(true);
      expect(await alerts.forRun(run)).toEqual([]);
      const monitor = new CrashMonitor(meta, 1000, 1000, silent);
      monitor.onRunEnded(async (r, key) => { await alerts.settleStateAlert(r, key); });
      expect(await monitor.sweep(new Date(Date.now() + 3_600_000))).toBe(1);
      const [crashed] = await alerts.forRun(run);
      expect(crashed).toMatchObject({ source: 'run_state', level: 'ERROR', title: 'Run crashed: run-1' });
      expect(crashed!.deliveries).toHaveLength(1);
      expect(await meta.findPendingStateAlerts(10)).toEqual([]);
    });

    it('pays a crash alert owed by a process that died after marking the run, exactly once', async () => {
      await alerts.addDestination({ user: owner }, 'ada', { kind: 'webhook', url: 'https://hooks.example.com/a', secret: SECRET });
      await alerts.updateSettings({ user: owner }, 'ada', { runCrashed: true });
      // Process A marks the run crashed (the alert owed is stored with it) and dies before recording the alert.
      const later = new Date(Date.now() + 3_600_000);
      expect(await meta.markStale(run.id, ['running'], 'crashed', later, 'crashed@42')).toBe(true);
      const monitor = new CrashMonitor(meta, 1000, 1000, silent);
      monitor.onRunEnded(async (r, key) => { await alerts.settleStateAlert(r, key); });
      // Process B's sweep finds nothing stale but pays the debt; the same key from a second process is a no-op.
      expect(await monitor.sweep(later)).toBe(0);
      expect(await alerts.settleStateAlert({ ...run, state: 'crashed' }, 'crashed@42')).toBe(true);
      await monitor.sweep(later);
      const all = await alerts.forRun(run);
      expect(all.map((a) => a.title)).toEqual(['Run crashed: run-1']);
      expect(all[0]!.deliveries).toHaveLength(1);
    });

    it('announces crashed and preempted runs to live subscribers, without an alert for preemption', async () => {
      await alerts.updateSettings({ user: owner }, 'ada', { runCrashed: true });
      const preempting = (await meta.insertRun({ projectId: run.projectId, name: 'r2', userId: owner.id, state: 'preempting' }, (n) => `run-${n}`)).run;
      const events = new InProcessLiveEvents();
      const seen: unknown[] = [];
      events.subscribe(projectTopic(run.projectId), (e) => seen.push(e.data));
      const monitor = new CrashMonitor(meta, 1000, 1000, silent);
      monitor.useLive(new LivePublisher(events, silent));
      monitor.onRunEnded(async (r, key) => { await alerts.settleStateAlert(r, key); });
      expect(await monitor.sweep(new Date(Date.now() + 3_600_000))).toBe(2);
      expect(seen).toEqual(expect.arrayContaining([
        { kind: 'run', run: 'r1', state: 'crashed' }, { kind: 'run', run: 'r2', state: 'preempted' },
      ]));
      expect((await alerts.forRun(run)).map((a) => a.title)).toEqual(['Run crashed: run-1']);
      expect(await alerts.forRun(preempting)).toEqual([]);
    });
  });
}
