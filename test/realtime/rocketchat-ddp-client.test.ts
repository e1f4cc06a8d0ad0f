// Rocket.Chat's own realtime client (@rocket.chat/ddp-client, licensed for development and
// testing only) against GET /websocket: what a client following its user streams, a group's
// messages and `roles-change` hears when someone else changes the group over REST, exactly.
import { DDPSDK } from '@rocket.chat/ddp-client'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { hashLoginToken } from '../../domain/ids.js'
import {
  api,
  createTestGroup,
  createTestUser,
  databaseNow,
  ddp,
  fixture,
  type TestUser,
  testDatabase,
} from '../helper.js'

// Node 20 has no WebSocket global; the client looks it up when it connects.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket

const db = await testDatabase(t)
/** Every date the clients hear is from this file's run, by the database's clock. */
const startedAt = await databaseNow(db)
const { app, base } = await ddp.listeningApp(t, db)

/** The official client, logged in with the user's REST token and following the user's streams. */
async function officialClient(t: Test, user: TestUser) {
  return ddp.followingClient(t, await DDPSDK.createAndConnect(base), user, db, startedAt)
}

type ClientName = 'owner' | 'member' | 'other' | 'outsider' | 'newcomer'

interface SceneOptions {
  /** The global roles of `other` (default `user`). */
  otherRoles?: string[]
  /** Changes made before the clients log in. */
  prepare?: (group: ddp.GroupState, users: Record<ClientName, TestUser>) => Promise<void>
}

let barriers = 0

/**
 * Users, their clients and two groups of the owner's: `group`, the one under test (owner,
 * member, other, whose clients follow its messages), and `barrier`, which every user is in.
 * `settle` changes the barrier group and returns what each client heard before hearing that:
 * the server delivers in log order, so nothing else is on its way.
 */
async function scene(t: Test, options: SceneOptions = {}) {
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const other = await createTestUser(db, { roles: options.otherRoles })
  const outsider = await createTestUser(db)
  const newcomer = await createTestUser(db)
  const barrier = await createTestGroup(app, owner, [member, other, outsider, newcomer])
  const created = await createTestGroup(app, owner, [member, other])
  const group: ddp.GroupState = { ...created, creator: owner, usersCount: 3, msgs: 0 }
  const users = { owner, member, other, outsider, newcomer }
  await options.prepare?.(group, users)
  const clients = {
    owner: await officialClient(t, owner),
    member: await officialClient(t, member),
    other: await officialClient(t, other),
    outsider: await officialClient(t, outsider),
    newcomer: await officialClient(t, newcomer),
  }
  const following = {
    owner: await clients.owner.listen('room-messages', group._id),
    member: await clients.member.listen('room-messages', group._id),
    other: await clients.other.listen('room-messages', group._id),
  }

  const settle = async () => {
    barriers += 1
    const topic = `barrier ${barriers}`
    const reply = await api(app, owner).post('groups.setTopic', { roomId: barrier._id, topic })
    if (reply.statusCode !== 200) throw new Error(`barrier not set: ${reply.body}`)
    const heard: Record<string, unknown[]> = {}
    for (const [name, client] of Object.entries(clients)) {
      heard[name] = await client.heard.takeUntil(ddp.isBarrier(client.user, barrier._id, topic))
    }
    return heard
  }
  // What the clients may still hear of the groups made before they logged in.
  await settle()

  /** Changes the group over REST as `by`, expecting 200. */
  const change = async (by: TestUser, endpoint: string, body: Record<string, unknown>) => {
    const reply = await api(app, by).post(endpoint, { roomId: group._id, ...body })
    t.equal(reply.statusCode, 200, `${endpoint} answered 200: ${reply.body}`)
  }
  /** What each of the group's members (as the scene starts) should hear, by user and roles. */
  const forMembers = async (hears: (user: TestUser, roles: string[]) => Promise<unknown[]>) => ({
    owner: await hears(owner, ['owner']),
    member: await hears(member, []),
    other: await hears(other, []),
  })
  return { users, clients, following, group, settle, change, forMembers }
}

/** A member's subscription and the group updated, then the message: a name or archiving changed. */
function subscriptionGroupAndMessage(group: ddp.GroupState, message: unknown) {
  return async (user: TestUser, roles: string[]) => [
    ddp.heardEvent.subscriptionsChanged(user, [
      'updated',
      await ddp.subscriptionDocument(db, group, user, roles),
    ]),
    ddp.heardEvent.roomsChanged(user, ['updated', ddp.roomDocument(group)]),
    ddp.heardEvent.roomMessage(group, message),
  ]
}

