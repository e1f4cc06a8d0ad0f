// GET /api/v1/events and POST /api/v1/events.ticket over a real socket, read with Node's fetch
// the way a browser's EventSource reads them: logins and tickets, what the stream carries and
// to whom, resuming from an id, and how a stream ends.
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { hashLoginToken } from '../../domain/ids.js'
import {
  api,
  createTestUser,
  databaseNow,
  ddp,
  fixture,
  groupName,
  refused,
  stampedBetween,
  type TestUser,
  testDatabase,
  until,
  within,
} from '../helper.js'
import {
  type Block,
  EventStreamClient,
  fetchEvents,
  ticketFor,
  WAIT_MS,
} from './event-stream-client.js'

const db = await testDatabase(t)
const shared = await ddp.listeningApp(t, db)

/**
 * A stream's arguments with each EJSON date stamped between two readings of the database's
 * clock replaced by DATE; any other date is left in, to fail the comparison.
 */
function dated(value: unknown, from: number, to: number): unknown {
  if (Array.isArray(value)) return value.map((item) => dated(item, from, to))
  if (value === null || typeof value !== 'object') return value
  const entries = Object.entries(value)
  const [only] = entries
  if (entries.length === 1 && only?.[0] === '$date' && typeof only[1] === 'number') {
    return stampedBetween(only[1], from, to) ? ddp.DATE : value
  }
  return Object.fromEntries(entries.map(([key, field]) => [key, dated(field, from, to)]))
}

/** A fresh stream's first block: the reconnection delay, and where the stream starts, if the log has begun. */
const OPENING = { retry: '3000' }
const isEvent = (name: string) => (block: Block) => block.event === name
const roomsChanged = (user: TestUser) => `stream-notify-user/${user.id}/rooms-changed`
const subscriptionsChanged = (user: TestUser) =>
  `stream-notify-user/${user.id}/subscriptions-changed`

/** The `rooms-changed` block of a group with this topic. */
const topicIs = (user: TestUser, topic: string) => (block: Block) =>
  block.event === roomsChanged(user) &&
  (JSON.parse(block.data ?? '[]') as Array<{ topic?: string }>)[1]?.topic === topic

/**
 * A new group with the user in it: once its `rooms-changed` arrives, everything logged before it
 * has been delivered. Its own blocks are taken out.
 */
async function barrier(app: typeof shared.app, client: EventStreamClient, user: TestUser) {
  const roomId = await fixture.barrierGroup(app, db, user)
  await client.next(
    (block) =>
      block.event === roomsChanged(user) &&
      (JSON.parse(block.data ?? '[]') as Array<{ _id?: string }>)[1]?._id === roomId,
  )
  for (let i = client.blocks.length - 1; i >= 0; i--) {
    if (client.blocks[i]?.data?.includes(roomId)) client.blocks.splice(i, 1)
  }
}

/**
 * Waits until the shared app's relay has handed out everything logged so far, so that a stream
 * opened next starts after it: a stream of its own hears a group made after all of it.
 */
async function relayCaughtUp(t: Test) {
  const user = await createTestUser(db)
  const stream = await EventStreamClient.open(t, shared.base, { user })
  await stream.next()
  await barrier(shared.app, stream, user)
  stream.close()
}

/** Waits until a client has received a block matching, without taking it. */
async function waitFor(
  client: EventStreamClient,
  match: (block: Block) => boolean,
  timeoutMs = WAIT_MS,
) {
  const heard = () => client.blocks.map((block) => `${block.id} ${block.event}`).join(', ')
  await until(
    () => `not received; received ${heard()}`,
    () => client.blocks.some(match),
    { timeoutMs },
  )
}

/** The event blocks a client received after the one with this id. */
function after(client: EventStreamClient, id: string): Block[] {
  const events = client.events()
  const at = events.findIndex((block) => block.id === id)
  if (at < 0) throw new Error(`never received ${id}`)
  return events.slice(at + 1)
}

