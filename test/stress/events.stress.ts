import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { logHead } from '../../db/queries/events.js'
import { UserHistory } from '../../domain/realtime/history.js'
import { EventLog } from '../../domain/realtime/log/event-log.js'
import {
  END_OF_TRANSACTION,
  type Payload as EventFrame,
  eventId,
  inUserFeed,
  parseEventId,
} from '../../domain/realtime/payload.js'
import {
  createTestUser,
  groupName,
  onlyOnPostgres,
  postgresUrl,
  type TestUser,
  testDatabase,
} from '../helper.js'
import { EventStreamClient } from '../realtime/event-stream-client.js'
import { databaseUrlOf, startCluster } from '../support/cluster.js'
import { type DdpFrame, RawDdp } from '../support/ddp.js'
import type { ServerProcess } from '../support/server-process.js'

/**
 * No event lost under faults. Two service processes; for each of several users a DDP client and
 * a Server-Sent Events client, cut off at random and reconnecting to either process with their
 * last event ids (DDP: one per stream, in the `sub` options; SSE: `Last-Event-ID`). Meanwhile
 * random group changes, one process killed with SIGKILL and started again, the relays'
 * listening connections terminated from PostgreSQL, and a transaction writing to the log held
 * open for 5 s. At the end each client's events, de-duplicated by id, are compared with what its
 * user was entitled to (the log replayed from the client's first id by a hub in this process),
 * and every event about a group is checked against the log's own membership rows: none may
 * reach a user between their removal from the group and their next invitation.
 */

const CHANGES = Number(process.env.STRESS_EVENT_CHANGES ?? 50_000)
const WRITERS = 6
const USERS = 6
const GROUPS = 4
const db = await testDatabase(t)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T

/** One event as a client received it: its id, and the group it is about, if any. */
interface Heard {
  id: string
  room?: string
}

/** The group an event is about, from its stream and arguments (Rocket.Chat's shapes). */
function aboutRoom(stream: string, eventName: string, args: unknown[]): Heard['room'] {
  const [first, second] = args as [Record<string, unknown>, Record<string, unknown>]
  if (eventName.endsWith('/subscriptions-changed')) return second?.rid as string
  if (eventName.endsWith('/rooms-changed')) return second?._id as string
  if (stream === 'stream-room-messages') return first?.rid as string
  if (eventName === 'roles-change') return first?.scope as string | undefined
  return undefined
}

function heard(id: string, stream: string, eventName: string, args: unknown[]): Heard {
  const room = aboutRoom(stream, eventName, args)
  return room ? { id, room } : { id }
}

/** A connection of a client, as the loop that cuts it off sees it. */
interface Connection {
  closed: Promise<unknown>
  terminate(): void
}

/** A client of one user: every event it received, per stream, across its connections. */
abstract class Client {
  readonly received = new Map<string, Heard[]>()
  connections = 0
  /** Explicit resets and refused subscriptions: there should be none. */
  refusals = 0
  constructor(
    readonly user: TestUser,
    readonly transport: 'ddp' | 'sse',
  ) {
    for (const key of this.streams()) this.received.set(key, [])
  }
  abstract streams(): string[]
  /** Whether the stream of this key carries a frame the user is handed. */
  abstract carries(key: string, frame: EventFrame): boolean
  abstract connect(server: ServerProcess): Promise<Connection>
  last(key: string) {
    return this.received.get(key)?.at(-1)?.id
  }
  get started() {
    return [...this.received.values()].every((events) => events.length > 0)
  }
}

type DdpStream = [id: string, name: string, eventName: string]
const ddpStreams = (user: TestUser): DdpStream[] => [
  ['subs', 'stream-notify-user', `${user.id}/subscriptions-changed`],
  ['rooms', 'stream-notify-user', `${user.id}/rooms-changed`],
  ['roles', 'stream-notify-logged', 'roles-change'],
  ['mine', 'stream-room-messages', '__my_messages__'],
]
const streamKey = (name: string, eventName: string) => `${name} ${eventName}`

