import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { poolUsage } from '../../db/database.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The metrics this app collects, or null when METRICS is off. */
    metricsRegistry: Registry | null
  }
}

type PoolUsage = NonNullable<ReturnType<typeof poolUsage>>

/**
 * Prometheus metrics, collected when METRICS is on and served by routes/metrics.ts: requests by
 * route pattern and status, their latency, the database pool, and the process (event-loop lag,
 * memory, GC). Each app has its own registry, so several apps in one process keep separate counts.
 * Plugins that measure their own work add to it: plugins/app/event-prune.ts, the event log.
 */
export default fp(
  async (app) => {
    if (!app.config.METRICS) {
      app.decorate('metricsRegistry', null)
      return
    }
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })

    const labelNames = ['method', 'route', 'status'] as const
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames,
      registers: [registry],
    })
    const latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to sending its answer, in seconds',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    })
    app.addHook('onResponse', async (request, reply) => {
      // The pattern, never the URL: a URL per group or user would make a series per visitor.
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      }
      requests.inc(labels)
      latency.observe(labels, reply.elapsedTime / 1000)
    })

    if (poolUsage(app.db)) {
      const poolGauge = (name: string, help: string, read: (usage: PoolUsage) => number) =>
        new Gauge({
          name,
          help,
          registers: [registry],
          collect() {
            const usage = poolUsage(app.db)
            if (usage) this.set(read(usage))
          },
        })
      poolGauge('db_pool_connections_max', 'Largest number of pooled connections', (u) => u.max)
      poolGauge('db_pool_connections_open', 'Open pooled connections', (u) => u.total)
      poolGauge('db_pool_connections_idle', 'Open pooled connections not in use', (u) => u.idle)
      poolGauge('db_pool_requests_waiting', 'Queries waiting for a connection', (u) => u.waiting)
    }

    app.decorate('metricsRegistry', registry)
  },
  { name: 'metrics', dependencies: ['config', 'database'] },
)
