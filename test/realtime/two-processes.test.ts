// Two service processes on one PostgreSQL database (`npm run build` first): a change committed
// through process A reaches Rocket.Chat's official realtime client (@rocket.chat/ddp-client,
// licensed for development and testing only) connected to process B exactly as it would on A,
// and a login revoked through A closes the client's socket on B.
import { DDPSDK } from '@rocket.chat/ddp-client'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import {
  createTestUser,
  databaseNow,
  ddp,
  groupName,
  onlyOnPostgres,
  postgresUrl,
  type TestUser,
  testDatabase,
  until,
  within,
} from '../helper.js'
import { databaseUrlOf, startCluster } from '../support/cluster.js'

// Node 20 has no WebSocket global; the client looks it up when it connects.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket

const db = await testDatabase(t)
/** Every date the clients hear is from this file's run, by the database's clock. */
const startedAt = await databaseNow(db)

/** A logout reaches every process's connections within this, from the answer to the close. */
const REVOKED_WITHIN_MS = 1000

/** The two processes, started by the first test that runs and shared by the others. */
let processes: Promise<{ a: string; b: string }> | undefined
function twoProcesses() {
  processes ??= (async () => {
    const cluster = await startCluster(t, await databaseUrlOf(db, postgresUrl), 2)
    const [a, b] = cluster.servers.map((server) => server.url)
    if (!a || !b) throw new Error('the cluster did not start')
    return { a, b }
  })()
  return processes
}

