// The door's `ddp` namespace: a raw DDP client for GET /websocket, the official client's
// recorder, and the documents and errors the realtime tests expect to hear.
import type { DDPSDK, StreamKeys, StreamNames } from '@rocket.chat/ddp-client'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import WebSocket from 'ws'
import type { Db } from '../../db/database.js'
import { api } from './api.js'
import { buildApp, type TestUser, testConfig } from './base.js'
import { databaseNow, stampedBetween } from './clock.js'
import { groupWith } from './fixtures.js'

export type DdpFrame = Record<string, unknown> & { msg?: string }

/** How long a test waits for a frame that should come. */
const WAIT_MS = 5000

/** The `connect` a Meteor client opens with. */
export const CONNECT = { msg: 'connect', version: '1', support: ['1', 'pre2', 'pre1'] }

/** A `sub` to a stream's event name, as Rocket.Chat's client sends it (resuming after an id). */
export function subFrame(
  id: string,
  name: string,
  eventName: string,
  args: unknown[],
  lastEventId?: string,
) {
  return {
    msg: 'sub',
    id,
    name,
    params: [eventName, { useCollection: false, args, ...(lastEventId ? { lastEventId } : {}) }],
  }
}

/**
 * A DDP client written out frame by frame, to check exactly what the server sends: every frame
 * received is kept in order; `next` takes the first one not yet taken that matches.
 */