/** Asserts what each client heard; a client left out must have heard nothing. */
function assertHeard(
  t: Test,
  heard: Record<string, unknown[]>,
  expected: Partial<Record<ClientName, unknown[]>>,
) {
  for (const name of ['owner', 'member', 'other', 'outsider', 'newcomer'] as const) {
    const events = expected[name] ?? []
    t.strictSame(heard[name], events, `${name} heard ${events.length ? 'exactly that' : 'nothing'}`)
  }
}

/** What the subscription's `onChange` is told next: for a `ready` one, how it ends. */
function ended(subscription: { onChange(cb: (payload: unknown) => void): void }) {
  return new Promise((resolve) => subscription.onChange(resolve))
}

/**
 * The scene's member as it is about to be taken out of the group: its subscription as it will be
 * removed, and the end of its message subscription to come.
 */
async function aboutToGo(set: Awaited<ReturnType<typeof scene>>) {
  const { member } = set.users
  return {
    member,
    removed: await ddp.removedSubscription(db, set.group, member),
    messagesEnded: ended(set.following.member),
    id: set.following.member.id,
  }
}

/**
 * What a member taken out of the group and the two who stay hear: the member its subscription
 * removed, each other what `stay` lists; and the member's message subscription ends.
 */
async function assertTakenOut(
  t: Test,
  heard: Record<string, unknown[]>,
  taken: { member: TestUser; removed: unknown; messagesEnded: Promise<unknown>; id: string },
  stay: (name: 'owner' | 'other') => unknown[],
  ending = "the member's message subscription ends",
) {
  assertHeard(t, heard, {
    member: [ddp.heardEvent.subscriptionsChanged(taken.member, ['removed', taken.removed])],
    owner: stay('owner'),
    other: stay('other'),
  })
  t.strictSame(
    await taken.messagesEnded,
    { msg: 'nosub', id: taken.id, error: ddp.notAllowed },
    ending,
  )
}

t.test('the client resumes with the REST token', async (t) => {
  const user = await createTestUser(db)
  const sdk = await DDPSDK.createAndConnect(base)
  ddp.closeAtEnd(t, sdk)
  const { tokenExpires, ...result } = await sdk.account.loginWithToken(user.headers['x-auth-token'])
  t.strictSame(result, { id: user.id, token: user.headers['x-auth-token'], type: 'resume' })
  // Typed as a Date, it is the EJSON the server sent: the client does not revive dates.
  t.match(tokenExpires, { $date: Number }, 'the expiry is an EJSON date')
  const expires = (tokenExpires as unknown as { $date: number }).$date
  const { created_at: loggedInAt } = await db
    .selectFrom('login_tokens')
    .select('created_at')
    .where('hashed_token', '=', hashLoginToken(user.headers['x-auth-token']))
    .executeTakeFirstOrThrow()
  t.equal(
    expires,
    loggedInAt.getTime() + 90 * 24 * 3600 * 1000,
    'the token is said to last 90 days',
  )
  t.equal(sdk.account.uid, user.id, 'the client knows who it is')
})

t.test('groups.create: each member hears the subscription, then the group', async (t) => {
  const { users, settle } = await scene(t)
  const { owner, member, newcomer } = users
  const name = fixture.groupName('created')
  const reply = await api(app, owner).post('groups.create', {
    name,
    members: [member.username, newcomer.username],
  })
  t.equal(reply.statusCode, 200)
  const group: ddp.GroupState = {
    _id: reply.json().group._id,
    name,
    creator: owner,
    usersCount: 3,
    msgs: 0,
  }
  const heard = await settle()
  const joined = async (user: TestUser, roles: string[]) => [
    ddp.heardEvent.subscriptionsChanged(user, [
      'inserted',
      await ddp.subscriptionDocument(db, group, user, roles),
    ]),
    ddp.heardEvent.roomsChanged(user, ['inserted', ddp.roomDocument(group)]),
  ]
  assertHeard(t, heard, {
    owner: await joined(owner, ['owner']),
    member: await joined(member, []),
    newcomer: await joined(newcomer, []),
  })
})

