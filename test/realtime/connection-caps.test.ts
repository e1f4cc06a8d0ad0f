// One user's realtime connections in a process are capped, DDP and SSE together; each
// transport refuses one more in its own way, and other users are not affected.
import t from 'tap'
import { UserConnections } from '../../transports/user-connections.js'
import { createTestUser, ddp, testDatabase, until } from '../helper.js'
import { EventStreamClient, fetchEvents } from './event-stream-client.js'

const db = await testDatabase(t)
const { base, url } = await ddp.listeningApp(t, db, { REALTIME_MAX_CONNECTIONS_PER_USER: '2' })
const REASON = 'At most 2 connections per user'

t.test(
  'a DDP login past the cap is refused in its result; a closed one frees a place',
  async (t) => {
    const user = await createTestUser(db)
    const first = await ddp.loggedInSocket(t, url, user)
    await ddp.loggedInSocket(t, url, user)
    const third = await ddp.openConnected(t, url)
    t.same(await third.login(user), {
      msg: 'result',
      id: 'login',
      error: ddp.meteorError('too-many-connections', REASON),
    })
    // Logging in again on a socket that holds a place takes no other.
    t.notOk((await first.login(user, 'again')).error, 'a second login on the same socket')

    const other = await createTestUser(db)
    t.notOk((await third.login(other, 'other')).error, 'another user logs in on the same socket')

    first.close()
    await first.closed
    const fourth = await ddp.openConnected(t, url)
    t.notOk((await fourth.login(user)).error, 'a place freed')
  },
)

t.test('an event stream past the cap is refused with 429, DDP sockets counted', async (t) => {
  const user = await createTestUser(db)
  const socket = await ddp.loggedInSocket(t, url, user)
  await EventStreamClient.open(t, base, { user })
  const refused = await fetchEvents(base, { user })
  t.equal(refused.status, 429)
  t.same(await refused.json(), {
    success: false,
    error: `${REASON} [error-too-many-connections]`,
    errorType: 'error-too-many-connections',
  })
  socket.close()
  await socket.closed
  // The socket's place is given back once the server has seen it close.
  await until('a place freed for the stream', async () => {
    const response = await fetchEvents(base, { user })
    await response.body?.cancel()
    return response.status === 200
  })
})

t.test('the count goes down to nothing and up to the cap again', (t) => {
  const connections = new UserConnections(2)
  t.ok(connections.take('a'))
  t.ok(connections.take('a'))
  t.notOk(connections.take('a'))
  t.ok(connections.take('b'), 'another user')
  connections.give('a')
  t.ok(connections.take('a'))
  t.end()
})
