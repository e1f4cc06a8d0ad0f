import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { countEventsAfter } from '../../db/queries/events.js'

/** The relay's lag is counted up to this many events. */
const LAG_CAP = 100_000

export type Transport = 'ddp' | 'sse'

/** What the realtime side reports, and the counters it bumps. */
export interface RealtimeMetrics {
  /** Sources of the gauges, read when /metrics is scraped. */
  watch(source: {
    connections(transport: Transport): number
    bufferedBytes(transport: Transport): number
    /** The relay's position, or undefined before it started. */
    position(): { xid: string; id: number } | undefined
  }): void
  replayed(transport: Transport, outcome: string): void
  slowClosed(transport: Transport): void
  unreadable(): void
}

declare module 'fastify' {
  interface FastifyInstance {
    realtimeMetrics: RealtimeMetrics
  }
}

const TRANSPORTS: Transport[] = ['ddp', 'sse']

/** The realtime metrics of one process, on /metrics when metrics are on (else counted nowhere). */
export default fp(
  async (app) => {
    const registers = app.metricsRegistry ? [app.metricsRegistry] : []
    let source: Parameters<RealtimeMetrics['watch']>[0] | undefined
    const replays = new Counter({
      name: 'realtime_replays_total',
      help: 'Resumptions from an event id, by transport and outcome (live: caught up; reset: the id was unknown or pruned; gone: the client left first)',
      labelNames: ['transport', 'outcome'],
      registers,
    })
    const slowCloses = new Counter({
      name: 'realtime_slow_client_closes_total',
      help: 'Realtime connections closed because their unsent events passed REALTIME_SEND_BUFFER_BYTES, by transport',
      labelNames: ['transport'],
      registers,
    })
    const unreadable = new Counter({
      name: 'realtime_events_unreadable_total',
      help: 'Event log rows that did not parse as any kind of event: logged and skipped',
      registers,
    })
    new Gauge({
      name: 'realtime_connections',
      help: 'Open realtime connections of this process, by transport',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const transport of TRANSPORTS) {
          this.set({ transport }, source?.connections(transport) ?? 0)
        }
      },
    })
    new Gauge({
      name: 'realtime_send_buffer_bytes',
      help: 'Bytes written to realtime connections and not yet sent, summed over this process, by transport',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const transport of TRANSPORTS) {
          this.set({ transport }, source?.bufferedBytes(transport) ?? 0)
        }
      },
    })
    new Gauge({
      name: 'realtime_relay_lag_events',
      help: `Events of finished transactions this process's relay has not delivered yet (counted up to ${LAG_CAP}; 0 before the relay starts)`,
      registers,
      async collect() {
        const position = source?.position()
        if (!position) return this.set(0)
        try {
          this.set(await countEventsAfter(app.db, position, LAG_CAP))
        } catch (err) {
          app.log.warn({ err }, 'could not read how far the relay is behind')
        }
      },
    })
    app.decorate('realtimeMetrics', {
      watch(watched) {
        source = watched
      },
      replayed: (transport, outcome) => replays.inc({ transport, outcome }),
      slowClosed: (transport) => slowCloses.inc({ transport }),
      unreadable: () => unreadable.inc(),
    } satisfies RealtimeMetrics)
  },
  { name: 'realtime-metrics', dependencies: ['database', 'metrics'] },
)
