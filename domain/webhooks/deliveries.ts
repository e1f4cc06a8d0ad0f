import type { Db } from '../../db/database.js'
import { eventExists } from '../../db/queries/events.js'
import type { Page } from '../../db/queries/listing.js'
import {
  findDelivery,
  findWebhook,
  insertDeliveries,
  listDeliveries as listStoredDeliveries,
  rewindWebhook,
  type StoredAttempt,
  type StoredDelivery,
} from '../../db/queries/webhooks.js'
import type { WebhookDeliveryView, WebhookRedeliverBody } from '../../schemas/webhooks.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import { randomId } from '../ids.js'
import { assertWebhookManager, withLockedWebhook } from './manage.js'

/** The type of the event `webhooks.test` sends. */
export const TEST_EVENT_TYPE = 'webhook.test'

function toDeliveryView(delivery: StoredDelivery, attempts: StoredAttempt[]): WebhookDeliveryView {
  return {
    _id: String(delivery.id),
    messageId: delivery.message_id,
    type: delivery.type,
    status: delivery.status,
    createdAt: delivery.created_at.toISOString(),
    nextAttemptAt: delivery.status === 'pending' ? delivery.next_attempt_at.toISOString() : null,
    payload: delivery.payload,
    attempts: attempts.map((attempt) => ({
      ts: attempt.attempted_at.toISOString(),
      statusCode: attempt.status_code,
      error: attempt.error,
      response: attempt.response_body,
      durationMs: attempt.duration_ms,
    })),
  }
}

/** A page of a webhook's deliveries, newest first, each with its attempts. */
export async function listDeliveries(
  db: Db,
  actor: Actor,
  webhookId: string,
  page: Page,
): Promise<{ deliveries: WebhookDeliveryView[]; count: number; offset: number; total: number }> {
  await assertWebhookManager(db, actor)
  if (!(await findWebhook(db, webhookId))) throw errors.webhookNotFound()
  const { deliveries, attempts, total } = await listStoredDeliveries(db, webhookId, page)
  return {
    deliveries: deliveries.map((delivery) =>
      toDeliveryView(
        delivery,
        attempts.filter((attempt) => String(attempt.delivery_id) === String(delivery.id)),
      ),
    ),
    count: deliveries.length,
    offset: page.offset,
    total,
  }
}

/** Queues a `webhook.test` event for the webhook, behind what it is already owed. */
export async function sendTestEvent(db: Db, actor: Actor, webhookId: string): Promise<string> {
  await assertWebhookManager(db, actor)
  return withLockedWebhook(db, webhookId, async (trx, webhook) => {
    const [row] = await insertDeliveries(trx, [
      {
        webhookId: webhook.id,
        messageId: `test_${randomId()}`,
        type: TEST_EVENT_TYPE,
        payload: {
          type: TEST_EVENT_TYPE,
          timestamp: new Date().toISOString(),
          data: { webhookId: webhook.id },
        },
      },
    ])
    return String(row?.id)
  })
}

/**
 * Sends again one delivery (a new delivery of the same message, with the same `webhook-id`),
 * or every matching event the log holds after `after`.
 */
export async function redeliver(db: Db, actor: Actor, body: WebhookRedeliverBody): Promise<void> {
  await assertWebhookManager(db, actor)
  if ((body.deliveryId === undefined) === (body.after === undefined)) throw errors.redeliverWhat()
  await withLockedWebhook(db, body.webhookId, async (trx, webhook) => {
    if (body.deliveryId !== undefined) {
      const delivery = await findDelivery(trx, webhook.id, body.deliveryId)
      if (!delivery) throw errors.webhookDeliveryNotFound()
      await insertDeliveries(trx, [
        {
          webhookId: webhook.id,
          messageId: delivery.message_id,
          type: delivery.type,
          payload: delivery.payload,
        },
      ])
      return
    }
    const [xid = '', id = ''] = (body.after ?? '').split('.')
    const position = { xid, id: Number(id) }
    // A position past xid8's range names no event (and would not convert).
    if (BigInt(xid) >= 2n ** 64n || !(await eventExists(trx, position))) {
      throw errors.webhookEventNotFound()
    }
    await rewindWebhook(trx, webhook.id, position)
  })
}
