// A used event-stream ticket and the reconnects of its own stream: a browser's EventSource
// reconnects by itself with the same URL (the same ticket) and `Last-Event-ID`. Admitted within
// EVENTS_TICKET_RESUME_MS of the stream's last open moment, with nothing lost or repeated;
// refused without the id, past the bound, once the login is gone, or with another login.
import t, { type Test } from 'tap'
import { hashLoginToken } from '../../domain/ids.js'
import { api, fixture, refused, type TestUser, until, within } from '../helper.js'
import { listeningApp } from '../support/ddp.js'
import { type Block, EventStreamClient, fetchEvents, ticketFor } from './event-stream-client.js'

const db = await fixture.testDatabase(t)
const shared = await listeningApp(t, db)
type Shared = typeof shared

/** A new group with `members`; its id. */
async function newGroup(app: Shared['app'], owner: TestUser, members: TestUser[]) {
  const created = await api(app, owner).post('groups.create', {
    name: fixture.groupName('resume'),
    members: members.map((member) => member.username),
  })
  if (created.statusCode !== 200) throw new Error(created.body)
  return created.json().group._id as string
}

/** Whether a block is the user's `rooms-changed` for this group. */
const roomChanged = (user: TestUser, roomId: string) => (block: Block) =>
  block.event === `stream-notify-user/${user.id}/rooms-changed` &&
  (JSON.parse(block.data ?? '[]') as Array<{ _id?: string }>)[1]?._id === roomId

/** Waits until a client has received a block matching, without taking it. */
async function heard(client: EventStreamClient, match: (block: Block) => boolean) {
  await until(
    () => `not received; received ${client.blocks.map((b) => `${b.id} ${b.event}`).join(', ')}`,
    () => client.blocks.some(match),
  )
}

const ids = (client: EventStreamClient) => client.events().map((block) => block.id)

function lastId(client: EventStreamClient): string {
  const id = client.events().at(-1)?.id
  if (!id) throw new Error('no event received')
  return id
}

async function ticketRow(ticket: string) {
  return db
    .selectFrom('event_tickets')
    .selectAll()
    .where('hashed_ticket', '=', hashLoginToken(ticket))
    .executeTakeFirst()
}

/** A user whose ticket opened a stream that received one event, then closed. */
async function usedTicket(t: Test, { app, base }: Shared, user: TestUser) {
  const owner = await fixture.createTestUser(db)
  const ticket = await ticketFor(base, user)
  const first = await EventStreamClient.open(t, base, { ticket })
  const roomId = await newGroup(app, owner, [user])
  await heard(first, roomChanged(user, roomId))
  first.close()
  await first.ended
  return { ticket, first, owner, lastEventId: lastId(first) }
}

async function assertRefused(t: Test, response: Response, what: string) {
  if (!t.equal(response.status, 401, what)) {
    // An accepted stream stays open: closed, so that the failure is reported at once.
    await response.body?.cancel()
    return
  }
  t.same(await response.json(), refused.notLoggedIn, what)
}

t.test(
  'a reconnect with Last-Event-ID resumes the ticket’s stream: none lost, none repeated',
  async (t) => {
    const { app, base } = shared
    const user = await fixture.createTestUser(db)
    const owner = await fixture.createTestUser(db)
    const witness = await EventStreamClient.open(t, base, { user })
    const ticket = await ticketFor(base, user)
    const first = await EventStreamClient.open(t, base, { ticket })

    const before = await newGroup(app, owner, [user])
    await heard(first, roomChanged(user, before))
    first.close()
    await first.ended
    // While no stream is open: what the reconnect must bring.
    const between = await newGroup(app, owner, [user])
    await heard(witness, roomChanged(user, between))

    const resumed = await EventStreamClient.open(t, base, { ticket, lastEventId: lastId(first) })
    const after = await newGroup(app, owner, [user])
    await heard(witness, roomChanged(user, after))
    await heard(resumed, roomChanged(user, after))

    t.ok(
      resumed.events().some(roomChanged(user, between)),
      'what happened while it was away arrives',
    )
    const received = [...ids(first), ...ids(resumed)]
    t.same(received, ids(witness), 'every event once, in order')
    t.equal(new Set(received).size, received.length, 'none repeated')

    // Its own reconnects, again and again, as EventSource makes them.
    resumed.close()
    await resumed.ended
    const again = await EventStreamClient.open(t, base, { ticket, lastEventId: lastId(resumed) })
    const last = await newGroup(app, owner, [user])
    await heard(again, roomChanged(user, last))
    await heard(witness, roomChanged(user, last))
    t.same([...received, ...ids(again)], ids(witness), 'a second reconnect too')
  },
)

