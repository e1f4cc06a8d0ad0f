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