t.test('without a login the stream is refused with 401, as every route is', async (t) => {
  const { base } = shared
  const user = await createTestUser(db)
  const other = await createTestUser(db)
  for (const [name, headers] of [
    ['no headers', {}],
    ['an unknown token', { 'x-user-id': user.id, 'x-auth-token': 'not-a-token-anyone-was-given' }],
    [
      "another user's token",
      { 'x-user-id': user.id, 'x-auth-token': other.headers['x-auth-token'] },
    ],
    ['a token without a user id', { 'x-auth-token': user.headers['x-auth-token'] }],
  ] as const) {
    const response = await fetchEvents(base, { headers })
    t.equal(response.status, 401, name)
    t.same(await response.json(), refused.notLoggedIn, name)
  }
})

t.test('an unknown, used or expired ticket is refused like no login', async (t) => {
  const { base } = shared
  const user = await createTestUser(db)
  const unknown = await fetchEvents(base, { ticket: 'not-a-ticket-anyone-was-given' })
  t.equal(unknown.status, 401)
  t.same(await unknown.json(), refused.notLoggedIn, 'unknown')

  const expiring = await ticketFor(base, user)
  await db
    .updateTable('event_tickets')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('hashed_ticket', '=', hashLoginToken(expiring))
    .execute()
  const expired = await fetchEvents(base, { ticket: expiring })
  t.equal(expired.status, 401)
  t.same(await expired.json(), refused.notLoggedIn, 'expired')

  const logged = await ticketFor(base, user)
  await api(shared.app, user).post('logout')
  const loggedOut = await fetchEvents(base, { ticket: logged })
  t.equal(loggedOut.status, 401)
  t.same(await loggedOut.json(), refused.notLoggedIn, 'its login gone')
})

t.test('a ticket opens one stream, once, and only its hash is stored', async (t) => {
  const { base } = shared
  const user = await createTestUser(db)
  const before = Date.now()
  const answer = await fetch(`${base}/api/v1/events.ticket`, {
    method: 'POST',
    headers: user.headers,
  })
  t.equal(answer.status, 200)
  const body = (await answer.json()) as { ticket: string; expires: string }
  t.same(Object.keys(body), ['ticket', 'expires', 'success'])
  t.match(body, { ticket: /^[\w-]{43}$/, expires: fixture.ISO_TIMESTAMP, success: true })
  const expires = Date.parse(body.expires)
  t.ok(expires >= before + 60_000 && expires <= Date.now() + 60_000, 'a minute from now')

  const rows = await db.selectFrom('event_tickets').selectAll().execute()
  t.notOk(JSON.stringify(rows).includes(body.ticket), 'the ticket itself is stored nowhere')
  t.same(
    rows.filter((row) => row.hashed_ticket === hashLoginToken(body.ticket)),
    [
      {
        hashed_ticket: hashLoginToken(body.ticket),
        hashed_token: hashLoginToken(user.headers['x-auth-token']),
        expires_at: new Date(body.expires),
        used_at: null,
      },
    ],
  )

  const stream = await EventStreamClient.open(t, base, { ticket: body.ticket })
  t.match(await stream.next(), OPENING)
  const again = await fetchEvents(base, { ticket: body.ticket })
  t.equal(again.status, 401, 'used up, for a request without Last-Event-ID')
  t.same(await again.json(), refused.notLoggedIn)
})

t.test('a ticket needs a login to be made', async (t) => {
  const response = await fetch(`${shared.base}/api/v1/events.ticket`, { method: 'POST' })
  t.equal(response.status, 401)
  t.same(await response.json(), refused.notLoggedIn)
})

t.test('a ticket or id past its bound is refused; a long id is only unknown', async (t) => {
  const { base } = shared
  const user = await createTestUser(db)
  const ticket = await fetchEvents(base, { ticket: 't'.repeat(129) })
  t.equal(ticket.status, 400)
  t.same(
    await ticket.json(),
    refused.invalidParams('ticket must NOT have more than 128 characters'),
  )
  const id = await fetchEvents(base, { user, query: { lastEventId: '1'.repeat(1025) } })
  t.equal(id.status, 400)
  t.same(
    await id.json(),
    refused.invalidParams('lastEventId must NOT have more than 1024 characters'),
  )
  const stream = await EventStreamClient.open(t, base, { user, lastEventId: '1.1.1'.repeat(20) })
  t.match(await stream.next(isEvent('reset')), { event: 'reset' })
})

