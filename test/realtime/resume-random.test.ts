import t from 'tap'
import {
  api,
  createTestUser,
  ddp,
  groupName,
  type TestUser,
  testDatabase,
  until,
  waitFor,
} from '../helper.js'
import { type Block, EventStreamClient } from './event-stream-client.js'

/**
 * Clients cut off at random moments while groups change at random (joins, kicks, leaves,
 * roles, names, archiving), each reconnecting from the last event id it received, against a
 * witness of the same user on the same transport that never disconnects: over DDP (an id per
 * stream, `lastEventId`) and over Server-Sent Events (one id, `Last-Event-ID`), the cut-off
 * client ends with exactly the witness's events, each once, in the same order; and no client
 * receives an event of a group its user was not in at that point of the log (checked against
 * the log's own membership events).
 */

const db = await testDatabase(t)
const { app, base, url } = await ddp.listeningApp(t, db)
const CHANGES = Number(process.env.RESUME_RANDOM_CHANGES) || 120

type Stream = [id: string, name: string, eventName: string]

function streamsOf(user: TestUser): Stream[] {
  return [
    ['subs', 'stream-notify-user', `${user.id}/subscriptions-changed`],
    ['rooms', 'stream-notify-user', `${user.id}/rooms-changed`],
    ['roles', 'stream-notify-logged', 'roles-change'],
    ['mine', 'stream-room-messages', '__my_messages__'],
  ]
}

/** One event as a client received it, whichever the transport: `event` is `<stream>/<name>`. */
interface Heard {
  id: string
  event: string
  args: unknown[]
}

/** What one client kept across its connections, whichever the transport. */
interface ClientLog {
  readonly user: TestUser
  /** What the server refused: a subscription or a frame (DDP), a resumption (SSE `reset`). */
  readonly refusals: unknown[]
  /** Whether the client holds an id to resume from. */
  readonly started: boolean
  heard(): Heard[]
}

interface Received {
  id: string
  args: unknown[]
}

/** What one DDP client kept of each stream, across its connections. */
class Log implements ClientLog {
  readonly streams = new Map<string, Received[]>()
  constructor(readonly user: TestUser) {
    for (const [id] of streamsOf(user)) this.streams.set(id, [])
  }
  readonly refusals: ddp.DdpFrame[] = []
  take(client: ddp.RawDdp, frame: ddp.DdpFrame) {
    if (frame.msg === 'nosub' || frame.msg === 'error') this.refusals.push(frame)
    if (frame.msg !== 'changed') return
    const fields = frame.fields as { eventName: string; args: unknown[] }
    const stream = streamsOf(this.user).find(
      ([, name, eventName]) => name === frame.collection && eventName === fields.eventName,
    )
    if (!stream) return
    this.streams.get(stream[0])?.push({ id: client.eventIds.get(frame) ?? '', args: fields.args })
  }
  /** The stream's last id (a resumed stream of a connection cut off early may have had none). */
  last(streamId: string) {
    return this.streams.get(streamId)?.at(-1)?.id
  }
  /** Whether every stream has received something, so holds an id to resume from. */
  get started() {
    return [...this.streams.values()].every((events) => events.length > 0)
  }
  heard(): Heard[] {
    return streamsOf(this.user).flatMap(([id, name, eventName]) =>
      (this.streams.get(id) ?? []).map((event) => ({ ...event, event: `${name}/${eventName}` })),
    )
  }
}

