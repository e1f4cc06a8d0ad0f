import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { countEventsAfter } from '../../db/queries/events.js'
import { webhookBacklogs } from '../../db/queries/webhooks.js'
import { WebhookDispatcher } from '../../domain/webhooks/dispatcher.js'
import type { WebhookSettings } from '../../domain/webhooks/manage.js'
import { SecretBox } from '../../domain/webhooks/secrets.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** What managing webhooks needs beside the database (domain/webhooks/manage.ts). */
    webhooks: WebhookSettings
  }
}

/** Past this many events behind, an endpoint's lag is reported as this many. */
const LAG_COUNTED_UP_TO = 100_000

/**
 * Outgoing webhooks: the keeper of their secrets, from WEBHOOK_ENCRYPTION_KEY, and, unless
 * WEBHOOKS_DELIVER is off, this process's dispatcher, started when the app is ready. With
 * metrics on: attempts by outcome, each endpoint's lag, the endpoints disabled.
 */
export default fp(
  async (app) => {
    const { config, db } = app
    const secrets = config.WEBHOOK_ENCRYPTION_KEY
      ? new SecretBox(config.WEBHOOK_ENCRYPTION_KEY)
      : undefined
    app.decorate('webhooks', { secrets, overlapMs: config.WEBHOOK_SECRET_OVERLAP_MS })

    const registry = app.metricsRegistry
    const attempts =
      registry &&
      new Counter({
        name: 'webhook_deliveries_total',
        help: 'Attempts this process made to deliver webhooks, by outcome: succeeded, retried (to be tried again), failed (for good, the endpoint disabled)',
        labelNames: ['outcome'],
        registers: [registry],
      })
    if (registry) {
      const lag = new Gauge({
        name: 'webhook_lag_events',
        help: "Events each webhook endpoint has yet to be sent: the log's events past its cursor (counted up to 100000) and its deliveries waiting",
        labelNames: ['webhook'],
        registers: [registry],
      })
      new Gauge({
        name: 'webhooks_disabled',
        help: 'Webhook endpoints disabled, by hand or by the service',
        registers: [registry],
        async collect() {
          try {
            const backlogs = await webhookBacklogs(db)
            lag.reset()
            for (const backlog of backlogs.filter((row) => row.enabled)) {
              const cursor = { xid: backlog.cursor_xid, id: Number(backlog.cursor_id) }
              const behind = await countEventsAfter(db, cursor, LAG_COUNTED_UP_TO)
              lag.set({ webhook: backlog.id }, behind + Number(backlog.pending ?? 0))
            }
            this.set(backlogs.filter((row) => !row.enabled).length)
          } catch (err) {
            app.log.warn({ err }, 'could not read the webhooks backlog')
          }
        },
      })
    }

    if (!config.WEBHOOKS_DELIVER) return
    if (!secrets) {
      app.log.info('webhooks are not sent: WEBHOOK_ENCRYPTION_KEY is not set')
      return
    }
    const dispatcher = new WebhookDispatcher(
      db,
      app.realtime.log,
      {
        secrets,
        unitMs: config.WEBHOOK_RETRY_UNIT_MS,
        allowPrivate: config.WEBHOOKS_ALLOW_PRIVATE_NETWORKS,
        pollMs: config.REALTIME_POLL_MS,
      },
      app.log,
      (outcome) => attempts?.inc({ outcome }),
    )
    app.addHook('onReady', async () => dispatcher.start())
    app.addHook('preClose', () => dispatcher.stop())
  },
  { name: 'webhooks', dependencies: ['config', 'database', 'metrics', 'realtime'] },
)