t.test(
  'groups.invite: the invitee hears the subscription and group, members the rest',
  async (t) => {
    const { users, clients, group, settle, change } = await scene(t)
    const { owner, newcomer } = users
    await change(owner, 'groups.invite', { userId: newcomer.id })
    Object.assign(group, { usersCount: 4, msgs: 1 })
    const heard = await settle()
    const added = await ddp.systemMessage(db, group, owner, { t: 'au', msg: newcomer.username })
    const members = (name: 'owner' | 'member' | 'other') => [
      ddp.heardEvent.roomsChanged(clients[name].user, ['updated', ddp.roomDocument(group)]),
      ddp.heardEvent.roomMessage(group, added),
    ]
    assertHeard(t, heard, {
      newcomer: [
        ddp.heardEvent.subscriptionsChanged(newcomer, [
          'inserted',
          await ddp.subscriptionDocument(db, group, newcomer),
        ]),
        ddp.heardEvent.roomsChanged(newcomer, ['inserted', ddp.roomDocument(group)]),
      ],
      owner: members('owner'),
      member: members('member'),
      other: members('other'),
    })
  },
)

t.test('groups.kick: the kicked member hears the removal, and nothing more', async (t) => {
  const set = await scene(t)
  const { users, clients, group, settle, change } = set
  const { owner, member } = users
  const taken = await aboutToGo(set)
  await change(owner, 'groups.kick', { userId: member.id })
  Object.assign(group, { usersCount: 2, msgs: 1 })
  const afterKick = ddp.roomDocument(group)
  const kicked = await ddp.systemMessage(db, group, owner, { t: 'ru', msg: member.username })
  await change(owner, 'groups.setTopic', { topic: 'after the kick' })
  Object.assign(group, { msgs: 2, topic: 'after the kick' })
  const heard = await settle()
  const topic = await ddp.systemMessage(db, group, owner, {
    t: 'room_changed_topic',
    msg: 'after the kick',
  })
  const members = (name: 'owner' | 'other') => [
    ddp.heardEvent.roomsChanged(clients[name].user, ['updated', afterKick]),
    ddp.heardEvent.roomMessage(group, kicked),
    ddp.heardEvent.roomsChanged(clients[name].user, ['updated', ddp.roomDocument(group)]),
    ddp.heardEvent.roomMessage(group, topic),
  ]
  await assertTakenOut(
    t,
    heard,
    taken,
    members,
    "the kicked member's message subscription ends, seen through the subscription's onChange",
  )
})

t.test('groups.leave: the leaver hears the removal, the others the message', async (t) => {
  const set = await scene(t)
  const { users, clients, group, settle } = set
  const { member } = users
  const taken = await aboutToGo(set)
  const reply = await api(app, member).post('groups.leave', { roomId: group._id })
  t.equal(reply.statusCode, 200)
  Object.assign(group, { usersCount: 2, msgs: 1 })
  const heard = await settle()
  const left = await ddp.systemMessage(db, group, member, { t: 'ul', msg: member.username })
  const members = (name: 'owner' | 'other') => [
    ddp.heardEvent.roomsChanged(clients[name].user, ['updated', ddp.roomDocument(group)]),
    ddp.heardEvent.roomMessage(group, left),
  ]
  await assertTakenOut(t, heard, taken, members)
})

const textSettings = [
  { endpoint: 'groups.setTopic', field: 'topic', type: 'room_changed_topic' },
  { endpoint: 'groups.setDescription', field: 'description', type: 'room_changed_description' },
  {
    endpoint: 'groups.setAnnouncement',
    field: 'announcement',
    type: 'room_changed_announcement',
  },
] as const

for (const { endpoint, field, type } of textSettings) {
  t.test(`${endpoint}: every member hears the group and the message`, async (t) => {
    const { users, clients, group, settle, change } = await scene(t)
    const value = `the new ${field}, with "quotes" & ünïcode`
    await change(users.owner, endpoint, { [field]: value })
    Object.assign(group, { [field]: value, msgs: 1 })
    const heard = await settle()
    const message = await ddp.systemMessage(db, group, users.owner, { t: type, msg: value })
    const member = (who: 'owner' | 'member' | 'other') => [
      ddp.heardEvent.roomsChanged(clients[who].user, ['updated', ddp.roomDocument(group)]),
      ddp.heardEvent.roomMessage(group, message),
    ]
    assertHeard(t, heard, {
      owner: member('owner'),
      member: member('member'),
      other: member('other'),
    })
  })
}

