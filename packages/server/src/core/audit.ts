import type { AuditEvent, AuditRecord, CredentialStore } from './security-ports.js';

/** Who did what, when: sign-ins (both outcomes), key creation and revocation, users, passwords, admin changes. */
export class AuditLog {
  constructor(private readonly store: CredentialStore, private readonly now: () => number = Date.now) {}

  async record(event: AuditEvent): Promise<void> {
    await this.store.appendAudit({ ...event, at: new Date(this.now()) });
  }

  async list(limit = 100): Promise<AuditRecord[]> {
    return this.store.listAudit(Math.max(1, Math.min(limit, 100_000)));
  }
}
