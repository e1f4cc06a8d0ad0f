import { sql } from 'kysely'
import t from 'tap'
import {
  api,
  createTestUser,
  ddp,
  fixture,
  groupName,
  type TestUser,
  testDatabase,
  until,
} from '../helper.js'

const db = await testDatabase(t)
const shared = await ddp.listeningApp(t, db)

const NOT_ALLOWED = ddp.notAllowed
const RESET_REASON =
  'The events after this id are no longer kept: reload with REST (subscriptions.get, rooms.get) and subscribe again without lastEventId'
const EVENTS_RESET = ddp.meteorError('error-events-reset', RESET_REASON)

type Stream = [id: string, name: string, eventName: string]

/** Every stream a member's client follows for one group. */
function streamsOf(user: TestUser, roomId: string): Stream[] {
  return [
    ['subs', 'stream-notify-user', `${user.id}/subscriptions-changed`],
    ['rooms', 'stream-notify-user', `${user.id}/rooms-changed`],
    ['roles', 'stream-notify-logged', 'roles-change'],
    ['messages', 'stream-room-messages', roomId],
    ['mine', 'stream-room-messages', '__my_messages__'],
  ]
}

interface Heard {
  id: string
  args: unknown[]
}

/** The events of one stream a client has received, with their ids, in order (none taken). */
function heard(client: ddp.RawDdp, [, name, eventName]: Stream): Heard[] {
  return client.eventFrames(name, eventName).map((frame) => ({
    id: client.eventIds.get(frame) ?? 'missing',
    args: (frame.fields as { args: unknown[] }).args,
  }))
}

/** Waits until a client has received a frame matching, without taking it. */
async function waitFor(client: ddp.RawDdp, match: (frame: ddp.DdpFrame) => boolean) {
  await until(
    () => `not received; received ${JSON.stringify(client.received)}`,
    () => client.received.some(match),
  )
}

const topicIs = (user: TestUser, topic: string) => (frame: ddp.DdpFrame) =>
  frame.msg === 'changed' &&
  (frame.fields as { eventName: string }).eventName === `${user.id}/rooms-changed` &&
  (frame.fields as { args: Array<{ topic?: string }> }).args[1]?.topic === topic

const answered = (id: string) => (frame: ddp.DdpFrame) =>
  (frame.msg === 'ready' && (frame.subs as string[]).includes(id)) ||
  (frame.msg === 'nosub' && frame.id === id)

/** The events a witness that never disconnected received on a stream after an id. */
function after(witness: ddp.RawDdp, stream: Stream, id: string): Heard[] {
  const all = heard(witness, stream)
  const at = all.findIndex((event) => event.id === id)
  if (at < 0) throw new Error(`the witness never received ${id}`)
  return all.slice(at + 1)
}

async function subscribeAll(client: ddp.RawDdp, streams: Stream[], lastIds?: Map<string, string>) {
  for (const [id, name, eventName] of streams) {
    const answer = await client.subscribe(id, name, eventName, lastIds?.get(id))
    if (answer.msg !== 'ready') throw new Error(`not subscribed: ${JSON.stringify(answer)}`)
  }
}

