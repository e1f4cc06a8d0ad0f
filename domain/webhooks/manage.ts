import type { Transaction } from 'kysely'
import type { Db } from '../../db/database.js'
import { logHead } from '../../db/queries/events.js'
import type { Page } from '../../db/queries/listing.js'
import {
  deleteWebhook as deleteStoredWebhook,
  insertWebhook,
  listWebhooks as listStoredWebhooks,
  lockWebhook,
  type StoredWebhook,
  updateWebhook as updateStoredWebhook,
} from '../../db/queries/webhooks.js'
import type { Database } from '../../db/types.js'
import type {
  WebhookCreateBody,
  WebhookRefBody,
  WebhookUpdateBody,
  WebhookView,
} from '../../schemas/webhooks.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { errors } from '../errors.js'
import { randomId } from '../ids.js'
import { hasPermission } from '../permissions.js'
import { newSigningSecret, type SecretBox } from './secrets.js'

/** What managing webhooks needs beside the database: the secrets' keeper and the rotation overlap. */
export interface WebhookSettings {
  /** Absent without WEBHOOK_ENCRYPTION_KEY: no secret can be kept, so none is made. */
  secrets: SecretBox | undefined
  overlapMs: number
}

export function toWebhookView(webhook: StoredWebhook): WebhookView {
  return {
    _id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    roomIds: webhook.room_ids,
    description: webhook.description,
    enabled: webhook.enabled,
    disabledReason: webhook.disabled_reason,
    createdAt: webhook.created_at.toISOString(),
  }
}

/** What the audit log records of a webhook: its view, which never holds a secret. */
const audited = toWebhookView

/** Only webhook managers (`manage-outgoing-integrations`, admins) go past this. */
export async function assertWebhookManager(db: Db, actor: Actor): Promise<void> {
  if (!(await hasPermission(db, actor, 'manage-outgoing-integrations'))) throw errors.forbidden()
}

/** The URL, normalized, when it is an absolute http(s) URL without credentials. */
function checkedUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw errors.invalidWebhookUrl()
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password) {
    throw errors.invalidWebhookUrl()
  }
  return url.href
}

function secretsOf(settings: WebhookSettings): SecretBox {
  if (!settings.secrets) throw errors.webhooksNotConfigured()
  return settings.secrets
}

/** Creates a webhook, sent what commits from now on; its secret is answered this once. */
export async function createWebhook(
  db: Db,
  settings: WebhookSettings,
  actor: Actor,
  body: WebhookCreateBody,
): Promise<{ webhook: WebhookView; secret: string }> {
  await assertWebhookManager(db, actor)
  const url = checkedUrl(body.url)
  const box = secretsOf(settings)
  const secret = newSigningSecret()
  const webhook = await db.transaction().execute(async (trx) => {
    const created = await insertWebhook(trx, {
      id: randomId(),
      url,
      events: body.events ?? [],
      roomIds: body.roomIds ?? [],
      description: body.description ?? '',
      secret: box.seal(secret),
      createdBy: actor.id,
      cursor: await logHead(trx),
    })
    await recordAudit(trx, actor, { action: 'webhooks.create', after: audited(created) })
    return created
  })
  return { webhook: toWebhookView(webhook), secret }
}

export async function listWebhooks(db: Db, actor: Actor, page: Page) {
  await assertWebhookManager(db, actor)
  const { rows, total } = await listStoredWebhooks(db, page)
  return { webhooks: rows.map(toWebhookView), count: rows.length, offset: page.offset, total }
}

/** Runs `change` in a transaction with the webhook locked; an unknown id is refused. */
export async function withLockedWebhook<T>(
  db: Db,
  webhookId: string,
  change: (trx: Transaction<Database>, webhook: StoredWebhook) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const webhook = await lockWebhook(trx, webhookId)
    if (!webhook) throw errors.webhookNotFound()
    return change(trx, webhook)
  })
}

/** Changes a webhook's URL, filters, description or state; enabling clears why it was disabled. */
export async function updateWebhook(
  db: Db,
  actor: Actor,
  body: WebhookUpdateBody,
): Promise<WebhookView> {
  await assertWebhookManager(db, actor)
  const url = body.url === undefined ? undefined : checkedUrl(body.url)
  const updated = await withLockedWebhook(db, body.webhookId, async (trx, before) => {
    const after = await updateStoredWebhook(trx, before.id, {
      ...(url !== undefined && { url }),
      ...(body.events !== undefined && { events: body.events }),
      ...(body.roomIds !== undefined && { room_ids: body.roomIds }),
      ...(body.description !== undefined && { description: body.description }),
      ...(body.enabled !== undefined && { enabled: body.enabled, disabled_reason: null }),
    })
    await recordAudit(trx, actor, {
      action: 'webhooks.update',
      before: audited(before),
      after: audited(after),
    })
    return after
  })
  return toWebhookView(updated)
}

/** Deletes a webhook with its deliveries. */
export async function deleteWebhook(db: Db, actor: Actor, body: WebhookRefBody): Promise<void> {
  await assertWebhookManager(db, actor)
  await withLockedWebhook(db, body.webhookId, async (trx, before) => {
    await deleteStoredWebhook(trx, before.id)
    await recordAudit(trx, actor, { action: 'webhooks.delete', before: audited(before) })
  })
}

/**
 * Gives a webhook a new secret, answered this once; the one it replaces keeps signing beside it
 * for `overlapMs`, so receivers can switch without missing a delivery.
 */
export async function rotateWebhookSecret(
  db: Db,
  settings: WebhookSettings,
  actor: Actor,
  body: WebhookRefBody,
): Promise<string> {
  await assertWebhookManager(db, actor)
  const box = secretsOf(settings)
  const secret = newSigningSecret()
  await withLockedWebhook(db, body.webhookId, async (trx, before) => {
    const overlap = settings.overlapMs > 0
    await updateStoredWebhook(trx, before.id, {
      secret: box.seal(secret),
      previous_secret: overlap ? before.secret : null,
      previous_secret_until: overlap ? new Date(Date.now() + settings.overlapMs) : null,
    })
    await recordAudit(trx, actor, {
      action: 'webhooks.rotateSecret',
      after: { _id: before.id, url: before.url },
    })
  })
  return secret
}
