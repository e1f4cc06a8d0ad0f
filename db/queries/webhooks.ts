import { type Selectable, sql, type Updateable } from 'kysely'
import type { Executor } from '../executor.js'
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhooksTable } from '../types.js'
import type { LogPosition } from './events.js'
import type { Page } from './listing.js'

export type StoredWebhook = Selectable<WebhooksTable>
export type StoredDelivery = Selectable<WebhookDeliveriesTable>
export type StoredAttempt = Selectable<WebhookAttemptsTable>

export interface NewWebhook {
  id: string
  url: string
  events: string[]
  roomIds: string[]
  description: string
  secret: string
  createdBy: string
  cursor: LogPosition
}

export async function insertWebhook(db: Executor, webhook: NewWebhook): Promise<StoredWebhook> {
  return db
    .insertInto('webhooks')
    .values({
      id: webhook.id,
      url: webhook.url,
      events: webhook.events,
      room_ids: webhook.roomIds,
      description: webhook.description,
      secret: webhook.secret,
      created_by: webhook.createdBy,
      cursor_xid: webhook.cursor.xid,
      cursor_id: webhook.cursor.id,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** The webhook, locked for the caller's transaction to change it. */
export function lockWebhook(db: Executor, id: string): Promise<StoredWebhook | undefined> {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
}

export function findWebhook(db: Executor, id: string): Promise<StoredWebhook | undefined> {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function updateWebhook(
  db: Executor,
  id: string,
  changes: Updateable<WebhooksTable>,
): Promise<StoredWebhook> {
  return db
    .updateTable('webhooks')
    .set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function deleteWebhook(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** A page of the webhooks, oldest first, and how many there are. */
export async function listWebhooks(db: Executor, page: Page) {
  const rows = await db
    .selectFrom('webhooks')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .offset(page.offset)
    .limit(page.count)
    .execute()
  const { count } = await db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow()
  return { rows, total: Number(count) }
}

export interface NewDelivery {
  webhookId: string
  messageId: string
  type: string
  payload: unknown
}

export async function insertDeliveries(db: Executor, deliveries: NewDelivery[]) {
  if (deliveries.length === 0) return []
  return db
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((delivery) => ({
        webhook_id: delivery.webhookId,
        message_id: delivery.messageId,
        type: delivery.type,
        payload: sql<unknown>`${JSON.stringify(delivery.payload)}::jsonb`,
      })),
    )
    .returning('id')
    .execute()
}

export function findDelivery(
  db: Executor,
  webhookId: string,
  deliveryId: string,
): Promise<StoredDelivery | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .where('id', '=', deliveryId)
    .executeTakeFirst()
}

/** A page of a webhook's deliveries, newest first, with their attempts, and how many there are. */
export async function listDeliveries(db: Executor, webhookId: string, page: Page) {
  const deliveries = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('id', 'desc')
    .offset(page.offset)
    .limit(page.count)
    .execute()
  const attempts =
    deliveries.length === 0
      ? []
      : await db
          .selectFrom('webhook_attempts')
          .selectAll()
          .where(
            'delivery_id',
            'in',
            deliveries.map((delivery) => delivery.id),
          )
          .orderBy('id')
          .execute()
  const { count } = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('webhook_id', '=', webhookId)
    .executeTakeFirstOrThrow()
  return { deliveries, attempts, total: Number(count) }
}

/**
 * Moves a webhook's cursor back to a position, so what the log holds after it is sent again,
 * and drops the log events after it still waiting to be sent, which would otherwise go twice,
 * ahead of their predecessors.
 */
export async function rewindWebhook(db: Executor, webhookId: string, to: LogPosition) {
  await db
    .deleteFrom('webhook_deliveries')
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .where('type', '<>', 'webhook.test')
    .where(
      sql<boolean>`(split_part(message_id, '.', 1)::xid8, split_part(message_id, '.', 2)::bigint)
        > (${to.xid}::xid8, ${to.id}::bigint)`,
    )
    .execute()
  await db
    .updateTable('webhooks')
    .set({ cursor_xid: to.xid, cursor_id: to.id })
    .where('id', '=', webhookId)
    .execute()
}

/** The endpoints that are sent events. */
export async function listEnabledWebhookIds(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('webhooks').select('id').where('enabled', '=', true).execute()
  return rows.map((row) => row.id)
}

/**
 * Takes or renews the lease on an enabled endpoint for `owner`, unless another holds it and it
 * has not lapsed: the endpoint, or undefined.
 */
export function claimWebhook(
  db: Executor,
  id: string,
  owner: string,
  leaseMs: number,
): Promise<StoredWebhook | undefined> {
  return db
    .updateTable('webhooks')
    .set({
      lease_owner: owner,
      lease_until: sql<Date>`now() + ${leaseMs} * interval '1 millisecond'`,
    })
    .where('id', '=', id)
    .where('enabled', '=', true)
    .where((eb) =>
      eb.or([
        eb('lease_until', 'is', null),
        eb('lease_until', '<', sql<Date>`now()`),
        eb('lease_owner', '=', owner),
      ]),
    )
    .returningAll()
    .executeTakeFirst()
}

/** Gives the lease up, if `owner` still holds it. */
export async function releaseWebhook(db: Executor, id: string, owner: string) {
  await db
    .updateTable('webhooks')
    .set({ lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute()
}

/**
 * Locks the endpoint for a change by the holder of its lease; false when the lease went to
 * another (the change must then be abandoned).
 */
export async function holdsLease(db: Executor, id: string, owner: string): Promise<boolean> {
  const row = await db
    .selectFrom('webhooks')
    .select('id')
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('lease_until', '>', sql<Date>`now()`)
    .forUpdate()
    .executeTakeFirst()
  return row !== undefined
}

export async function moveCursor(db: Executor, id: string, to: LogPosition) {
  await db
    .updateTable('webhooks')
    .set({ cursor_xid: to.xid, cursor_id: to.id })
    .where('id', '=', id)
    .execute()
}

/** The endpoint's oldest delivery still to be sent: what goes next, in order. */
export function firstPendingDelivery(
  db: Executor,
  webhookId: string,
): Promise<StoredDelivery | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst()
}

export interface AttemptRecord {
  deliveryId: string
  statusCode: number | null
  error: string | null
  responseBody: string | null
  durationMs: number
  status: 'pending' | 'succeeded' | 'failed'
  nextAttemptAt: Date | null
}

export async function recordAttempt(db: Executor, attempt: AttemptRecord) {
  await db
    .insertInto('webhook_attempts')
    .values({
      delivery_id: attempt.deliveryId,
      status_code: attempt.statusCode,
      error: attempt.error,
      response_body: attempt.responseBody,
      duration_ms: attempt.durationMs,
    })
    .execute()
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: attempt.status,
      attempts: eb('attempts', '+', 1),
      ...(attempt.nextAttemptAt && { next_attempt_at: attempt.nextAttemptAt }),
    }))
    .where('id', '=', attempt.deliveryId)
    .execute()
}

export async function disableWebhook(db: Executor, id: string, reason: string) {
  await db
    .updateTable('webhooks')
    .set({ enabled: false, disabled_reason: reason, lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .execute()
}

/** Each endpoint's cursor and deliveries waiting, for the lag it reports. */
export function webhookBacklogs(db: Executor) {
  return db
    .selectFrom('webhooks')
    .select((eb) => [
      'id',
      'enabled',
      eb.cast<string>('cursor_xid', 'text').as('cursor_xid'),
      'cursor_id',
      eb
        .selectFrom('webhook_deliveries')
        .select((inner) => inner.fn.countAll<number | string>().as('count'))
        .whereRef('webhook_deliveries.webhook_id', '=', 'webhooks.id')
        .where('webhook_deliveries.status', '=', 'pending')
        .as('pending'),
    ])
    .execute()
}