t.test(
  'a client that reconnects with its last ids receives exactly what it missed, then live',
  async (t) => {
    const { app, url } = shared
    const { owner, member, group } = await fixture.groupFixture(t, db)
    const other = await createTestUser(db)
    const streams = streamsOf(member, group._id)
    const witness = await ddp.loggedInSocket(t, url, member)
    await subscribeAll(witness, streams)
    const client = await ddp.loggedInSocket(t, url, member)
    await subscribeAll(client, streams)

    const owned = api(app, owner).on(group)
    await owned.post('groups.setTopic', { topic: 'before' })
    await owned.post('groups.addModerator', { userId: member.id })
    await waitFor(client, topicIs(member, 'before'))
    await waitFor(client, (frame) => frame.collection === 'stream-notify-logged')
    const lastIds = new Map<string, string>()
    for (const stream of streams) {
      const last = heard(client, stream).at(-1)
      if (last) lastIds.set(stream[0], last.id)
    }
    t.same([...lastIds.keys()].sort(), ['messages', 'mine', 'roles', 'rooms', 'subs'])
    client.close()
    await client.closed

    // While it is away: every kind of change a member hears of.
    await owned.post('groups.rename', { name: groupName('renamed') })
    await owned.post('groups.invite', { userId: other.id })
    await owned.post('groups.removeModerator', { userId: member.id })
    await owned.post('groups.addOwner', { userId: member.id })
    await owned.post('groups.kick', { userId: other.id })
    await owned.post('groups.setAnnouncement', { announcement: 'news' })
    await owned.post('groups.setTopic', { topic: 'away' })
    await waitFor(witness, topicIs(member, 'away'))

    const back = await ddp.loggedInSocket(t, url, member)
    await subscribeAll(back, streams, lastIds)
    for (const stream of streams) {
      const missed = after(witness, stream, lastIds.get(stream[0]) as string)
      t.ok(missed.length > 0, `${stream[0]} missed something`)
      t.same(heard(back, stream), missed, `${stream[0]}: exactly the missed events, in order`)
    }

    await owned.post('groups.setTopic', { topic: 'live' })
    await waitFor(back, topicIs(member, 'live'))
    await waitFor(witness, topicIs(member, 'live'))
    for (const stream of streams) {
      t.same(
        heard(back, stream),
        after(witness, stream, lastIds.get(stream[0]) as string),
        `${stream[0]}: then live, once`,
      )
    }
  },
)

t.test(
  'resuming while changes are being made leaves no gap and no repeat at the seam',
  async (t) => {
    const { app, url } = shared
    const { owner, member, group } = await fixture.groupFixture(t, db)
    const rooms: Stream = ['rooms', 'stream-notify-user', `${member.id}/rooms-changed`]
    const messages: Stream = ['messages', 'stream-room-messages', group._id]
    const witness = await ddp.loggedInSocket(t, url, member)
    await subscribeAll(witness, [rooms, messages])
    const owned = api(app, owner).on(group)
    await owned.post('groups.setTopic', { topic: 'start' })
    await waitFor(witness, topicIs(member, 'start'))
    const start = heard(witness, rooms).at(-1)?.id as string
    const startMessage = heard(witness, messages).at(-1)?.id as string

    for (let round = 0; round < 5; round++) {
      let written = 0
      const writes = (async () => {
        for (let i = 0; i < 8; i++) {
          await owned.post('groups.setTopic', { topic: `r${round}-${i}` })
          written++
        }
      })()
      const client = await ddp.loggedInSocket(t, url, member)
      // Each round resumes later into the writes: after at least `round` of them.
      await until('the writes under way', () => written >= round)
      await subscribeAll(
        client,
        [rooms, messages],
        new Map([
          ['rooms', start],
          ['messages', startMessage],
        ]),
      )
      await writes
      await owned.post('groups.setTopic', { topic: `end-${round}` })
      await waitFor(client, topicIs(member, `end-${round}`))
      await waitFor(witness, topicIs(member, `end-${round}`))
      t.same(heard(client, rooms), after(witness, rooms, start), `round ${round}: rooms-changed`)
      t.same(
        heard(client, messages),
        after(witness, messages, startMessage),
        `round ${round}: messages`,
      )
      client.close()
    }
  },
)