t.test('a used ticket without Last-Event-ID is refused as before', async (t) => {
  const { base } = shared
  const user = await fixture.createTestUser(db)
  const { ticket } = await usedTicket(t, shared, user)
  await assertRefused(t, await fetchEvents(base, { ticket }), 'no Last-Event-ID')
  await assertRefused(
    t,
    await fetchEvents(base, { ticket, headers: { 'last-event-id': '' } }),
    'an empty Last-Event-ID',
  )

  // Refused while its stream is still open, too.
  const open = await ticketFor(base, user)
  const stream = await EventStreamClient.open(t, base, { ticket: open })
  await stream.next()
  await assertRefused(t, await fetchEvents(base, { ticket: open }), 'its stream open')
})

t.test('two first uses at once: one stream', async (t) => {
  const { base } = shared
  const user = await fixture.createTestUser(db)
  const ticket = await ticketFor(base, user)
  const answers = await Promise.all([fetchEvents(base, { ticket }), fetchEvents(base, { ticket })])
  t.same(answers.map((answer) => answer.status).sort(), [200, 401])
  for (const answer of answers) await answer.body?.cancel()
})

t.test('the bound: kept while the stream is open, lapsing after it closed', async (t) => {
  const resumeMs = 1500
  const app = await listeningApp(t, db, { EVENTS_TICKET_RESUME_MS: String(resumeMs) })
  const user = await fixture.createTestUser(db)
  const ticket = await ticketFor(app.base, user)
  const issued = await ticketRow(ticket)
  t.equal(issued?.used_at, null, 'unused')

  const opened = Date.now()
  const stream = await EventStreamClient.open(t, app.base, { ticket })
  await stream.next()
  const used = await ticketRow(ticket)
  t.ok(used?.used_at instanceof Date, 'used')
  // Kept on while open: still admitting reconnects past the bound counted from its opening.
  await until('kept while open', async () => {
    const row = await ticketRow(ticket)
    return (row?.expires_at.getTime() ?? 0) > opened + resumeMs + 500
  })
  await until('the bound counted from the opening to pass', () => Date.now() > opened + resumeMs)
  const reconnect = await fetchEvents(app.base, { ticket, lastEventId: '1.1.0' })
  t.equal(reconnect.status, 200, 'admitted past the bound counted from its opening')
  await reconnect.body?.cancel()

  stream.close()
  await stream.ended
  const closed = Date.now()
  await until('kept from when it closed', async () => {
    const row = await ticketRow(ticket)
    return (row?.expires_at.getTime() ?? 0) >= closed + resumeMs - 100
  })
  const row = await ticketRow(ticket)
  t.ok((row?.expires_at.getTime() ?? 0) <= Date.now() + resumeMs, 'no more than the bound')

  // Past the bound, by the clock alone: refused, id or not.
  await until('the ticket to lapse', async () => {
    const lapsing = await ticketRow(ticket)
    return lapsing !== undefined && lapsing.expires_at.getTime() < Date.now()
  })
  await assertRefused(t, await fetchEvents(app.base, { ticket, lastEventId: '1.1.0' }), 'lapsed')
  await assertRefused(t, await fetchEvents(app.base, { ticket }), 'lapsed, without an id')
})

