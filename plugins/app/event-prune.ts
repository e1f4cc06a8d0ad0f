import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import type { Db } from '../../db/database.js'
import { countEvents, estimateEventCount, pruneEvents } from '../../db/queries/events.js'
import { deleteExpiredTickets } from '../../db/queries/tickets.js'
import { sweepEvery } from './sweep.js'

/**
 * The log's size, read cheaply: PostgreSQL's own estimate, kept by VACUUM and ANALYZE; the
 * embedded database has no autovacuum to keep one, and holds a log small enough to count.
 */
function eventCount(db: Db): Promise<number> {
  return db.backend && 'pool' in db.backend ? estimateEventCount(db) : countEvents(db)
}

/**
 * Keeps the event log within `EVENTS_RETENTION_MS`: every `EVENTS_PRUNE_INTERVAL_MS` each
 * process deletes the events older than that (db/queries/events.ts says which go, and how
 * processes take turns), and the event-stream tickets that expired unused. With metrics on, it counts what it deleted and reports the log's size.
 */
export default fp(
  async (app) => {
    const { EVENTS_RETENTION_MS: retentionMs, EVENTS_PRUNE_INTERVAL_MS: intervalMs } = app.config
    const registry = app.metricsRegistry
    const pruned =
      registry &&
      new Counter({
        name: 'events_pruned_total',
        help: 'Events this process deleted from the event log as older than EVENTS_RETENTION_MS',
        registers: [registry],
      })
    if (registry) {
      new Gauge({
        name: 'events_log_rows',
        help: 'Events in the event log: on PostgreSQL its estimate pg_class.reltuples (as of the last VACUUM or ANALYZE), on the embedded database count(*)',
        registers: [registry],
        async collect() {
          try {
            this.set(await eventCount(app.db))
          } catch (err) {
            app.log.warn({ err }, 'could not read the size of the event log')
          }
        },
      })
    }
    sweepEvery(app, 'events', intervalMs, async () => {
      const deleted = await pruneEvents(app.db, new Date(Date.now() - retentionMs))
      pruned?.inc(deleted)
      await deleteExpiredTickets(app.db)
    })
  },
  { name: 'event-prune', dependencies: ['config', 'database', 'metrics'] },
)