t.test(
  'the subscriptions of one connection resume side by side; an unsub ends a replay',
  async (t) => {
    const { app, url } = shared
    const { owner, member, group } = await fixture.groupFixture(t, db)
    const rooms: Stream = ['rooms', 'stream-notify-user', `${member.id}/rooms-changed`]
    const subs: Stream = ['subs', 'stream-notify-user', `${member.id}/subscriptions-changed`]
    const witness = await ddp.loggedInSocket(t, url, member)
    await subscribeAll(witness, [rooms])
    const owned = api(app, owner).on(group)
    await owned.post('groups.setTopic', { topic: 'seen' })
    await waitFor(witness, topicIs(member, 'seen'))
    const seen = heard(witness, rooms).at(-1)?.id as string
    await owned.post('groups.setTopic', { topic: 'missed' })
    await waitFor(witness, topicIs(member, 'missed'))

    // An event ahead of where every relay has read: a replay after it waits for the relay.
    const ahead = await sql<{ id: string }>`
      insert into events (xid, kind, data) values ('999999999999'::xid8, 'test.ahead', '{}'::jsonb)
      returning id`.execute(db)
    t.teardown(() => sql`delete from events where kind = 'test.ahead'`.execute(db))
    const client = await ddp.loggedInSocket(t, url, member)
    client.send(
      ddp.subFrame('waiting', subs[1], subs[2], [], `999999999999.${ahead.rows[0]?.id}.0`),
    )
    const answer = await client.subscribe('rooms', rooms[1], rooms[2], seen)
    t.same(answer, { msg: 'ready', subs: ['rooms'] }, 'resumed while the other still waits')
    t.same(heard(client, rooms), after(witness, rooms, seen))

    client.send({ msg: 'unsub', id: 'waiting' })
    t.same(await client.next(answered('waiting')), { msg: 'nosub', id: 'waiting' })
    const renamed = groupName('renamed')
    await owned.post('groups.rename', { name: renamed })
    // The rename reaches the live stream; the ended one would have had it first.
    await waitFor(
      client,
      (frame) =>
        frame.msg === 'changed' &&
        (frame.fields as { eventName: string }).eventName === rooms[2] &&
        (frame.fields as { args: Array<{ name?: string }> }).args[1]?.name === renamed,
    )
    t.same(client.eventFrames(subs[1], subs[2]), [], 'the ended replay is not live')
    t.notOk(client.received.some(answered('waiting')), 'and answers nothing more')
  },
)

t.test('an id from inside one change resumes with the rest of that change', async (t) => {
  const { app, url } = shared
  const { owner, group } = await fixture.groupFixture(t, db)
  const newcomer = await createTestUser(db)
  const witness = await ddp.loggedInSocket(t, url, newcomer)
  const newcomerStreams = streamsOf(newcomer, group._id).filter(([id]) => id !== 'messages')
  await subscribeAll(witness, newcomerStreams)
  await api(app, owner).on(group).post('groups.invite', { userId: newcomer.id })
  await api(app, owner).on(group).post('groups.setTopic', { topic: 'after-invite' })
  await waitFor(witness, topicIs(newcomer, 'after-invite'))
  // The invite sends the subscription, then the group: one id from the first resumes the second.
  const subscription = heard(witness, newcomerStreams[0] as Stream)[0] as Heard
  t.equal(subscription.args[0], 'inserted')
  const client = await ddp.loggedInSocket(t, url, newcomer)
  const roomsStream = newcomerStreams[1] as Stream
  await subscribeAll(client, [roomsStream], new Map([['rooms', subscription.id]]))
  const resumed = heard(client, roomsStream)
  t.same(resumed, heard(witness, roomsStream), 'the group inserted, then every later change')
  t.equal(resumed[0]?.args[0], 'inserted')
})

t.test('an id the log does not hold is refused with error-events-reset', async (t) => {
  const { url } = shared
  const { member, group } = await fixture.groupFixture(t, db)
  const client = await ddp.loggedInSocket(t, url, member)
  const head = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow()
  for (const [n, bad] of [
    'nonsense',
    '1.2',
    '99999999999999999999.1.0',
    '18446744073709551616.1.0',
    `1.${Number(head.id) + 1000}.0`,
    '1'.repeat(100),
    '0.0.0',
  ].entries()) {
    const id = `bad${n}`
    client.send({
      msg: 'sub',
      id,
      name: 'stream-room-messages',
      params: [group._id, { useCollection: false, args: [], lastEventId: bad }],
    })
    await waitFor(client, answered(id))
    const answer = client.received.find(answered(id))
    t.same(answer, { msg: 'nosub', id, error: EVENTS_RESET }, `${bad} is refused`)
  }
  // Still usable: the same subscription without an id is live.
  t.same(await client.subscribe('ok', 'stream-room-messages', group._id), {
    msg: 'ready',
    subs: ['ok'],
  })
})