t.test(
  'the stream is text/event-stream, not cached or buffered, and opens with retry',
  async (t) => {
    const user = await createTestUser(db)
    const stream = await EventStreamClient.open(t, shared.base, { user })
    const { headers } = stream.response
    t.equal(headers.get('content-type'), 'text/event-stream; charset=utf-8')
    t.equal(headers.get('cache-control'), 'no-cache')
    t.equal(headers.get('connection'), 'keep-alive')
    t.equal(headers.get('x-accel-buffering'), 'no')
    t.match(headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'with the headers every answer has')
    await stream.next()
    t.match(stream.text, /^retry: 3000\n(id: \d+\.\d+\.999\n)?\n$/, 'and where it starts')
  },
)

t.test('a cross-origin EventSource is let read the stream', async (t) => {
  const { base } = await ddp.listeningApp(t, db, { CORS_ORIGIN: 'https://chat.example.com' })
  const user = await createTestUser(db)
  const stream = await EventStreamClient.open(t, base, {
    ticket: await ticketFor(base, user),
    headers: { origin: 'https://chat.example.com' },
  })
  t.equal(stream.response.headers.get('access-control-allow-origin'), 'https://chat.example.com')
  t.match(await stream.next(), OPENING)
})

t.test('a quiet stream gets a keep-alive comment every REALTIME_SSE_KEEPALIVE_MS', async (t) => {
  const { base } = await ddp.listeningApp(t, db, { REALTIME_SSE_KEEPALIVE_MS: '100' })
  const user = await createTestUser(db)
  const stream = await EventStreamClient.open(t, base, { user })
  await stream.next()
  t.same(await stream.next(), { comment: 'keep-alive' })
  t.same(await stream.next(), { comment: 'keep-alive' })
  t.match(stream.text, /^retry: 3000\n(id: \S+\n)?\n: keep-alive\n\n: keep-alive\n\n$/)
})

t.test('a change by another member arrives with its id, stream and arguments', async (t) => {
  const { app, base } = shared
  const since = await databaseNow(db)
  const { owner, member, group: created } = await fixture.groupWith(app, db, { member: {} })
  const group: ddp.GroupState = { ...created, creator: owner, usersCount: 2, msgs: 0 }
  await relayCaughtUp(t)
  const stream = await EventStreamClient.open(t, base, { user: member })
  await stream.next()

  await api(app, owner).on(group).post('groups.setTopic', { topic: 'news' })
  Object.assign(group, { topic: 'news', msgs: 1 })
  const room = await stream.next(isEvent(roomsChanged(member)))
  const message = await stream.next(isEvent(`stream-room-messages/${group._id}`))
  const heardBy = await databaseNow(db)
  t.match(room, { id: /^\d+\.\d+\.\d+$/, event: roomsChanged(member) })
  t.same(Object.keys(room), ['id', 'event', 'data'])
  t.same(dated(JSON.parse(room.data ?? ''), since, heardBy), ['updated', ddp.roomDocument(group)])
  t.same(dated(JSON.parse(message.data ?? ''), since, heardBy), [
    await ddp.systemMessage(db, group, owner, { t: 'room_changed_topic', msg: 'news' }),
  ])
  t.not(room.id, message.id, 'each event its own id')
  t.same(stream.events(), [], 'nothing else')
})

t.test("a non-member never receives a group's events", async (t) => {
  const { app, base } = shared
  const { owner, group } = await fixture.groupWith(app, db, { member: {} })
  const outsider = await createTestUser(db)
  await relayCaughtUp(t)
  const stream = await EventStreamClient.open(t, base, { user: outsider })
  await fixture.changeEveryWay(app, db, owner, group, groupName('renamed'))
  await barrier(app, stream, outsider)
  t.same(stream.events(), [], 'no event of the group, no room role change')
})