export class RawDdp {
  readonly received: DdpFrame[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  #taken = 0
  #waiters: Array<() => void> = []

  /**
   * The `eventId` of each event frame received. It is taken out of the frame's fields, so that
   * tests compare frames as Rocket.Chat sends them; a frame without a well-formed one keeps
   * whatever it had, and fails those comparisons.
   */
  readonly eventIds = new WeakMap<DdpFrame, string>()

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as DdpFrame
      const fields = frame.fields as { eventId?: unknown } | undefined
      if (frame.msg === 'changed' && typeof fields?.eventId === 'string') {
        if (/^\d+\.\d+\.\d+$/.test(fields.eventId)) {
          this.eventIds.set(frame, fields.eventId)
          delete fields.eventId
        }
      }
      this.received.push(frame)
      for (const wake of this.#waiters.splice(0)) wake()
    })
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() })
        for (const wake of this.#waiters.splice(0)) wake()
      })
    })
  }

  static async open(url: string): Promise<RawDdp> {
    const socket = new WebSocket(url)
    const client = new RawDdp(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    return client
  }

  send(frame: DdpFrame | string) {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The next frame not yet taken, skipping server pings unless asked for. */
  async next(
    match: (frame: DdpFrame) => boolean = () => true,
    waitMs = WAIT_MS,
  ): Promise<DdpFrame> {
    const deadline = Date.now() + waitMs
    for (;;) {
      for (let i = this.#taken; i < this.received.length; i++) {
        const frame = this.received[i] as DdpFrame
        if (match(frame)) {
          this.received.splice(i, 1)
          return frame
        }
      }
      const left = deadline - Date.now()
      if (left <= 0 || this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(`no matching frame; received ${JSON.stringify(this.received)}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** The event frames of a stream's event name received so far and not taken, in order. */
  eventFrames(collection: string, eventName: string): DdpFrame[] {
    return this.received.filter(
      (frame) =>
        frame.msg === 'changed' &&
        frame.collection === collection &&
        (frame.fields as { eventName: string }).eventName === eventName,
    )
  }

  /** The arguments of those frames. */
  events(collection: string, eventName: string): unknown[][] {
    return this.eventFrames(collection, eventName).map(
      (frame) => (frame.fields as { args: unknown[] }).args,
    )
  }

  async connect() {
    this.send(CONNECT)
    return this.next((frame) => frame.msg === 'connected')
  }

  async login(user: TestUser, id = 'login') {
    this.send({
      msg: 'method',
      method: 'login',
      params: [{ resume: user.headers['x-auth-token'] }],
      id,
    })
    return this.next((frame) => frame.msg === 'result' && frame.id === id)
  }

  /** Subscribes to a stream (after an event id: resuming); the `ready` or `nosub` answer. */
  async subscribe(id: string, name: string, eventName: string, lastEventId?: string) {
    this.send(subFrame(id, name, eventName, [null], lastEventId))
    return this.next(
      (frame) =>
        (frame.msg === 'ready' && Boolean((frame.subs as string[] | undefined)?.includes(id))) ||
        (frame.msg === 'nosub' && frame.id === id),
    )
  }

  /**
   * Connects, logs in and subscribes in one go, without waiting for any answer (the server
   * takes frames in order), each subscription resuming after its event id if it has one.
   */
  openSession(
    user: TestUser,
    subscriptions: Array<[id: string, name: string, eventName: string, lastEventId?: string]>,
  ) {
    this.send({ msg: 'connect', version: '1', support: ['1'] })
    this.send({
      msg: 'method',
      method: 'login',
      params: [{ resume: user.headers['x-auth-token'] }],
      id: 'login',
    })
    for (const [id, name, eventName, lastEventId] of subscriptions) {
      this.send(subFrame(id, name, eventName, [], lastEventId))
    }
  }

  /** Subscribes to the three streams a private-group client needs for one group. */
  async followGroup(user: TestUser, roomId?: string) {
    await this.subscribe('subs', 'stream-notify-user', `${user.id}/subscriptions-changed`)
    await this.subscribe('rooms', 'stream-notify-user', `${user.id}/rooms-changed`)
    await this.subscribe('roles', 'stream-notify-logged', 'roles-change')
    if (roomId) await this.subscribe('messages', 'stream-room-messages', roomId)
  }

  close() {
    this.socket.close()
  }
}

/** The app on a real socket, and its realtime address. */
export async function listeningApp(
  t: Test,
  db: Db,
  overrides: Record<string, string | number> = {},
) {
  const settings = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, String(v)]))
  const app = await buildApp(t, db, testConfig(settings))
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, base, url: `${base.replace(/^http/, 'ws')}/websocket` }
}

/**
 * A group of an owner and a member, with a long description and announcement: big groups make
 * big events, for tests of clients that stop reading.
 */
export async function bigGroup(app: FastifyInstance, db: Db) {
  const made = await groupWith(app, db, { member: {} })
  const g = api(app, made.owner).on(made.group)
  await g.post('groups.setDescription', { description: 'd'.repeat(5000) })
  await g.post('groups.setAnnouncement', { announcement: 'a'.repeat(5000) })
  return made
}

/**
 * A listening app whose clients may hold `sendBufferBytes` unsent, with metrics on, and a
 * `bigGroup` in it: the scene of the tests of clients that stop reading. `g` changes the group
 * as its owner.
 */
export async function slowReaderScene(t: Test, db: Db, sendBufferBytes: number) {
  const listening = await listeningApp(t, db, {
    REALTIME_SEND_BUFFER_BYTES: sendBufferBytes,
    METRICS: 'true',
  })
  const made = await bigGroup(listening.app, db)
  return { ...listening, ...made, g: api(listening.app, made.owner).on(made.group) }
}

/** A raw socket to `url`, closed when the test ends. */
export async function openRaw(t: Test, url: string): Promise<RawDdp> {
  const client = await RawDdp.open(url)
  t.teardown(() => client.close())
  return client
}

/** A connected raw client, closed at the end of the test. */
export async function openConnected(t: Test, url: string) {
  const client = await openRaw(t, url)
  await client.connect()
  return client
}

/** A connected, logged-in raw client, closed at the end of the test. */
export async function loggedInSocket(t: Test, url: string, user: TestUser) {
  const client = await openConnected(t, url)
  const result = await client.login(user)
  if (result.error) throw new Error(`login refused: ${JSON.stringify(result)}`)
  return client
}

/** A `loggedInSocket` whose login was fully answered (result and updated). */
export async function loggedIn(t: Test, url: string, user: TestUser) {
  const client = await loggedInSocket(t, url, user)
  await client.next((frame) => frame.msg === 'updated')
  return client
}

/** The next `count` frames, whatever they are, in the order they came. */
export async function take(client: RawDdp, count: number): Promise<DdpFrame[]> {
  const frames: DdpFrame[] = []
  for (let i = 0; i < count; i++) frames.push(await client.next())
  return frames
}

/**
 * Rocket.Chat's Meteor error, as the `error` of a `result` or a `nosub`. Written out again rather
 * than taken from domain/realtime/ddp.ts, so that the server is held to Rocket.Chat's wording.
 */
export function meteorError(error: string | number, reason?: string) {
  return {
    isClientSafe: true,
    error,
    ...(reason ? { reason } : {}),
    message: reason ? `${reason} [${error}]` : `[${error}]`,
    errorType: 'Meteor.Error',
  }
}

/** A result followed by its `updated`, as every method call is answered. */
export function answered(id: string, outcome: { result?: unknown; error?: unknown }) {
  return [
    { msg: 'result', id, ...outcome },
    { msg: 'updated', methods: [id] },
  ]
}

// What Rocket.Chat's official client (@rocket.chat/ddp-client) hears, and the documents it
// should hear, for tests that drive it. The client itself is imported by those test files only:
// here it is named as a type, and `followingClient` is handed one connected, so that the other
// tests (and the fuzzers) do not load it.

/** One stream event as the official client hands it to a `stream` callback. */
export interface HeardEvent {
  stream: string
  key: string
  args: unknown[]
}

/** Where a date was: the client parses frames with JSON.parse, so dates stay `{$date: ms}`. */
export const DATE = '<date>'

/**
 * The events a client heard, in arrival order: `recorder` makes a `stream` callback,
 * `takeUntil` waits for an event and hands over those before it, dates checked and replaced by
 * DATE. Dates are stamped by the database's clock, so they are checked against it: `since` is a
 * reading of it taken before the test made anything, and `clock` reads it when events are
 * handed over; a date outside is left in, to fail the comparison.
 */
export class HeardEvents {
  readonly events: HeardEvent[] = []
  #wake: Array<() => void> = []

  constructor(
    readonly since: number,
    readonly clock: () => Promise<number>,
  ) {}

  recorder(stream: string, key: string) {
    return (...args: unknown[]) => {
      this.events.push({ stream, key, args })
      for (const wake of this.#wake.splice(0)) wake()
    }
  }

  async takeUntil(match: (event: HeardEvent) => boolean, waitMs = WAIT_MS): Promise<unknown[]> {
    const deadline = Date.now() + waitMs
    for (;;) {
      const index = this.events.findIndex(match)
      if (index >= 0) {
        const taken = this.events.splice(0, index + 1).slice(0, index)
        const now = await this.clock()
        return taken.map((e) => this.#dated(e, now))
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`not heard; heard ${JSON.stringify(this.events)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#wake.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  #dated(value: unknown, now: number): unknown {
    if (Array.isArray(value)) return value.map((item) => this.#dated(item, now))
    if (value === null || typeof value !== 'object') return value
    const entries = Object.entries(value)
    const [only] = entries
    if (entries.length === 1 && only?.[0] === '$date' && typeof only[1] === 'number') {
      return stampedBetween(only[1], this.since, now) ? DATE : value
    }
    return Object.fromEntries(entries.map(([key, field]) => [key, this.#dated(field, now)]))
  }
}

/**
 * The official client, connected: closed at the end of the test, logged in with the user's REST
 * token and following the user's streams, what it hears kept, its dates checked to lie between
 * `since` (a reading of the database's clock) and when they are taken.
 */
export async function followingClient(t: Test, sdk: DDPSDK, user: TestUser, db: Db, since: number) {
  closeAtEnd(t, sdk)
  await sdk.account.loginWithToken(user.headers['x-auth-token'])
  const heard = new HeardEvents(since, () => databaseNow(db))
  /** Subscribes through the client's `stream`; resolves once the server said `ready`. */
  const listen = async <N extends StreamNames>(stream: N, key: StreamKeys<N>) => {
    const subscription = sdk.stream(stream, key, heard.recorder(stream, key))
    await subscription.ready()
    return subscription
  }
  await listen('notify-user', `${user.id}/subscriptions-changed`)
  await listen('notify-user', `${user.id}/rooms-changed`)
  await listen('notify-logged', 'roles-change')
  return { sdk, user, heard, listen }
}

/** Closes the official client when the test ends. */
export function closeAtEnd(t: Test, sdk: DDPSDK) {
  t.teardown(() => {
    sdk.connection.close()
    // Its heartbeat timers are not unref'd: left running they hold the test open for 60 s.
    sdk.timeoutControl.stop()
  })
}

/** The group changes made to a barrier group: heard after everything before them in the log. */
export function isBarrier(user: TestUser, roomId: string, topic: string) {
  return ({ key, args }: HeardEvent) => {
    const room = args[1] as { _id?: string; topic?: string } | undefined
    return key === `${user.id}/rooms-changed` && room?._id === roomId && room.topic === topic
  }
}

/** What a group looks like to its members at a point of a test. */
export interface GroupState {
  _id: string
  name: string
  creator: TestUser
  usersCount: number
  msgs: number
  topic?: string
  description?: string
  announcement?: string
  archived?: boolean
}

export const userRef = (user: TestUser) => ({ _id: user.id, username: user.username })

export function roomDocument(group: GroupState) {
  return {
    ...(group.topic !== undefined ? { topic: group.topic } : {}),
    ...(group.description !== undefined ? { description: group.description } : {}),
    ...(group.announcement !== undefined ? { announcement: group.announcement } : {}),
    ...(group.archived ? { archived: true } : {}),
    _id: group._id,
    name: group.name,
    fname: group.name,
    t: 'p',
    msgs: group.msgs,
    usersCount: group.usersCount,
    u: userRef(group.creator),
    ts: DATE,
    ro: false,
    sysMes: true,
    _updatedAt: DATE,
  }
}

async function subscriptionId(db: Db, roomId: string, user: TestUser) {
  const row = await db
    .selectFrom('room_members')
    .select('id')
    .where('room_id', '=', roomId)
    .where('user_id', '=', user.id)
    .executeTakeFirstOrThrow()
  return row.id
}

export async function subscriptionDocument(
  db: Db,
  group: GroupState,
  user: TestUser,
  roles: string[] = [],
) {
  return {
    _id: await subscriptionId(db, group._id, user),
    t: 'p',
    ts: DATE,
    ls: DATE,
    name: group.name,
    fname: group.name,
    rid: group._id,
    u: userRef(user),
    open: true,
    alert: false,
    unread: 0,
    userMentions: 0,
    groupMentions: 0,
    roles,
    ...(group.archived ? { archived: true } : {}),
    _updatedAt: DATE,
  }
}

/** A subscription as its removal is told: read before the member goes. */
export async function removedSubscription(db: Db, group: GroupState, user: TestUser) {
  return {
    _id: await subscriptionId(db, group._id, user),
    rid: group._id,
    u: userRef(user),
    t: 'p',
  }
}

/** A system message as the members hear it, with the id of the group's newest stored message. */
export async function systemMessage(
  db: Db,
  group: GroupState,
  by: TestUser,
  message: { t: string; msg: string; role?: string },
) {
  const row = await db
    .selectFrom('messages')
    .select('id')
    .where('room_id', '=', group._id)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow()
  return {
    _id: row.id,
    rid: group._id,
    msg: message.msg,
    t: message.t,
    groupable: false,
    ...(message.role ? { role: message.role } : {}),
    ts: DATE,
    u: userRef(by),
    _updatedAt: DATE,
  }
}

/** The events, as `HeardEvents` keeps them, of a user's and a group's streams. */
export const heardEvent = {
  subscriptionsChanged: (user: TestUser, args: unknown[]) => ({
    stream: 'notify-user',
    key: `${user.id}/subscriptions-changed`,
    args,
  }),
  roomsChanged: (user: TestUser, args: unknown[]) => ({
    stream: 'notify-user',
    key: `${user.id}/rooms-changed`,
    args,
  }),
  roomMessage: (group: GroupState, message: unknown) => ({
    stream: 'room-messages',
    key: group._id,
    args: [message],
  }),
  rolesChange: (type: string, role: string, user: TestUser, group: GroupState) => ({
    stream: 'notify-logged',
    key: 'roles-change',
    args: [{ type, _id: role, u: userRef(user), scope: group._id }],
  }),
}

/** The error of the `nosub` that ends a subscription to a group its user is no longer in. */
export const notAllowed = meteorError('not-allowed')