/** What one event-stream client kept, across its connections. */
class StreamLog implements ClientLog {
  /** The event blocks, as sent. */
  readonly events: Block[] = []
  readonly refusals: Block[] = []
  readonly #heard: Heard[] = []
  constructor(readonly user: TestUser) {}
  take(block: Block) {
    if (block.event === 'reset') this.refusals.push(block)
    else if (block.event !== undefined) {
      this.events.push(block)
      const args = JSON.parse(block.data ?? 'null') as unknown[]
      this.#heard.push({ id: block.id ?? '', event: block.event, args })
    }
  }
  last() {
    return this.events.at(-1)?.id
  }
  /** The event blocks, those about one group left out. */
  eventsBesides(roomId: string): Block[] {
    return this.events.filter((_, at) => groupOf(this.#heard[at] as Heard) !== roomId)
  }
  get started() {
    return this.events.length > 0
  }
  heard(): Heard[] {
    return this.#heard
  }
}

async function connect(user: TestUser, log: Log, resume: boolean) {
  const client = await ddp.RawDdp.open(url)
  const taken = client.received.length
  client.socket.on('message', () => {
    for (const frame of client.received.splice(taken)) {
      // Answered as every DDP client does: a witness says nothing else, and a long run would
      // see it closed for silence.
      if (frame.msg === 'ping') client.send({ msg: 'pong' })
      log.take(client, frame)
    }
  })
  client.openSession(
    user,
    streamsOf(user).map(([id, name, eventName]) => [
      id,
      name,
      eventName,
      resume ? log.last(id) : undefined,
    ]),
  )
  return client
}

/** Opens a connection and waits until its subscriptions are ready. */
async function connectReady(user: TestUser, log: Log, resume: boolean) {
  const client = await connect(user, log, resume)
  const ready = new Set<string>()
  const deadline = Date.now() + 10_000
  await new Promise<void>((resolve, reject) => {
    const check = (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as ddp.DdpFrame
      if (frame.msg === 'ready') for (const id of frame.subs as string[]) ready.add(id)
      if (frame.msg === 'nosub') reject(new Error(`refused: ${JSON.stringify(frame)}`))
      if (ready.size === streamsOf(user).length) resolve()
      else if (Date.now() > deadline) reject(new Error('not ready'))
    }
    client.socket.on('message', check)
  })
  return client
}

/** Opens an event stream, resuming after the last id received when asked. */
async function openStream(user: TestUser, log: StreamLog, resume: boolean) {
  const client = await EventStreamClient.open(t, base, {
    user,
    lastEventId: resume ? log.last() : undefined,
  })
  // Blocks may have been read before `open` handed the client over: those first, then the rest.
  for (const block of client.blocks) log.take(block)
  client.onBlock = (block) => log.take(block)
  return client
}

/**
 * Whether a client has the message of a change of the group's topic (to `topic`, if given): the
 * last event such a change makes for each member, on either transport.
 */
function hasHeardTopicOf(log: ClientLog, roomId: string, topic?: string) {
  return log.heard().some((event) => {
    const message = event.args[0] as { rid?: string; t?: string; msg?: string } | undefined
    return (
      event.event.startsWith('stream-room-messages/') &&
      message?.rid === roomId &&
      message.t === 'room_changed_topic' &&
      (topic === undefined || message.msg === topic)
    )
  })
}

/** Waits until every client has heard of a change of the group's topic. */
async function waitUntilAllHeard(logs: ClientLog[], roomId: string) {
  const state = () =>
    logs.map((log) => ({ heard: hasHeardTopicOf(log, roomId), refusals: log.refusals }))
  await until(
    () => `not every client heard of ${roomId}: ${JSON.stringify(state())}`,
    () => logs.every((log) => hasHeardTopicOf(log, roomId)),
    { timeoutMs: 10_000 },
  )
}

/**
 * The group an event is about, null for a global role change (no group), undefined for an
 * event this test does not expect.
 */
function groupOf({ event, args }: Heard): string | null | undefined {
  const [first, second] = args as Array<Record<string, unknown> | undefined>
  let roomId: unknown
  if (/^stream-notify-user\/[^/]+\/subscriptions-changed$/.test(event)) roomId = second?.rid
  else if (/^stream-notify-user\/[^/]+\/rooms-changed$/.test(event)) roomId = second?._id
  else if (event.startsWith('stream-room-messages/')) roomId = first?.rid
  else if (event === 'stream-notify-logged/roles-change') roomId = first?.scope ?? null
  return typeof roomId === 'string' || roomId === null ? roomId : undefined
}

/** A flaky client's pause at random: where its cuts fall is what the test varies. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)] as T

/**
 * The changes made at random. Invites come twice as often as kicks and leaves, which both take
 * members out, so the groups keep some. Now and then a group is archived instead: it refuses
 * every change but its unarchiving, which comes about every other time the group is picked.
 */
const WEIGHTS = {
  invite: 2,
  kick: 1,
  leave: 1,
  addModerator: 1,
  removeModerator: 1,
  rename: 1,
  setTopic: 1,
}
const OPERATIONS = Object.entries(WEIGHTS).flatMap(([operation, weight]) =>
  Array<keyof typeof WEIGHTS>(weight).fill(operation as keyof typeof WEIGHTS),
)
type Operation = (typeof OPERATIONS)[number] | 'archive' | 'unarchive'

t.test(
  'clients cut off at random resume to exactly what a connected witness received',
  async (t) => {
    // Unarchiving takes `unarchive-room`, which Rocket.Chat gives admins only.
    const owner = await createTestUser(db, { roles: ['admin', 'user'] })
    const users = [await createTestUser(db), await createTestUser(db), await createTestUser(db)]
    const create = async (members: TestUser[]) => {
      const reply = await api(app, owner).post('groups.create', {
        name: groupName('random'),
        members: members.map((user) => user.username),
      })
      return reply.json().group._id as string
    }
    const groups = [await create(users.slice(0, 2)), await create(users.slice(1))]

    const witnesses = users.map((user) => new Log(user))
    const flaky = users.map((user) => new Log(user))
    const streamWitnesses = users.map((user) => new StreamLog(user))
    const flakyStreams = users.map((user) => new StreamLog(user))
    const logs: Array<[name: string, log: ClientLog]> = users.flatMap((_, i) => [
      [`user ${i} DDP witness`, witnesses[i] as Log],
      [`user ${i} DDP flaky`, flaky[i] as Log],
      [`user ${i} SSE witness`, streamWitnesses[i] as StreamLog],
      [`user ${i} SSE flaky`, flakyStreams[i] as StreamLog],
    ])
    const witnessSockets: ddp.RawDdp[] = []
    const witnessStreams: EventStreamClient[] = []
    for (const [i, user] of users.entries()) {
      const witness = await connectReady(user, witnesses[i] as Log, false)
      t.teardown(() => witness.close())
      witnessSockets.push(witness)
      witnessStreams.push(await openStream(user, streamWitnesses[i] as StreamLog, false))
    }
    const firstConnections = await Promise.all(
      users.map((user, i) => connectReady(user, flaky[i] as Log, false)),
    )
    const firstStreams = await Promise.all(
      users.map((user, i) => openStream(user, flakyStreams[i] as StreamLog, false)),
    )

    // An event stream is live only once the hub has it, which its client cannot tell (DDP's
    // `ready` says so): changes to a probe group until every stream has heard one, so each
    // hears all that follows. Each change is delivered before the next is made: every DDP
    // client, live since its `ready`, has heard it. The probe's events are left out of the
    // comparisons below, since a stream may have started in the middle of them.
    const probe = await create(users)
    const ddpLogs = [...witnesses, ...flaky]
    for (let n = 0; !logs.every(([, log]) => log.heard().length > 0); n++) {
      if (n === 50) throw new Error('some event stream never started')
      const topic = `probe-${n}`
      await api(app, owner).on({ _id: probe }).post('groups.setTopic', { topic })
      await until(`${topic} delivered`, () =>
        ddpLogs.every((log) => hasHeardTopicOf(log, probe, topic)),
      )
    }

    // Changes everyone hears of on every stream, so every client holds an id for each of its
    // streams before the first cut-off.
    const start = await create(users)
    await api(app, owner).on({ _id: start }).post('groups.setTopic', { topic: 'start' })
    for (const user of users) {
      await api(app, owner).on({ _id: start }).post('groups.addModerator', { userId: user.id })
    }
    await until(
      'every stream heard of the first changes',
      () => logs.every(([, log]) => log.started),
      { timeoutMs: 10_000 },
    )

    let writing = true
    const cutOffs = { ddp: 0, sse: 0 }
    const flakyLoops = users.map(async (user, i) => {
      let client = firstConnections[i] as ddp.RawDdp
      while (writing) {
        await sleep(Math.floor(Math.random() * 120))
        client.socket.terminate()
        cutOffs.ddp++
        await sleep(Math.floor(Math.random() * 60))
        client = await connect(user, flaky[i] as Log, true)
      }
      return client
    })
    const flakyStreamLoops = users.map(async (user, i) => {
      let client = firstStreams[i] as EventStreamClient
      while (writing) {
        await sleep(Math.floor(Math.random() * 120))
        client.close()
        // Once it has ended, every block it completed is taken: the last id is final.
        await client.ended
        cutOffs.sse++
        await sleep(Math.floor(Math.random() * 60))
        client = await openStream(user, flakyStreams[i] as StreamLog, true)
      }
    })

    const change = (operation: Operation, roomId: string, user: TestUser, n: number) => {
      const owned = api(app, owner).on({ _id: roomId })
      switch (operation) {
        case 'leave':
          return api(app, user).on({ _id: roomId }).post('groups.leave')
        case 'invite':
        case 'kick':
        case 'addModerator':
        case 'removeModerator':
          return owned.post(`groups.${operation}`, { userId: user.id })
        case 'rename':
          return owned.post('groups.rename', { name: groupName('renamed') })
        case 'setTopic':
          return owned.post('groups.setTopic', { topic: `topic-${n}` })
        case 'archive':
        case 'unarchive':
          return owned.post(`groups.${operation}`)
      }
    }
    const archived = new Set<string>()
    /** Changes tried and made: many are refused (the user is not in the group, it is archived). */
    const counts = new Map<Operation, { tried: number; made: number }>()
    for (let n = 0; n < CHANGES; n++) {
      const roomId = pick(groups)
      // The first change is a leave, so that every run has one: users[1] is in both groups.
      const user = n === 0 ? (users[1] as TestUser) : pick(users)
      let operation: Operation = n === 0 ? 'leave' : pick(OPERATIONS)
      if (archived.has(roomId)) {
        if (Math.random() < 0.5) operation = 'unarchive'
      } else if (n > 0 && Math.random() < 0.05) operation = 'archive'
      const count = counts.get(operation) ?? { tried: 0, made: 0 }
      counts.set(operation, count)
      count.tried++
      if ((await change(operation, roomId, user, n)).statusCode !== 200) continue
      count.made++
      if (operation === 'archive') archived.add(roomId)
      if (operation === 'unarchive') archived.delete(roomId)
    }
    writing = false
    const lastClients = await Promise.all(flakyLoops)
    await Promise.all(flakyStreamLoops)
    t.teardown(() => {
      for (const client of lastClients) client.close()
    })

    // A last change every user hears of: once a witness has its message, the last event of the
    // log, nothing else is on its way to it.
    const end = await create(users)
    await api(app, owner).on({ _id: end }).post('groups.setTopic', { topic: 'end' })
    await waitUntilAllHeard([...witnesses, ...streamWitnesses], end)
    // A resuming DDP connection replays its streams one after another, each from its own id,
    // so one stream may still be replaying while another has heard the end. Each flaky stream
    // has caught up once it holds its witness's last id; one that never does fails below.
    const caughtUp = () =>
      users.every(
        (user, i) =>
          streamsOf(user).every(([id]) => flaky[i]?.last(id) === witnesses[i]?.last(id)) &&
          flakyStreams[i]?.last() === streamWitnesses[i]?.last(),
      )
    const waitedFrom = Date.now()
    await waitFor(caughtUp, { timeoutMs: 30_000 })
    t.ok(
      caughtUp(),
      `the flaky clients caught up ${Date.now() - waitedFrom} ms after the witnesses`,
    )
    t.ok(counts.get('leave')?.made, 'a member left a group')
    t.ok(cutOffs.ddp >= users.length, `${cutOffs.ddp} DDP connections cut off`)
    t.ok(cutOffs.sse >= users.length, `${cutOffs.sse} event streams cut off`)
    t.ok(
      witnessSockets.every((client) => client.socket.readyState === client.socket.OPEN) &&
        witnessStreams.every((client) => !client.done),
      'no witness was cut off',
    )
    t.same(
      logs.flatMap(([name, log]) => log.refusals.map((refusal) => ({ name, refusal }))),
      [],
      'nothing refused, no stream reset',
    )

    let events = 0
    for (const [i, user] of users.entries()) {
      for (const [streamId] of streamsOf(user)) {
        const expected = witnesses[i]?.streams.get(streamId) ?? []
        const received = flaky[i]?.streams.get(streamId) ?? []
        events += expected.length
        const ids = received.map((event) => event.id)
        t.equal(new Set(ids).size, ids.length, `user ${i} ${streamId}: no event twice`)
        t.same(received, expected, `user ${i} ${streamId}: exactly the witness's events, in order`)
      }
    }
    let streamEvents = 0
    for (const i of users.keys()) {
      const expected = streamWitnesses[i]?.eventsBesides(probe) ?? []
      const received = flakyStreams[i]?.eventsBesides(probe) ?? []
      streamEvents += expected.length
      const ids = received.map((block) => block.id)
      t.equal(new Set(ids).size, ids.length, `user ${i} event stream: no event twice`)
      t.same(received, expected, `user ${i} event stream: exactly the witness's events, in order`)
    }
    const made = [...counts].map(([operation, { tried, made }]) => `${operation} ${made}/${tried}`)
    t.comment(`changes made of those tried: ${made.join(', ')}`)
    t.comment(`${events} DDP and ${streamEvents} SSE events reached the three witnesses`)

    // Who was in which group as of each transaction, from the log's own membership events.
    const memberships = await db
      .selectFrom('events')
      .select(['xid', 'kind', 'room_id', 'user_id'])
      .where('kind', 'in', ['member.added', 'member.removed'])
      .where(
        'user_id',
        'in',
        users.map((user) => user.id),
      )
      .orderBy('xid')
      .orderBy('id')
      .execute()
    const changesOf = new Map<string, Array<{ xid: bigint; added: boolean }>>()
    for (const row of memberships) {
      const key = `${row.user_id}\n${row.room_id}`
      const list = changesOf.get(key) ?? []
      list.push({ xid: BigInt(String(row.xid)), added: row.kind === 'member.added' })
      changesOf.set(key, list)
    }
    /** Whether the user was in the group after the membership changes of transactions to `xid`. */
    const memberAfter = (userId: string, roomId: string, xid: bigint, inclusive: boolean) => {
      let member = false
      for (const row of changesOf.get(`${userId}\n${roomId}`) ?? []) {
        if (row.xid > xid || (row.xid === xid && !inclusive)) break
        member = row.added
      }
      return member
    }
    // An event of a transaction is allowed to a member of its group before the transaction
    // (a removal, or what came before it) or after it (a join, or what came after it).
    const leaks: string[] = []
    let checked = 0
    for (const [name, log] of logs) {
      for (const event of log.heard()) {
        const roomId = groupOf(event)
        if (roomId === null) continue
        checked++
        const xid = BigInt(/^\d+/.exec(event.id)?.[0] ?? '0')
        const allowed =
          roomId !== undefined &&
          (memberAfter(log.user.id, roomId, xid, false) ||
            memberAfter(log.user.id, roomId, xid, true))
        if (!allowed) leaks.push(`${name}: ${event.id} ${event.event} ${roomId}`)
      }
    }
    t.same(leaks, [], `none of ${checked} events about a group reached a user outside it`)
  },
)