class DdpClient extends Client {
  constructor(user: TestUser) {
    super(user, 'ddp')
  }
  streams() {
    return ddpStreams(this.user).map(([, name, eventName]) => streamKey(name, eventName))
  }
  carries(key: string, frame: EventFrame) {
    return streamKey(frame.stream, frame.eventName) === key
  }
  async connect(server: ServerProcess): Promise<Connection> {
    const socket = await RawDdp.open(`${server.url.replace(/^http/, 'ws')}/websocket`)
    this.connections++
    socket.socket.on('message', () => {
      for (const frame of socket.received.splice(0)) this.#take(socket, frame)
    })
    socket.openSession(
      this.user,
      ddpStreams(this.user).map(([id, name, eventName]) => [
        id,
        name,
        eventName,
        this.last(streamKey(name, eventName)),
      ]),
    )
    return { closed: socket.closed, terminate: () => socket.socket.terminate() }
  }
  #take(socket: RawDdp, frame: DdpFrame) {
    if (frame.msg === 'nosub') this.refusals++
    if (frame.msg !== 'changed') return
    const { eventName, args } = frame.fields as { eventName: string; args: unknown[] }
    const stream = String(frame.collection)
    const id = socket.eventIds.get(frame) ?? 'missing'
    this.received.get(streamKey(stream, eventName))?.push(heard(id, stream, eventName, args))
  }
}

class SseClient extends Client {
  constructor(
    user: TestUser,
    readonly t: Test,
  ) {
    super(user, 'sse')
  }
  streams() {
    return ['events']
  }
  carries(_key: string, frame: EventFrame) {
    return inUserFeed(this.user.id, frame)
  }
  async connect(server: ServerProcess): Promise<Connection> {
    const lastEventId = this.last('events')
    const stream = await EventStreamClient.open(this.t, server.url, {
      user: this.user,
      ...(lastEventId ? { lastEventId } : {}),
    })
    this.connections++
    const events = this.received.get('events') as Heard[]
    stream.onBlock = (block) => {
      stream.blocks.length = 0
      if (block.event === 'reset') this.refusals++
      if (block.event === undefined || block.id === undefined || block.event === 'reset') return
      const slash = block.event.indexOf('/')
      const name = block.event.slice(0, slash)
      const eventName = block.event.slice(slash + 1)
      events.push(heard(block.id, name, eventName, JSON.parse(block.data ?? '[]') as unknown[]))
    }
    return { closed: stream.ended, terminate: () => stream.close() }
  }
}