for (const role of ['owner', 'moderator', 'leader'] as const) {
  const Role = `${role[0]?.toUpperCase()}${role.slice(1)}`
  for (const change of ['added', 'removed'] as const) {
    const endpoint = `groups.${change === 'added' ? 'add' : 'remove'}${Role}`
    t.test(
      `${endpoint}: the target hears its roles, members the message and roles-change`,
      async (t) => {
        const {
          users,
          group,
          settle,
          change: send,
        } = await scene(t, {
          prepare: async (group, users) => {
            if (change === 'removed') {
              await fixture.setRoomRoles(db, group._id, users.member.id, [role])
            }
          },
        })
        const { owner, member } = users
        await send(owner, endpoint, { userId: member.id })
        group.msgs = 1
        const heard = await settle()
        const message = await ddp.systemMessage(db, group, owner, {
          t: `subscription-role-${change}`,
          msg: member.username,
          role,
        })
        const roles = change === 'added' ? [role] : []
        const news = [
          ddp.heardEvent.roomMessage(group, message),
          ddp.heardEvent.rolesChange(change, role, member, group),
        ]
        assertHeard(t, heard, {
          member: [
            ddp.heardEvent.subscriptionsChanged(member, [
              'updated',
              await ddp.subscriptionDocument(db, group, member, roles),
            ]),
            ...news,
          ],
          owner: news,
          other: news,
        })
      },
    )
  }
}

/**
 * Changes that every member hears as the subscription, the group and a system message: the
 * endpoint, who sends it, its body, the group's fields after it and the message it writes.
 */
const heardWithMessage: Array<{
  endpoint: string
  by: 'owner' | 'other'
  body: Record<string, unknown>
  after: Partial<ddp.GroupState>
  message: { t: string; msg: string }
  options?: SceneOptions
}> = [
  (() => {
    const name = fixture.groupName('renamed')
    return {
      endpoint: 'groups.rename',
      by: 'owner' as const,
      body: { name },
      after: { name, msgs: 1 },
      message: { t: 'r', msg: name },
    }
  })(),
  {
    endpoint: 'groups.archive',
    by: 'owner',
    body: {},
    after: { archived: true, msgs: 1 },
    message: { t: 'room-archived', msg: '' },
  },
  {
    endpoint: 'groups.unarchive',
    // Unarchiving takes `unarchive-room`, which Rocket.Chat gives admins only.
    by: 'other',
    body: {},
    after: { archived: false, msgs: 2 },
    message: { t: 'room-unarchived', msg: '' },
    options: {
      otherRoles: ['admin', 'user'],
      prepare: async (group, users) => {
        const reply = await api(app, users.owner).post('groups.archive', { roomId: group._id })
        if (reply.statusCode !== 200) throw new Error(`not archived: ${reply.body}`)
        Object.assign(group, { archived: true, msgs: 1 })
      },
    },
  },
]

for (const { endpoint, by, body, after, message, options } of heardWithMessage) {
  t.test(
    `${endpoint}: every member hears the subscription, the group and the message`,
    async (t) => {
      const { users, group, settle, change, forMembers } = await scene(t, options)
      await change(users[by], endpoint, body)
      Object.assign(group, after)
      const heard = await settle()
      const written = await ddp.systemMessage(db, group, users[by], message)
      assertHeard(t, heard, await forMembers(subscriptionGroupAndMessage(group, written)))
    },
  )
}

t.test('groups.delete: every member hears the subscription and the group removed', async (t) => {
  const { users, following, group, settle, change, forMembers } = await scene(t)
  // The subscriptions' ids are read while they are still stored.
  const expected = await forMembers(async (user) => [
    ddp.heardEvent.subscriptionsChanged(user, [
      'removed',
      await ddp.removedSubscription(db, group, user),
    ]),
    ddp.heardEvent.roomsChanged(user, ['removed', { _id: group._id }]),
  ])
  const subscriptions = [following.owner, following.member, following.other]
  const messagesEnded = Promise.all(subscriptions.map(ended))
  await change(users.owner, 'groups.delete', {})
  assertHeard(t, await settle(), expected)
  t.strictSame(
    await messagesEnded,
    subscriptions.map(({ id }) => ({ msg: 'nosub', id, error: ddp.notAllowed })),
    'every message subscription ends',
  )
})

t.test(
  "a user outside the group cannot follow its messages: the client's ready() rejects",
  async (t) => {
    const { clients, group } = await scene(t)
    await t.rejects(clients.outsider.listen('room-messages', group._id), ddp.notAllowed)
  },
)