t.test('a kicked member gets the removal of their subscription, then nothing', async (t) => {
  const { app, base } = shared
  const { owner, member, group } = await fixture.groupWith(app, db, { member: {} })
  await relayCaughtUp(t)
  const stream = await EventStreamClient.open(t, base, { user: member })
  const removed = await ddp.removedSubscription(
    db,
    { ...group, creator: owner, usersCount: 2, msgs: 0 },
    member,
  )
  const g = api(app, owner).on(group)
  await g.post('groups.kick', { userId: member.id })
  const removal = await stream.next(isEvent(subscriptionsChanged(member)))
  t.same(JSON.parse(removal.data ?? ''), ['removed', removed])

  await g.post('groups.rename', { name: groupName('after') })
  await g.post('groups.setTopic', { topic: 'after the kick' })
  await barrier(app, stream, member)
  t.same(stream.events(), [], 'nothing about the group after the removal')
})

t.test('resuming with Last-Event-ID gets exactly the missed events, then live', async (t) => {
  const { app, base } = shared
  const { owner, member, group } = await fixture.groupWith(app, db, { member: {} })
  const witness = await EventStreamClient.open(t, base, { user: member })
  const client = await EventStreamClient.open(t, base, { user: member })
  const g = api(app, owner).on(group)
  await g.post('groups.setTopic', { topic: 'before' })
  await waitFor(client, topicIs(member, 'before'))
  const last = client.events().at(-1)?.id as string
  client.close()
  await client.ended

  await g.post('groups.rename', { name: groupName('renamed') })
  await g.post('groups.addModerator', { userId: member.id })
  await g.post('groups.setAnnouncement', { announcement: 'news' })
  await g.post('groups.setTopic', { topic: 'away' })
  await waitFor(witness, topicIs(member, 'away'))
  const missed = after(witness, last)
  t.ok(missed.length >= 8, `${missed.length} events missed`)

  // The header wins over the query parameter.
  const back = await EventStreamClient.open(t, base, {
    user: member,
    lastEventId: last,
    query: { lastEventId: 'not an id' },
  })
  await waitFor(back, topicIs(member, 'away'))
  t.same(back.blocks[0], { retry: '3000' })
  t.same(back.events(), missed, 'exactly the missed events, in order, as sent live')

  await g.post('groups.setTopic', { topic: 'live' })
  await waitFor(back, topicIs(member, 'live'))
  await waitFor(witness, topicIs(member, 'live'))
  t.same(back.events(), after(witness, last), 'then live, once')
})

t.test('an unknown id gets a reset with an id, from which the stream resumes', async (t) => {
  const { app, base } = shared
  const { owner, member, group } = await fixture.groupWith(app, db, { member: {} })
  const g = api(app, owner).on(group)
  const client = await EventStreamClient.open(t, base, {
    user: member,
    query: { lastEventId: '1.1.1' },
  })
  const reset = await client.next(isEvent('reset'))
  t.match(reset, { id: /^\d+\.\d+\.\d+$/, event: 'reset' })
  t.same(JSON.parse(reset.data ?? ''), {
    error: 'error-events-reset',
    reason:
      'The events after this id are no longer kept: reload with REST (subscriptions.get, rooms.get), then go on from this event',
  })
  await g.post('groups.setTopic', { topic: 'after the reset' })
  await waitFor(client, topicIs(member, 'after the reset'))
  const live = client.events()
  client.close()

  const back = await EventStreamClient.open(t, base, { user: member, lastEventId: reset.id })
  await waitFor(back, topicIs(member, 'after the reset'))
  t.same(back.events(), live, 'what came after the reset, and no reset')
})

t.test('logging out ends the stream within a second, by headers or by ticket', async (t) => {
  const { app, base } = shared
  const user = await createTestUser(db)
  const byHeaders = await EventStreamClient.open(t, base, { user })
  const byTicket = await EventStreamClient.open(t, base, { ticket: await ticketFor(base, user) })
  await byHeaders.next()
  await byTicket.next()
  const start = Date.now()
  const logout = await api(app, user).post('logout')
  t.equal(logout.statusCode, 200)
  await within('the streams end', Promise.all([byHeaders.ended, byTicket.ended]))
  const took = Date.now() - start
  t.ok(byHeaders.done && byTicket.done && took < 1000, `ended after ${took} ms`)
})