t.test('an id whose events were pruned is refused with error-events-reset', async (t) => {
  const { app, url } = shared
  const { owner, member, group } = await fixture.groupFixture(t, db)
  const streams = streamsOf(member, group._id)
  const client = await ddp.loggedInSocket(t, url, member)
  await subscribeAll(client, streams)
  await api(app, owner).on(group).post('groups.setTopic', { topic: 'old' })
  await waitFor(client, topicIs(member, 'old'))
  const old = heard(client, streams[1] as Stream).at(-1) as Heard
  const [xid, id] = old.id.split('.')
  await db
    .deleteFrom('events')
    .where('xid', '=', xid as never)
    .where('id', '=', id as never)
    .execute()
  const back = await ddp.loggedInSocket(t, url, member)
  t.same(
    await back.subscribe('rooms', 'stream-notify-user', `${member.id}/rooms-changed`, old.id),
    {
      msg: 'nosub',
      id: 'rooms',
      error: EVENTS_RESET,
    },
  )
})

t.test(
  'a member removed while away gets what they missed up to the removal, then a nosub',
  async (t) => {
    const { app, url } = shared
    const { owner, member, group } = await fixture.groupFixture(t, db)
    const streams = streamsOf(member, group._id)
    const messages = streams[3] as Stream
    const witness = await ddp.loggedInSocket(t, url, member)
    await subscribeAll(witness, streams)
    const owned = api(app, owner).on(group)
    await owned.post('groups.setTopic', { topic: 'seen' })
    await waitFor(witness, topicIs(member, 'seen'))
    const lastSeen = heard(witness, messages).at(-1) as Heard

    await owned.post('groups.setTopic', { topic: 'missed' })
    await owned.post('groups.kick', { userId: member.id })
    await owned.post('groups.setTopic', { topic: 'after the kick' })
    await waitFor(witness, (frame) => frame.msg === 'nosub' && frame.id === 'messages')

    const back = await ddp.loggedInSocket(t, url, member)
    const answer = await back.subscribe('messages', 'stream-room-messages', group._id, lastSeen.id)
    t.same(answer, { msg: 'nosub', id: 'messages', error: NOT_ALLOWED })
    const replayed = heard(back, messages)
    t.same(replayed, after(witness, messages, lastSeen.id), 'the same as the witness heard')
    t.same(
      replayed.map((event) => (event.args[0] as { t?: string }).t),
      ['room_changed_topic'],
      'the missed topic, nothing from the removal on',
    )
    t.notOk(JSON.stringify(back.received).includes('after the kick'))

    // Someone who was never in the group learns nothing with an id someone else received: it
    // is not one of theirs, and is answered as any unknown id.
    const outsider = await createTestUser(db)
    const stranger = await ddp.loggedInSocket(t, url, outsider)
    t.same(await stranger.subscribe('messages', 'stream-room-messages', group._id, lastSeen.id), {
      msg: 'nosub',
      id: 'messages',
      error: EVENTS_RESET,
    })
    t.same(
      stranger.received.filter((frame) => frame.msg === 'changed'),
      [],
      'no event of the group',
    )
    // Nor with another user's stream.
    t.same(
      await stranger.subscribe(
        'theirs',
        'stream-notify-user',
        `${member.id}/subscriptions-changed`,
        lastSeen.id,
      ),
      { msg: 'nosub', id: 'theirs', error: NOT_ALLOWED },
    )
  },
)

t.test('ids stay good after the service restarts: the replay reads only the log', async (t) => {
  const first = await ddp.listeningApp(t, db)
  const { owner, member, group } = await fixture.groupFixture(t, db)
  const rooms: Stream = ['rooms', 'stream-notify-user', `${member.id}/rooms-changed`]
  const client = await ddp.loggedInSocket(t, first.url, member)
  await subscribeAll(client, [rooms])
  const owned = api(first.app, owner).on(group)
  await owned.post('groups.setTopic', { topic: 'before the restart' })
  await waitFor(client, topicIs(member, 'before the restart'))
  const last = heard(client, rooms).at(-1) as Heard
  await owned.post('groups.setTopic', { topic: 'missed' })
  await first.app.close()

  const second = await ddp.listeningApp(t, db)
  await api(second.app, owner).on(group).post('groups.setTopic', { topic: 'after the restart' })
  const back = await ddp.loggedInSocket(t, second.url, member)
  await subscribeAll(back, [rooms], new Map([['rooms', last.id]]))
  await waitFor(back, topicIs(member, 'after the restart'))
  t.same(
    heard(back, rooms).map((event) => (event.args[1] as { topic: string }).topic),
    ['missed', 'after the restart'],
  )
})
