import type { Db } from '../../db/database.js'
import {
  claimWebhook,
  disableWebhook,
  firstPendingDelivery,
  holdsLease,
  insertDeliveries,
  listEnabledWebhookIds,
  moveCursor,
  recordAttempt,
  releaseWebhook,
  type StoredWebhook,
} from '../../db/queries/webhooks.js'
import { randomId } from '../ids.js'
import type { EventLog, LogPosition } from '../realtime/log/event-log.js'
import { matches, webhookEvents } from './payloads.js'
import { judge, type Verdict } from './schedule.js'
import type { SecretBox } from './secrets.js'
import { type Outcome, RESPONSE_KEPT, SEND_TIMEOUT_MS, send } from './send.js'

/** Longer than one attempt can take, so a live holder renews it in time. */
const LEASE_MS = SEND_TIMEOUT_MS * 2
/** Log events read per step of an endpoint's cursor (a transaction's events are never split). */
const READ_BATCH = 200

export interface DispatcherOptions {
  secrets: SecretBox
  unitMs: number
  allowPrivate: boolean
  /** How often the endpoints are looked at. */
  pollMs: number
}

export interface DispatcherLog {
  warn(details: object, message: string): void
}

/** What the dispatcher tells metrics: each attempt's outcome. */
export type AttemptOutcome = 'succeeded' | 'retried' | 'failed'

/**
 * Sends webhooks from this process. Every `pollMs` each enabled endpoint that no process holds
 * is leased (a row's lease that lapses when its holder stops renewing it, so a process that
 * died hands it on), its cursor moved through the log, the matching events stored as
 * deliveries, and the deliveries sent one at a time in order: the next waits until the one
 * before it succeeded or failed for good. All of it is in the database, so a restart goes on
 * where the last attempt was recorded; an attempt cut off before its record is made again, with
 * the same `webhook-id`.
 */
export class WebhookDispatcher {
  readonly #owner = randomId()
  readonly #running = new Map<string, Promise<void>>()
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(
    readonly db: Db,
    readonly log: EventLog,
    readonly options: DispatcherOptions,
    readonly logger: DispatcherLog,
    readonly attempted: (outcome: AttemptOutcome) => void = () => {},
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.tick(), this.options.pollMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await Promise.all(this.#running.values())
  }

  /** Starts serving every enabled endpoint not already served here. */
  async tick(): Promise<void> {
    let ids: string[]
    try {
      ids = await listEnabledWebhookIds(this.db)
    } catch (err) {
      this.logger.warn({ err }, 'listing webhooks failed: trying again on the next tick')
      return
    }
    for (const id of ids) {
      if (this.#stopped || this.#running.has(id)) continue
      const serving = this.#serve(id)
        .catch((err) => this.logger.warn({ err, webhookId: id }, 'delivering a webhook failed'))
        .finally(() => this.#running.delete(id))
      this.#running.set(id, serving)
    }
  }

  async #serve(id: string): Promise<void> {
    try {
      while (!this.#stopped) {
        const webhook = await claimWebhook(this.db, id, this.#owner, LEASE_MS)
        if (!webhook) return
        await this.#fill(webhook)
        const delivery = await firstPendingDelivery(this.db, id)
        if (!delivery || delivery.next_attempt_at.getTime() > Date.now()) return
        const secrets = this.#secretsOf(webhook)
        if (!secrets) return
        const outcome = await send({
          url: webhook.url,
          id: delivery.message_id,
          body: JSON.stringify(delivery.payload),
          secrets,
          allowPrivate: this.options.allowPrivate,
        })
        const verdict = judge(outcome, delivery.attempts + 1, this.options.unitMs)
        if (!(await this.#record(webhook, String(delivery.id), outcome, verdict))) return
        if (verdict.kind === 'failed') return
      }
    } finally {
      await releaseWebhook(this.db, id, this.#owner).catch(() => {})
    }
  }

  /** Stores the deliveries of the log's next events and moves the cursor past them. */
  async #fill(webhook: StoredWebhook): Promise<void> {
    const cursor: LogPosition = { xid: String(webhook.cursor_xid), id: Number(webhook.cursor_id) }
    const transactions = await this.log.after(cursor, READ_BATCH)
    const last = transactions.at(-1)
    if (!last) return
    const filters = { events: webhook.events, roomIds: webhook.room_ids }
    const deliveries = transactions.flatMap((transaction) =>
      webhookEvents(transaction.events)
        .filter((event) => matches(filters, event))
        .map((event) => ({
          webhookId: webhook.id,
          messageId: event.id,
          type: event.type,
          payload: event.payload,
        })),
    )
    await this.db.transaction().execute(async (trx) => {
      if (!(await holdsLease(trx, webhook.id, this.#owner))) return
      await insertDeliveries(trx, deliveries)
      await moveCursor(trx, webhook.id, last.end)
    })
  }

  /** The secrets that sign: the current one, and the previous one while the overlap lasts. */
  #secretsOf(webhook: StoredWebhook): string[] | undefined {
    try {
      const current = this.options.secrets.open(webhook.secret)
      const previous =
        webhook.previous_secret && (webhook.previous_secret_until?.getTime() ?? 0) > Date.now()
          ? [this.options.secrets.open(webhook.previous_secret)]
          : []
      return [current, ...previous]
    } catch (err) {
      this.logger.warn(
        { err, webhookId: webhook.id },
        "a webhook's secret does not open with WEBHOOK_ENCRYPTION_KEY: rotate it",
      )
      return undefined
    }
  }

  /** Records an attempt as its holder; false when the lease went to another meanwhile. */
  async #record(
    webhook: StoredWebhook,
    deliveryId: string,
    outcome: Outcome,
    verdict: Verdict,
  ): Promise<boolean> {
    const held = await this.db.transaction().execute(async (trx) => {
      if (!(await holdsLease(trx, webhook.id, this.#owner))) return false
      await recordAttempt(trx, {
        deliveryId,
        statusCode: outcome.status,
        error: outcome.status === null ? outcome.error.slice(0, RESPONSE_KEPT) : null,
        responseBody: outcome.status === null ? null : outcome.body,
        durationMs: outcome.durationMs,
        status: verdict.kind === 'retry' ? 'pending' : verdict.kind,
        nextAttemptAt: verdict.kind === 'retry' ? verdict.at : null,
      })
      if (verdict.kind === 'failed') await disableWebhook(trx, webhook.id, verdict.reason)
      return true
    })
    if (held) {
      this.attempted(
        verdict.kind === 'retry' ? 'retried' : verdict.kind === 'failed' ? 'failed' : 'succeeded',
      )
    }
    return held
  }
}