/** The body of a chunked HTTP/1.1 answer, as far as it came. */
function unchunk(raw: string): string {
  let body = ''
  let rest = raw.slice(raw.indexOf('\r\n\r\n') + 4)
  for (let eol = rest.indexOf('\r\n'); eol > 0; eol = rest.indexOf('\r\n')) {
    const size = Number.parseInt(rest.slice(0, eol), 16)
    body += rest.slice(eol + 2, eol + 2 + size)
    rest = rest.slice(eol + 4 + size)
  }
  return body
}

/** The ids of the events in a stream's text (not the opening's id, which names no event). */
const eventIds = (text: string) =>
  [...text.matchAll(/^id: (.*)\nevent: /gm)].map((match) => match[1])

t.test('a client that stops reading is cut off; one that reads is kept', async (t) => {
  // Room for the few changes the relay may deliver at once, which a client that reads takes.
  // Each topic change of its group is about 20 kB to each stream.
  const { app, base, member, g } = await ddp.slowReaderScene(t, db, 262_144)
  const witness = await EventStreamClient.open(t, base, { user: member })
  const slow = connect(Number(new URL(base).port), '127.0.0.1')
  t.teardown(() => slow.destroy())
  const received: Buffer[] = []
  slow.on('data', (chunk: Buffer) => received.push(chunk))
  const raw = () => Buffer.concat(received).toString()
  slow.write(
    `GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-User-Id: ${member.id}\r\nX-Auth-Token: ${member.headers['x-auth-token']}\r\n\r\n`,
  )
  await until('the stream opened', () => raw().includes('retry: 3000'))
  const ended = () => raw().endsWith('\r\n0\r\n\r\n')

  // Rounds of big changes while it does not read, twice as many each time, until the kernel's
  // buffers are full and the server's own buffer passes its limit.
  let changes = 0
  for (let round = 200; !ended() && changes < 5000; round *= 2) {
    slow.pause()
    for (let sent = 0; sent < round; sent++) {
      await g.post('groups.setTopic', { topic: `${changes++} `.padEnd(5000, '.') })
    }
    const last = `last of ${changes}`
    await g.post('groups.setTopic', { topic: last })
    await waitFor(witness, topicIs(member, last), 60_000)
    witness.blocks.length = 0
    slow.resume()
    await until('cut off, or read up to the last change', () => ended() || raw().includes(last), {
      timeoutMs: 60_000,
    })
  }
  t.ok(ended(), `the answer ended after ${changes} changes`)
  t.match(raw(), /^HTTP\/1\.1 200 OK\r\n/)
  const slowIds = eventIds(unchunk(raw()))
  const witnessIds = eventIds(witness.text)
  t.ok(slowIds.length < witnessIds.length, 'the slow client missed what came after the cut')
  t.same(slowIds, witnessIds.slice(0, slowIds.length), 'what it got is whole and in order')
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(metrics, /^realtime_slow_client_closes_total\{transport="sse"\} 1$/m, 'counted')

  await g.post('groups.setTopic', { topic: 'still reading' })
  await waitFor(witness, topicIs(member, 'still reading'))
  t.notOk(witness.done, 'a client that reads is kept')
})

t.test('a stream that got no event resumes from the id it opened with', async (t) => {
  const { app, base } = await ddp.listeningApp(t, db)
  const { owner, member, group } = await fixture.groupWith(app, db, { member: {} })
  const first = await EventStreamClient.open(t, base, { user: member })
  const opening = await first.next()
  t.match(opening, { ...OPENING, id: /^\d+\.\d+\.999$/ }, 'the log has begun: with an id')
  first.close()
  await api(app, owner).on(group).post('groups.setTopic', { topic: 'while away' })
  const back = await EventStreamClient.open(t, base, { user: member, lastEventId: opening.id })
  const block = await back.next(topicIs(member, 'while away'))
  t.match(block, { event: roomsChanged(member) }, 'the change made while away arrives')
  t.strictSame(
    back.events().filter((event) => event.event === 'reset'),
    [],
    'resumed, not reset',
  )
})