t.test('useless once its login is gone', async (t) => {
  const { app, base } = shared
  for (const [what, end] of [
    ['logout', async (user: TestUser) => api(app, user).post('logout')],
    [
      'the token removed',
      (user: TestUser) =>
        db
          .deleteFrom('login_tokens')
          .where('hashed_token', '=', hashLoginToken(user.headers['x-auth-token'] ?? ''))
          .execute(),
    ],
    [
      'the user deactivated',
      (user: TestUser) =>
        db.updateTable('users').set({ active: false }).where('id', '=', user.id).execute(),
    ],
    [
      'the user deleted',
      (user: TestUser) => db.deleteFrom('users').where('id', '=', user.id).execute(),
    ],
  ] as const) {
    const user = await fixture.createTestUser(db)
    const { ticket, lastEventId } = await usedTicket(t, shared, user)
    const before = await fetchEvents(base, { ticket, lastEventId })
    t.equal(before.status, 200, `before ${what}`)
    await before.body?.cancel()
    await end(user)
    // Changed straight in the database, the login is known gone once the app has heard of it.
    await fixture.loginChangesHeard(db)
    await assertRefused(t, await fetchEvents(base, { ticket, lastEventId }), what)
  }
})

t.test(
  'another login’s ticket is refused; a ticket never reveals another user’s events',
  async (t) => {
    const { app, base } = shared
    const user = await fixture.createTestUser(db)
    const other = await fixture.createTestUser(db)
    const fresh = await ticketFor(base, user)
    await assertRefused(t, await fetchEvents(base, { ticket: fresh, user: other }), 'a new ticket')
    const { ticket, lastEventId } = await usedTicket(t, shared, user)
    await assertRefused(
      t,
      await fetchEvents(base, { ticket, lastEventId, user: other }),
      'a used ticket with its reconnect',
    )
    // The same user's other login is another login, too.
    const otherLogin = await api(app).post('login', {
      user: user.username,
      password: fixture.TEST_PASSWORD,
    })
    t.equal(otherLogin.statusCode, 200)
    await assertRefused(
      t,
      await fetchEvents(base, {
        ticket,
        lastEventId,
        headers: { 'x-user-id': user.id, 'x-auth-token': otherLogin.json().data.authToken },
      }),
      "the same user's other login",
    )

    // The other user's private group, and an id from the other user's own stream.
    const others = await EventStreamClient.open(t, base, { user: other })
    const secret = await newGroup(app, other, [])
    await heard(others, roomChanged(other, secret))
    const resumed = await EventStreamClient.open(t, base, { ticket, lastEventId: lastId(others) })
    const mine = await newGroup(app, other, [user])
    await heard(resumed, roomChanged(user, mine))
    t.notOk(resumed.text.includes(secret), 'nothing of the other user’s group')
    t.notOk(
      resumed.events().some((block) => block.event?.includes(other.id)),
      'nothing of the other user’s own events',
    )
  },
)

t.test(
  'a hostile Last-Event-ID on a used ticket gets no more than the user’s own stream',
  async (t) => {
    const { app, base } = shared
    const user = await fixture.createTestUser(db)
    const { ticket, owner } = await usedTicket(t, shared, user)
    const stranger = await fixture.createTestUser(db)
    const secret = await newGroup(app, stranger, [])
    for (const lastEventId of ['0', 'x'.repeat(1024), '-1.-1.-1', '99999999999.0.0']) {
      const stream = await EventStreamClient.open(t, base, { ticket, lastEventId })
      const roomId = await newGroup(app, owner, [user])
      await heard(stream, roomChanged(user, roomId))
      t.notOk(stream.text.includes(secret), `${lastEventId.slice(0, 20)}: nothing of another group`)
      t.notOk(stream.text.includes(stranger.id), `${lastEventId.slice(0, 20)}: nor another user`)
      stream.close()
      await within('the stream ends', stream.ended)
    }
    const tooLong = await fetchEvents(base, { ticket, query: { lastEventId: '1'.repeat(1025) } })
    t.equal(tooLong.status, 400)
    t.match(await tooLong.json(), { success: false, errorType: 'invalid-params' })
  },
)
