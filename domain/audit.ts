import type { Executor } from '../db/executor.js'
import { insertAuditEntry, type NewAuditEntry } from '../db/queries/audit.js'
import type { Actor } from './actor.js'

export interface AuditRecord {
  /** What happened, named after the endpoint: `groups.rename`, `permissions.update`… */
  action: string
  roomId?: string | null
  before?: unknown
  after?: unknown
}

/**
 * Appends one row to the audit log. Call it with the transaction that makes the change, so a
 * change that rolls back leaves no row behind. `actor` null means the service itself.
 */
export async function recordAudit(db: Executor, actor: Actor | null, record: AuditRecord) {
  await insertAuditEntry(db, auditEntry(actor, record))
}

/** The row recordAudit appends, for a statement that writes it together with the change. */
export function auditEntry(actor: Actor | null, record: AuditRecord): NewAuditEntry {
  return {
    actorId: actor?.id ?? null,
    actorUsername: actor?.username ?? null,
    roomId: record.roomId ?? null,
    action: record.action,
    before: record.before ?? null,
    after: record.after ?? null,
  }
}