/** POSTs to `/api/v1/<endpoint>` of one process as `user`; the status and the body. */
async function post(server: string, user: TestUser, endpoint: string, body: object = {}) {
  const response = await fetch(`${server}/api/v1/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...user.headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/**
 * The official client on one process, logged in with the user's REST token and following its
 * user streams. It does not reconnect: after the server closes the socket, the client's own
 * retry would resume with the same token and leave the refusal as an unhandled rejection.
 */
async function officialClient(t: Test, server: string, user: TestUser) {
  const sdk = await DDPSDK.createAndConnect(server, { retryCount: 0, retryTime: 100 })
  return ddp.followingClient(t, sdk, user, db, startedAt)
}

/**
 * Two processes; an owner, a member and another member, whose clients on B follow `group`'s
 * messages; and a `barrier` group they are all in. `settle` changes the barrier group through
 * A and returns what each client on B heard before hearing that: nothing else is on its way.
 */
async function scene(t: Test) {
  const { a, b } = await twoProcesses()
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const other = await createTestUser(db)
  const create = async (name: string) => {
    const members = [member.username, other.username]
    const reply = await post(a, owner, 'groups.create', { name, members })
    if (reply.status !== 200) throw new Error(`group not created: ${JSON.stringify(reply.body)}`)
    return (reply.body.group as { _id: string })._id
  }
  const barrier = await create(groupName('barrier'))
  const name = groupName('across')
  const group: ddp.GroupState = {
    _id: await create(name),
    name,
    creator: owner,
    usersCount: 3,
    msgs: 0,
  }
  const clients = {
    member: await officialClient(t, b, member),
    other: await officialClient(t, b, other),
  }
  const following = {
    member: await clients.member.listen('room-messages', group._id),
    other: await clients.other.listen('room-messages', group._id),
  }
  let barriers = 0
  const settle = async () => {
    barriers += 1
    const topic = `barrier ${barriers}`
    const reply = await post(a, owner, 'groups.setTopic', { roomId: barrier, topic })
    if (reply.status !== 200) throw new Error(`barrier not set: ${JSON.stringify(reply.body)}`)
    return {
      member: await clients.member.heard.takeUntil(ddp.isBarrier(member, barrier, topic)),
      other: await clients.other.heard.takeUntil(ddp.isBarrier(other, barrier, topic)),
    }
  }
  // What the clients may still hear of the groups made before they logged in.
  await settle()
  return { a, b, owner, member, other, group, clients, following, settle }
}

t.test(
  'a rename through process A reaches the client on process B exactly',
  { skip: onlyOnPostgres }, // skipped on the embedded database: it needs several connections to one PostgreSQL server.
  async (t) => {
    const { a, owner, member, other, group, settle } = await scene(t)
    const name = groupName('renamed')
    t.equal((await post(a, owner, 'groups.rename', { roomId: group._id, name })).status, 200)
    Object.assign(group, { name, msgs: 1 })
    const heard = await settle()
    const renamed = await ddp.systemMessage(db, group, owner, { t: 'r', msg: name })
    for (const [who, user] of Object.entries({ member, other })) {
      t.strictSame(
        heard[who as keyof typeof heard],
        [
          ddp.heardEvent.subscriptionsChanged(user, [
            'updated',
            await ddp.subscriptionDocument(db, group, user),
          ]),
          ddp.heardEvent.roomsChanged(user, ['updated', ddp.roomDocument(group)]),
          ddp.heardEvent.roomMessage(group, renamed),
        ],
        `${who} heard the subscription, the group and the message`,
      )
    }
  },
)

t.test(
  'a kick through process A reaches the clients on process B exactly',
  { skip: onlyOnPostgres }, // skipped on the embedded database: it needs several connections to one PostgreSQL server.
  async (t) => {
    const { a, owner, member, other, group, following, settle } = await scene(t)
    const messagesEnded = new Promise((resolve) => following.member.onChange(resolve))
    const removed = await ddp.removedSubscription(db, group, member)
    const kick = await post(a, owner, 'groups.kick', { roomId: group._id, userId: member.id })
    t.equal(kick.status, 200)
    Object.assign(group, { usersCount: 2, msgs: 1 })
    const heard = await settle()
    const kicked = await ddp.systemMessage(db, group, owner, { t: 'ru', msg: member.username })
    t.strictSame(
      heard.member,
      [ddp.heardEvent.subscriptionsChanged(member, ['removed', removed])],
      'the kicked member heard the removal only',
    )
    t.strictSame(
      await messagesEnded,
      { msg: 'nosub', id: following.member.id, error: ddp.notAllowed },
      "the kicked member's message subscription ended",
    )
    t.strictSame(
      heard.other,
      [
        ddp.heardEvent.roomsChanged(other, ['updated', ddp.roomDocument(group)]),
        ddp.heardEvent.roomMessage(group, kicked),
      ],
      'the other member heard the group and the message',
    )
  },
)

t.test(
  "a logout through process A closes the client's socket on process B within a second",
  { skip: onlyOnPostgres }, // skipped on the embedded database: it needs several connections to one PostgreSQL server.
  async (t) => {
    const { a, b } = await twoProcesses()
    const user = await createTestUser(db)
    const { sdk } = await officialClient(t, b, user)
    const socket = (sdk.connection as unknown as { ws: WebSocket }).ws
    const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
      // The client's socket is Node's own WebSocket on Node 22 and later, the `ws` package's
      // before: both take addEventListener and give a close event with its code and reason.
      socket.addEventListener(
        'close',
        (event) => {
          resolve({ code: event.code, reason: String(event.reason), at: Date.now() })
        },
        { once: true },
      )
    })

    const logout = await post(a, user, 'logout')
    const answeredAt = Date.now()
    t.strictSame(logout, {
      status: 200,
      body: { status: 'success', data: { message: "You've been logged out!" }, success: true },
    })
    const close = await within('the socket closes after the logout', closed, 5 * REVOKED_WITHIN_MS)
    t.ok(
      close.at - answeredAt < REVOKED_WITHIN_MS,
      `closed ${close.at - answeredAt} ms after the answer (negative: before it arrived)`,
    )
    t.strictSame({ code: close.code, reason: close.reason }, { code: 4003, reason: 'logged out' })
    t.equal(sdk.connection.status, 'disconnected', 'the client saw its connection go')
  },
)

t.test(
  'a client that received events from process A resumes on process B with exactly what it missed',
  { skip: onlyOnPostgres }, // skipped on the embedded database: two processes share one PostgreSQL database.
  async (t) => {
    const { a, b } = await twoProcesses()
    const owner = await createTestUser(db)
    const member = await createTestUser(db)
    const created = await post(a, owner, 'groups.create', {
      name: groupName('resumed'),
      members: [member.username],
    })
    const roomId = (created.body.group as { _id: string })._id
    const socketUrl = (server: string) => `${server.replace(/^http/, 'ws')}/websocket`
    const streams: Array<[string, string, string]> = [
      ['rooms', 'stream-notify-user', `${member.id}/rooms-changed`],
      ['messages', 'stream-room-messages', roomId],
    ]
    const follow = async (client: ddp.RawDdp, lastIds?: Map<string, string>) => {
      for (const [id, name, eventName] of streams) {
        const answer = await client.subscribe(id, name, eventName, lastIds?.get(id))
        if (answer.msg !== 'ready') throw new Error(`not subscribed: ${JSON.stringify(answer)}`)
      }
    }
    const heard = (client: ddp.RawDdp, eventName: string) =>
      client.received
        .filter(
          (frame) => (frame.fields as { eventName?: string } | undefined)?.eventName === eventName,
        )
        .map((frame) => ({
          id: client.eventIds.get(frame),
          args: (frame.fields as { args: unknown }).args,
        }))
    /** Waits until a client heard a topic change both as the group's change and as its message. */
    const waitForTopic = async (client: ddp.RawDdp, topic: string) => {
      const has = (eventName: string, text: string) =>
        JSON.stringify(heard(client, eventName)).includes(text)
      await until(
        `topic ${topic} heard`,
        () =>
          has(`${member.id}/rooms-changed`, `"topic":"${topic}"`) &&
          has(roomId, `"msg":"${topic}"`),
      )
    }

    const witness = await ddp.loggedInSocket(t, socketUrl(b), member)
    await follow(witness)
    const client = await ddp.loggedInSocket(t, socketUrl(a), member)
    await follow(client)
    await post(a, owner, 'groups.setTopic', { roomId, topic: 'seen' })
    await waitForTopic(client, 'seen')
    const lastIds = new Map(
      streams.map(([id, , eventName]) => [id, heard(client, eventName).at(-1)?.id as string]),
    )
    client.close()
    await client.closed

    for (let i = 0; i < 5; i++)
      await post(a, owner, 'groups.setTopic', { roomId, topic: `away-${i}` })
    await post(a, owner, 'groups.rename', { roomId, name: groupName('moved') })
    await waitForTopic(witness, 'away-4')

    const back = await ddp.loggedInSocket(t, socketUrl(b), member)
    await follow(back, lastIds)
    await post(a, owner, 'groups.setTopic', { roomId, topic: 'live' })
    await waitForTopic(back, 'live')
    await waitForTopic(witness, 'live')
    for (const [id, , eventName] of streams) {
      const all = heard(witness, eventName)
      const from = all.findIndex((event) => event.id === lastIds.get(id))
      t.ok(from >= 0, `${id}: the witness heard the last id`)
      const missed = all.slice(from + 1)
      t.ok(missed.length >= 7, `${id}: several events were missed`)
      t.same(heard(back, eventName), missed, `${id}: exactly what was missed, then live`)
    }
  },
)
