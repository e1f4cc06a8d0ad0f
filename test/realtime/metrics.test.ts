// What /metrics says of the realtime side: connections and their unsent bytes by transport,
// resumptions by outcome, how far the relay is behind the log, and the log's size.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import app from '../../app.js'
import { serverOptions } from '../../server-options.js'
import { api, ddp, fixture, testConfig, testDatabase, waitFor } from '../helper.js'
import { EventStreamClient, fetchEvents } from './event-stream-client.js'

const db = await testDatabase(t)

/** The value of one series of the metrics text, or undefined when it is absent. */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((row) => row.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}

t.test('connections, resumptions, buffers, the relay lag and the log size', async (t) => {
  // The app as build-server.ts makes it, keeping hold of its own instance to reach the relay.
  const config = testConfig({ METRICS: 'true' })
  const server = Fastify(serverOptions(config)).withTypeProvider<TypeBoxTypeProvider>()
  let inner: FastifyInstance | undefined
  server.addHook('onRegister', (instance) => {
    inner ??= instance
  })
  await server.register(app, { config, db })
  t.teardown(() => server.close())
  const base = await server.listen({ port: 0, host: '127.0.0.1' })
  const url = `${base.replace(/^http/, 'ws')}/websocket`
  const relay = (inner as FastifyInstance).realtime.relay
  const scrape = async () => (await server.inject({ method: 'GET', url: '/metrics' })).body
  const { owner, member, group } = await fixture.groupWith(server, db, { member: {} })
  const g = api(server, owner).on(group)

  // On PostgreSQL the log's size is the planner's estimate, known once the table is analyzed.
  await sql`analyze events`.execute(db)
  const before = await scrape()
  t.equal(series(before, 'realtime_connections{transport="ddp"}'), 0)
  t.equal(series(before, 'realtime_connections{transport="sse"}'), 0)
  t.equal(series(before, 'realtime_relay_lag_events'), 0, 'no relay runs before a connection')
  t.ok((series(before, 'events_log_rows') ?? 0) > 0, 'the log holds the group creation')

  // A live subscription, and an event id from it.
  const live = await ddp.loggedInSocket(t, url, member)
  await live.subscribe('rooms', 'stream-notify-user', `${member.id}/rooms-changed`)
  await g.post('groups.setTopic', { topic: 'first' })
  const changed = await live.next((frame) => frame.msg === 'changed')
  const lastEventId = live.eventIds.get(changed) as string

  // One resumption that catches up, one that is reset, on DDP.
  const resumed = await ddp.loggedInSocket(t, url, member)
  const isAnswer = (frame: ddp.DdpFrame) => frame.msg === 'ready' || frame.msg === 'nosub'
  t.match(
    await resumed.subscribe(
      'rooms',
      'stream-notify-user',
      `${member.id}/rooms-changed`,
      lastEventId,
    ),
    { msg: 'ready' },
  )
  t.match(
    await resumed.subscribe(
      'subs',
      'stream-notify-user',
      `${member.id}/subscriptions-changed`,
      '1.1.1',
    ),
    { msg: 'nosub', error: { error: 'error-events-reset' } },
  )
  t.notOk(resumed.received.some(isAnswer), 'each subscription answered once')

  // An event stream, and one reset on it.
  const stream = await EventStreamClient.open(t, base, { user: member })
  const reset = await EventStreamClient.open(t, base, { user: member, lastEventId: '1.1.1' })
  await reset.next((block) => block.event === 'reset')

  const during = await scrape()
  t.equal(series(during, 'realtime_connections{transport="ddp"}'), 2)
  t.equal(series(during, 'realtime_connections{transport="sse"}'), 2)
  t.equal(series(during, 'realtime_replays_total{transport="ddp",outcome="live"}'), 1)
  t.equal(series(during, 'realtime_replays_total{transport="ddp",outcome="reset"}'), 1)
  t.equal(series(during, 'realtime_replays_total{transport="sse",outcome="reset"}'), 1)
  t.equal(series(during, 'realtime_replays_total{transport="sse",outcome="live"}'), undefined)
  t.ok((series(during, 'realtime_send_buffer_bytes{transport="ddp"}') ?? -1) >= 0)
  t.ok((series(during, 'realtime_send_buffer_bytes{transport="sse"}') ?? -1) >= 0)

  // While the relay is held, a change waits in the log and is counted as its lag.
  let release = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const holding = relay.run(() => held)
  await g.post('groups.setTopic', { topic: 'while held' })
  const lagging = await scrape()
  t.ok(
    (series(lagging, 'realtime_relay_lag_events') ?? 0) >= 2,
    'the topic change and its message are behind',
  )
  release()
  await holding
  await relay.wake()
  t.equal(series(await scrape(), 'realtime_relay_lag_events'), 0, 'caught up once released')
  await stream.next((block) => block.data?.includes('while held') ?? false)

  stream.close()
  reset.close()
  await Promise.all([stream.ended, reset.ended])
  live.close()
  resumed.close()
  await Promise.all([live.closed, resumed.closed])
  // The server hears of a close after the client does: wait until it has counted both.
  let after = ''
  await waitFor(async () => {
    after = await scrape()
    return (
      series(after, 'realtime_connections{transport="ddp"}') === 0 &&
      series(after, 'realtime_connections{transport="sse"}') === 0
    )
  })
  t.equal(series(after, 'realtime_connections{transport="ddp"}'), 0, 'closed sockets are gone')
  t.equal(series(after, 'realtime_connections{transport="sse"}'), 0, 'ended streams are gone')
  t.equal((await fetchEvents(base, {})).status, 401, 'a stream without a login is refused')
})