async function post(server: string, user: TestUser, endpoint: string, body: object) {
  try {
    const response = await fetch(`${server}/api/v1/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...user.headers },
      body: JSON.stringify(body),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  } catch {
    return { status: 0, body: {} }
  }
}

t.test(
  'clients on both processes and transports miss nothing, see nothing twice or out of order, and nothing they may not',
  { skip: onlyOnPostgres }, // skipped on the embedded database: it needs several processes on one PostgreSQL server.
  async (t) => {
    const cluster = await startCluster(t, await databaseUrlOf(db, postgresUrl), 2)
    const alive = () =>
      cluster.servers.filter((server) => server.child.exitCode === null && !server.child.killed)
    // An administrator, so that archived groups can be unarchived.
    const owner = await createTestUser(db, { roles: ['user', 'admin'] })
    const users: TestUser[] = []
    for (let i = 0; i < USERS; i++) users.push(await createTestUser(db))
    const groups: string[] = []
    for (let i = 0; i < GROUPS; i++) {
      const reply = await post(pick(alive()).url, owner, 'groups.create', {
        name: groupName('stress'),
        members: users.filter((_, k) => k % GROUPS !== i).map((user) => user.username),
      })
      groups.push((reply.body.group as { _id: string })._id)
    }
    const createGroup = async (name: string, members: TestUser[]) => {
      const reply = await post(pick(alive()).url, owner, 'groups.create', {
        name: groupName(name),
        members: members.map((user) => user.username),
      })
      return (reply.body.group as { _id: string })._id
    }
    // Where the log stands before any client connects: the oracle replays from here.
    const origin = eventId(await logHead(db), END_OF_TRANSACTION)

    const clients: Client[] = users.flatMap((user) => [new DdpClient(user), new SseClient(user, t)])
    let running = true
    const loops = clients.map(async (client) => {
      while (running) {
        const server = pick(alive())
        if (!server) {
          await sleep(50)
          continue
        }
        let connection: Connection
        try {
          connection = await client.connect(server)
        } catch {
          await sleep(50)
          continue
        }
        if (client.started) {
          await Promise.race([sleep(Math.random() * 400), connection.closed])
        } else {
          // A first connection holds on until every stream has an id to resume from.
          let ended = false
          void connection.closed.then(() => {
            ended = true
          })
          while (!ended && !client.started && running) await sleep(20)
        }
        connection.terminate()
        await sleep(Math.random() * 50)
      }
      // Connected to the end, to hear the barrier.
      for (;;) {
        try {
          return await client.connect(pick(alive()))
        } catch {
          await sleep(50)
        }
      }
    })

    // Events on every stream, round after round, until every client holds an id for each.
    const startId = await createGroup('start', users)
    const startDeadline = Date.now() + 60_000
    for (let round = 0; !clients.every((client) => client.started); round++) {
      if (Date.now() > startDeadline) {
        const state = clients.map((client) => [
          client.transport,
          client.connections,
          ...[...client.received.values()].map((events) => events.length),
        ])
        throw new Error(`some client heard nothing of the first changes: ${JSON.stringify(state)}`)
      }
      await post(pick(alive()).url, owner, 'groups.setTopic', {
        roomId: startId,
        topic: `start ${round}`,
      })
      for (const user of users) {
        const endpoint = round % 2 === 0 ? 'groups.addModerator' : 'groups.removeModerator'
        await post(pick(alive()).url, owner, endpoint, { roomId: startId, userId: user.id })
      }
      await sleep(200)
    }
    const firstIds = clients.map(
      (client) =>
        new Map(client.streams().map((key) => [key, client.received.get(key)?.[0]?.id as string])),
    )

    // The writers' view of the groups, to choose changes that mostly apply.
    const members = new Map(
      groups.map((id, i) => [
        id,
        new Set(users.filter((_, k) => k % GROUPS !== i).map((user) => user.id)),
      ]),
    )
    const archived = new Set<string>()
    const nextChange = (n: number): [string, Record<string, unknown>, TestUser] => {
      const roomId = pick(groups)
      if (archived.has(roomId)) {
        return Math.random() < 0.1
          ? ['groups.delete', { roomId }, owner]
          : ['groups.unarchive', { roomId }, owner]
      }
      const inside = users.filter((user) => members.get(roomId)?.has(user.id))
      const outside = users.filter((user) => !members.get(roomId)?.has(user.id))
      const kind = pick([
        'invite',
        'invite',
        'invite',
        'kick',
        'leave',
        'addModerator',
        'removeModerator',
        'addOwner',
        'removeOwner',
        'rename',
        'setTopic',
        'setTopic',
        'archive',
        'delete',
      ])
      if (kind === 'invite' || inside.length === 0) {
        const user = pick(outside.length > 0 ? outside : users)
        return ['groups.invite', { roomId, userId: user.id }, owner]
      }
      const user = pick(inside)
      switch (kind) {
        case 'leave':
          return ['groups.leave', { roomId }, user]
        case 'rename':
          return ['groups.rename', { roomId, name: groupName('r') }, owner]
        case 'setTopic':
          return ['groups.setTopic', { roomId, topic: `t${n}` }, owner]
        case 'archive':
          return ['groups.archive', { roomId }, owner]
        case 'delete':
          return Math.random() < 0.2
            ? ['groups.delete', { roomId }, owner]
            : ['groups.setTopic', { roomId, topic: `d${n}` }, owner]
        default:
          return [`groups.${kind}`, { roomId, userId: user.id }, owner]
      }
    }

    const faults: string[] = []
    let held: Promise<unknown> | undefined
    let restarted: Promise<unknown> | undefined
    let applied = 0
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      for (let n = w; n < CHANGES; n += WRITERS) {
        if (n === Math.floor(CHANGES / 4)) {
          cluster.servers[0]?.child.kill('SIGKILL')
          faults.push('process A killed with SIGKILL')
        }
        if (n === Math.floor((CHANGES * 2) / 5)) {
          restarted = cluster.start()
          faults.push('process A started again')
        }
        if (n === Math.floor(CHANGES / 2)) {
          const { rows } = await sql<{ n: number }>`
            select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
            where datname = current_database() and query ilike 'listen%'`.execute(db)
          faults.push(`${rows[0]?.n} listening connections terminated`)
        }
        if (n === Math.floor((CHANGES * 3) / 5)) {
          held = db.transaction().execute(async (trx) => {
            await sql`update rooms set topic = 'held' where id = ${pick(groups)}`.execute(trx)
            await sleep(5000)
          })
          faults.push('a transaction writing to the log held open for 5 s')
        }
        const server = pick(alive())
        if (!server) {
          await sleep(20)
          continue
        }
        const [endpoint, body, as] = nextChange(n)
        const answer = await post(server.url, as, endpoint, body)
        if (answer.status !== 200) continue
        applied++
        const roomId = body.roomId as string
        const userId = body.userId as string
        if (endpoint === 'groups.invite') members.get(roomId)?.add(userId)
        if (endpoint === 'groups.kick') members.get(roomId)?.delete(userId)
        if (endpoint === 'groups.leave') members.get(roomId)?.delete(as.id)
        if (endpoint === 'groups.archive') archived.add(roomId)
        if (endpoint === 'groups.unarchive') archived.delete(roomId)
        if (endpoint === 'groups.delete') {
          const chosen = users.filter(() => Math.random() < 0.5)
          const created = await post(server.url, owner, 'groups.create', {
            name: groupName('again'),
            members: chosen.map((member) => member.username),
          })
          const group = created.body.group as { _id: string } | undefined
          if (group) {
            groups[groups.indexOf(roomId)] = group._id
            members.set(group._id, new Set(chosen.map((member) => member.id)))
          }
        }
      }
    })
    await Promise.all(writers)
    await held
    await restarted
    running = false
    const last = await Promise.all(loops)
    t.teardown(() => {
      for (const connection of last) connection.terminate()
    })

    // A last change every stream of every user hears of: once every client has it on each of
    // its streams, nothing else is on its way.
    const barrierId = await createGroup('barrier', users)
    for (const user of users) {
      await post(pick(alive()).url, owner, 'groups.addModerator', {
        roomId: barrierId,
        userId: user.id,
      })
    }
    await post(pick(alive()).url, owner, 'groups.setTopic', { roomId: barrierId, topic: 'end' })

    // Leaks need no replay: reported at once, with the log around each.
    await sleep(3000)
    await reportLeaks(clients)

    // What each user was entitled to: the log told again from before the start, per user, by
    // the same translation the relays use.
    const log = new EventLog(db, (error) => t.fail(error.message))
    const head = await logHead(db)
    const originKey = parseEventId(origin)
    if (!originKey) throw new Error(`not an event id: ${origin}`)
    const dueByUser = await Promise.all(
      users.map(async (user) => {
        const mine = clients.filter((client) => client.user === user)
        const due: EventFrame[] = []
        const history = await UserHistory.from(log, user.id, originKey, origin)
        for await (const payloads of history.readTo(head)) {
          if (payloads === 'unknown') break
          for (const frame of payloads) {
            if (mine.some((client) => client.streams().some((key) => client.carries(key, frame)))) {
              due.push(frame)
            }
          }
        }
        t.ok(history.found, `the log replays for user ${user.id}`)
        return due
      }),
    )
    const expected = clients.map((client, i) => {
      const due = dueByUser[users.indexOf(client.user)] ?? []
      const streams = new Map<string, string[]>()
      for (const key of client.streams()) {
        const all = due.filter((frame) => client.carries(key, frame)).map((frame) => frame.id)
        const first = firstIds[i]?.get(key) as string
        if (!all.includes(first)) t.fail(`${client.transport} client ${i}: first id ${first}`)
        streams.set(key, all.slice(all.indexOf(first) + 1))
      }
      return streams
    })

    // The clients' events against it, once the last of them has arrived (or a while has passed).
    const member = await membershipChecker()
    let problems: string[] = []
    const compare = () => {
      problems = []
      const totals = { events: 0, missed: 0, outOfOrder: 0, leaked: 0, unexpected: 0, repeated: 0 }
      for (const [i, client] of clients.entries()) {
        for (const key of client.streams()) {
          const due = expected[i]?.get(key) ?? []
          const received = client.received.get(key) ?? []
          const seen: Heard[] = []
          const seenIds = new Set<string>()
          for (const event of received.slice(1)) {
            if (seenIds.has(event.id)) totals.repeated++
            else {
              seenIds.add(event.id)
              seen.push(event)
            }
          }
          const dueSet = new Set(due)
          totals.events += due.length
          totals.missed += due.filter((id) => !seenIds.has(id)).length
          const unexpected = seen.filter((event) => !dueSet.has(event.id))
          const leaked = received.filter(
            (event) => event.room !== undefined && !member(client.user.id, event.room, event.id),
          )
          totals.unexpected += unexpected.length
          totals.leaked += leaked.length
          for (const [what, events] of [
            ['unexpected', unexpected],
            ['leaked', leaked],
          ] as const) {
            for (const event of events) {
              problems.push(
                `${what}: ${client.transport} ${client.user.id} ${key} ${event.id} ${event.room ?? ''}`,
              )
            }
          }
          const inBoth = seen.filter((event) => dueSet.has(event.id))
          const order = due.filter((id) => seenIds.has(id))
          totals.outOfOrder += inBoth.filter((event, k) => order[k] !== event.id).length
        }
      }
      return totals
    }
    const deadline = Date.now() + 120_000
    let totals = compare()
    while (totals.missed > 0 && Date.now() < deadline) {
      await sleep(500)
      totals = compare()
    }
    const logged = await sql<{ n: number }>`select count(*)::int as n from events`.execute(db)
    // A removal ordered before the join it undoes: the log's order is not the order of commits.
    const inverted = await sql<{ n: number }>`
      select count(*)::int as n from events removed join events added
        on added.kind = 'member.added' and removed.kind = 'member.removed'
        and added.data->'member'->>'id' = removed.data->'member'->>'id'
      where added.xid > removed.xid`.execute(db)
    t.comment(`removals logged before the join they undo: ${inverted.rows[0]?.n}`)
    const connections = clients.reduce((n, client) => n + client.connections, 0)
    const refusals = clients.reduce((n, client) => n + client.refusals, 0)
    t.comment(
      `${logged.rows[0]?.n} events logged over ${CHANGES} changes (${applied} applied); ${totals.events} events due to ${clients.length} clients on DDP and SSE over ${connections} connections; faults: ${faults.join('; ')}`,
    )
    t.comment(
      `missed ${totals.missed}, out of order ${totals.outOfOrder}, leaked ${totals.leaked} (beyond the replay: ${totals.unexpected}; repeated by the server and dropped by id: ${totals.repeated}; resets and refusals: ${refusals})`,
    )
    for (const problem of problems.slice(0, 20)) t.comment(problem)
    for (const problem of problems.slice(0, 5)) {
      const [, , userId, , id, room] = problem.split(' ')
      const xid = (id as string).split('.')[0] as string
      const { rows: near } = await sql<Record<string, unknown>>`
        select xid::text, id, kind, room_id, user_id from events
        where (room_id = ${room ?? ''} and (user_id = ${userId ?? ''} or user_id is null))
          or xid = ${xid}::xid8
        order by events.xid, events.id`.execute(db)
      t.comment(
        `${problem}: ${JSON.stringify(near.filter((row) => Math.abs(Number(row.xid) - Number(xid)) < 2000))}`,
      )
    }
    t.equal(totals.missed, 0, 'no event missed')
    t.equal(totals.outOfOrder, 0, 'none out of order')
    t.equal(totals.leaked, 0, 'none leaked')
    t.equal(totals.unexpected, 0, 'nothing beyond what the log replays')
    t.equal(refusals, 0, 'no id refused')
    t.equal(faults.length, 4, 'every fault happened')
  },
)

/** Prints each event a client received about a group its user was not in, with the log near it. */
async function reportLeaks(clients: Client[]) {
  const member = await membershipChecker()
  for (const client of clients) {
    for (const [key, events] of client.received) {
      for (const event of events) {
        if (event.room === undefined || member(client.user.id, event.room, event.id)) continue
        const xid = event.id.split('.')[0] as string
        const { rows } = await sql<Record<string, unknown>>`
          select xid::text, id, kind, room_id, user_id, data from events
          where (room_id = ${event.room} and user_id = ${client.user.id}) or xid = ${xid}::xid8
          order by events.xid, events.id`.execute(db)
        console.error(
          `LEAK ${client.transport} ${client.user.id} ${key} ${event.id} ${event.room}\n${rows
            .map((row) => JSON.stringify(row).slice(0, 400))
            .join('\n')}`,
        )
      }
    }
  }
}

/**
 * Whether a user may hear an event about a group, judged from the log's own membership rows:
 * they were in the group before the event's transaction or are in it at its end (a transaction
 * that adds or removes them tells them so).
 */
async function membershipChecker() {
  const rows = await db
    .selectFrom('events')
    .select(['xid', 'id', 'kind', 'room_id', 'user_id'])
    .where('kind', 'in', ['member.added', 'member.removed'])
    .orderBy('xid')
    .orderBy('id')
    .execute()
  const changes = new Map<string, Array<{ xid: bigint; added: boolean }>>()
  for (const row of rows) {
    const key = `${row.user_id} ${row.room_id}`
    const list = changes.get(key) ?? []
    list.push({ xid: BigInt(String(row.xid)), added: row.kind === 'member.added' })
    changes.set(key, list)
  }
  return (userId: string, roomId: string, id: string) => {
    const xid = BigInt(id.split('.')[0] as string)
    let before = false
    let after = false
    for (const change of changes.get(`${userId} ${roomId}`) ?? []) {
      if (change.xid > xid) break
      if (change.xid < xid) before = change.added
      after = change.added
    }
    return before || after
  }
}
