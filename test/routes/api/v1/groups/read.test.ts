import { sql } from 'kysely'
import t from 'tap'
import { randomId } from '../../../../../domain/ids.js'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  groupName,
  loginChangesHeard,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'
import {
  api,
  archived,
  assertReply,
  assertUnchanged,
  ISO_TIMESTAMP,
  invalidParams,
  invalidQuery,
  invalidSort,
  notLoggedIn,
  roomNotFound,
  roomParamNotProvided,
  snapshotGroup,
  unauthorized,
} from '../../../../support/api.js'
import { ownedGroup } from '../../../../support/fixtures.js'

const db = await testDatabase(t)

type App = Awaited<ReturnType<typeof buildApp>>

/** `count` plain messages by `author`, one second apart from 2024-01-01T00:00:00Z. */
async function insertTextMessages(roomId: string, author: TestUser, count: number) {
  await db
    .insertInto('messages')
    .values(
      Array.from({ length: count }, (_, index) => ({
        id: `${roomId}-${String(index).padStart(3, '0')}`,
        room_id: roomId,
        type: null,
        msg: `message ${index}`,
        role: null,
        user_id: author.id,
        username: author.username,
        created_at: new Date(Date.UTC(2024, 0, 1, 0, 0, index)),
        updated_at: new Date(Date.UTC(2024, 0, 1, 0, 0, index)),
      })),
    )
    .execute()
}

/** Groups written straight to the database, each owned by `owner` alone. */
async function seedGroupsOf(owner: TestUser, groups: Array<{ name: string; msgs?: number }>) {
  const rows = groups.map(({ name, msgs }) => ({
    id: randomId(),
    name,
    fname: name,
    creator_id: owner.id,
    creator_username: owner.username,
    users_count: 1,
    msgs: msgs ?? 0,
  }))
  await db.insertInto('rooms').values(rows).execute()
  await db
    .insertInto('room_members')
    .values(rows.map((row) => ({ room_id: row.id, user_id: owner.id, roles: ['owner'] })))
    .execute()
  return rows
}

/** `count` more members of a group, written straight to the database. */
async function seedMembers(roomId: string, count: number) {
  const users = Array.from({ length: count }, () => {
    const id = randomId()
    return { id, username: `seeded-${id.toLowerCase()}`, name: id, email: null, password_hash: '-' }
  })
  await db.insertInto('users').values(users).execute()
  await db
    .insertInto('room_members')
    .values(users.map((user) => ({ room_id: roomId, user_id: user.id })))
    .execute()
  await db
    .updateTable('rooms')
    .set((eb) => ({ users_count: eb('users_count', '+', count) }))
    .where('id', '=', roomId)
    .execute()
}

/** A user whose only extra global role is granted `permission` (and nothing else). */
async function userWithPermission(permission: string) {
  const role = `role-${randomId().slice(0, 8).toLowerCase()}`
  await db.insertInto('roles').values({ id: role, scope: 'Users' }).execute()
  await db
    .insertInto('permission_roles')
    .values({ permission_id: permission, role_id: role })
    .execute()
  await loginChangesHeard(db)
  return createTestUser(db, { roles: ['user', role] })
}

async function auditRowCount() {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/** A group's body as groups.list shows it: groups.info's, without the usernames. */
async function summaryOf(app: App, member: TestUser, roomId: string) {
  const { usernames: _, ...summary } = (
    await api(app, member).get('groups.info', { roomId })
  ).json().group
  return summary
}

t.test('groups.info: a member gets the group by roomId or roomName', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app, db)

  const byId = await api(app, member).get('groups.info', { roomId: group._id })
  t.equal(byId.statusCode, 200)
  const body = byId.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.equal(body.success, true)
  t.match(body.group.ts, ISO_TIMESTAMP)
  t.match(body.group._updatedAt, ISO_TIMESTAMP)
  t.same([...body.group.usernames].sort(), [owner.username, member.username].sort())
  t.same(body.group, {
    _id: group._id,
    name: group.name,
    fname: group.name,
    t: 'p',
    usernames: body.group.usernames,
    msgs: 0,
    usersCount: 2,
    u: { _id: owner.id, username: owner.username },
    ts: body.group.ts,
    ro: false,
    sysMes: true,
    _updatedAt: body.group._updatedAt,
  })

  const byName = await api(app, owner).get('groups.info', { roomName: group.name })
  assertReply(t, byName, 200, body)
})

t.test('groups.info: roomId wins over roomName', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const first = await createTestGroup(app, owner)
  const second = await createTestGroup(app, owner)

  const response = await api(app, owner).get('groups.info', {
    roomId: first._id,
    roomName: second.name,
  })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, first._id)
  t.equal(response.json().group.name, first.name)
})

t.test('groups.info: a global admin who is a member sees the group', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner, [admin])

  const response = await api(app, admin).get('groups.info', { roomId: group._id })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, group._id)
})

t.test('info, members, history, messages and counters without a room parameter', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  await createTestGroup(app, owner)

  for (const endpoint of [
    'groups.info',
    'groups.members',
    'groups.history',
    'groups.messages',
    'groups.counters',
  ]) {
    const response = await api(app, owner).get(endpoint)
    assertReply(t, response, 400, roomParamNotProvided, endpoint)
  }
})

t.test(
  'a non-member, even a global admin, gets error-room-not-found from every group endpoint',
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const member = await createTestUser(db)
    const outsider = await createTestUser(db)
    const admin = await createTestUser(db, { roles: ['admin'] })
    const group = await createTestGroup(app, owner, [member])
    const stored = await snapshotGroup(db, group._id)

    const endpoints: Array<{
      method: 'GET' | 'POST'
      endpoint: string
      extra: Record<string, string>
    }> = [
      { method: 'GET', endpoint: 'groups.info', extra: {} },
      { method: 'GET', endpoint: 'groups.members', extra: {} },
      { method: 'GET', endpoint: 'groups.history', extra: {} },
      { method: 'GET', endpoint: 'groups.messages', extra: {} },
      { method: 'GET', endpoint: 'groups.counters', extra: {} },
      { method: 'POST', endpoint: 'groups.invite', extra: { userId: outsider.id } },
      { method: 'POST', endpoint: 'groups.kick', extra: { userId: member.id } },
      { method: 'POST', endpoint: 'groups.addOwner', extra: { userId: member.id } },
      { method: 'POST', endpoint: 'groups.removeOwner', extra: { userId: owner.id } },
    ]
    const callers = [
      { label: 'a plain user', user: outsider },
      { label: 'a global admin', user: admin },
    ]
    const refs: Array<Record<string, string>> = [
      { roomId: group._id },
      { roomName: group.name },
      { roomId: 'no-such-room' },
      { roomName: 'no-such-room' },
    ]

    for (const { method, endpoint, extra } of endpoints) {
      for (const { label, user } of callers) {
        for (const ref of refs) {
          const params = { ...ref, ...extra }
          const response =
            method === 'GET'
              ? await api(app, user).get(endpoint, params)
              : await api(app, user).post(endpoint, params)
          const what = `${endpoint} by ${label} with ${JSON.stringify(ref)}`
          assertReply(t, response, 400, roomNotFound, what)
        }
      }
    }

    await assertUnchanged(t, stored)
  },
)

t.test('not logged in: 401 from every reading endpoint', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  for (const endpoint of [
    'groups.info',
    'groups.list',
    'groups.listAll',
    'groups.members',
    'groups.history',
    'groups.messages',
    'groups.counters',
  ]) {
    const response = await api(app, null).get(endpoint, { roomId: group._id })
    assertReply(t, response, 401, notLoggedIn, endpoint)
  }
})

t.test("groups.list: the caller's groups only, sorted by name, paged", async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const other = await createTestUser(db)
  const charlie = await createTestGroup(app, user, [], groupName('charlie'))
  const bravo = await createTestGroup(app, other, [user], groupName('bravo'))
  await createTestGroup(app, other, [], groupName('alpha'))
  const alpha = await createTestGroup(app, user, [other], groupName('alpha'))

  const all = await api(app, user).get('groups.list')

  t.equal(all.statusCode, 200)
  const body = all.json()
  t.same(Object.keys(body).sort(), ['count', 'groups', 'offset', 'success', 'total'])
  t.same(
    body.groups.map((group: { name: string }) => group.name),
    [alpha.name, bravo.name, charlie.name],
  )
  t.same(
    { count: body.count, offset: body.offset, total: body.total, success: body.success },
    {
      count: 3,
      offset: 0,
      total: 3,
      success: true,
    },
  )
  const [first] = body.groups
  t.match(first.ts, ISO_TIMESTAMP)
  t.match(first._updatedAt, ISO_TIMESTAMP)
  t.same(first, {
    _id: alpha._id,
    name: alpha.name,
    fname: alpha.name,
    t: 'p',
    msgs: 0,
    usersCount: 2,
    u: { _id: user.id, username: user.username },
    ts: first.ts,
    ro: false,
    sysMes: true,
    _updatedAt: first._updatedAt,
  })

  const page = await api(app, user).get('groups.list', { offset: '1', count: '1' })
  t.equal(page.statusCode, 200)
  const paged = page.json()
  t.same(
    paged.groups.map((group: { _id: string }) => group._id),
    [bravo._id],
  )
  t.same(
    { count: paged.count, offset: paged.offset, total: paged.total },
    {
      count: 1,
      offset: 1,
      total: 3,
    },
  )

  const past = await api(app, user).get('groups.list', { offset: '5' })
  assertReply(t, past, 200, { groups: [], count: 0, offset: 5, total: 3, success: true })
})

t.test('groups.list: a user in no group gets an empty list', async (t) => {
  const app = await buildApp(t, db)
  const loner = await createTestUser(db)

  const response = await api(app, loner).get('groups.list')

  assertReply(t, response, 200, { groups: [], count: 0, offset: 0, total: 0, success: true })
})

t.test('list, listAll, members and messages: bad paging is invalid-params', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner)

  const cases: Array<{ query: Record<string, string>; error: string }> = [
    { query: { count: 'ten' }, error: 'count must be a whole number written in decimal digits' },
    { query: { count: '1.5' }, error: 'count must be a whole number written in decimal digits' },
    { query: { count: '-1' }, error: 'count must be >= 0' },
    { query: { offset: '-1' }, error: 'offset must be >= 0' },
    { query: { offset: 'x' }, error: 'offset must be a whole number written in decimal digits' },
  ]
  for (const endpoint of ['groups.list', 'groups.listAll', 'groups.members', 'groups.messages']) {
    for (const { query, error } of cases) {
      const response = await api(app, owner).get(endpoint, { roomId: group._id, ...query })
      assertReply(t, response, 400, invalidParams(error), `${endpoint} ${JSON.stringify(query)}`)
    }
  }
})

t.test('groups.members: members by username, paged, with the total', async (t) => {
  const app = await buildApp(t, db)
  const base = groupName('member')
  const owner = await createTestUser(db, { username: `${base}a` })
  const members = [
    await createTestUser(db, { username: `${base}d` }),
    await createTestUser(db, { username: `${base}b` }),
    await createTestUser(db, { username: `${base}c` }),
  ]
  const group = await createTestGroup(app, owner, members)
  const item = (username: string, id: string) => ({
    _id: id,
    username,
    name: `Name of ${username}`,
    status: 'offline',
  })
  const [d, b, c] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]]

  const all = await api(app, c).get('groups.members', { roomId: group._id })
  assertReply(t, all, 200, {
    members: [
      item(owner.username, owner.id),
      item(b.username, b.id),
      item(c.username, c.id),
      item(d.username, d.id),
    ],
    count: 4,
    offset: 0,
    total: 4,
    success: true,
  })

  const page = await api(app, owner).get('groups.members', {
    roomName: group.name,
    offset: '1',
    count: '2',
  })
  assertReply(t, page, 200, {
    members: [item(b.username, b.id), item(c.username, c.id)],
    count: 2,
    offset: 1,
    total: 4,
    success: true,
  })
})

/** Three system messages with known, microsecond-precise times (as the database keeps them). */
async function groupWithHistory(app: Awaited<ReturnType<typeof buildApp>>) {
  const owner = await createTestUser(db)
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  for (const [endpoint, user] of [
    ['groups.invite', first],
    ['groups.invite', second],
    ['groups.kick', first],
  ] as const) {
    const response = await api(app, owner).post(endpoint, { roomId: group._id, userId: user.id })
    if (response.statusCode !== 200) throw new Error(`${endpoint} failed: ${response.body}`)
  }
  const stored = await db
    .selectFrom('messages')
    .select('id')
    .where('room_id', '=', group._id)
    .orderBy('created_at')
    .execute()
  const times = [
    '2024-05-01T10:00:01.123456Z',
    '2024-05-01T10:00:02.123456Z',
    '2024-05-01T10:00:03.123456Z',
  ]
  for (const [index, message] of stored.entries()) {
    await db
      .updateTable('messages')
      .set({
        created_at: sql<Date>`${times[index]}::timestamptz`,
        updated_at: sql<Date>`${times[index]}::timestamptz`,
      })
      .where('id', '=', message.id)
      .execute()
  }
  const [addedFirst, addedSecond, removedFirst] = stored.map((message) => message.id)
  return { owner, first, second, group, ids: { addedFirst, addedSecond, removedFirst } }
}

t.test('groups.history: system messages, newest first, in the API shape', async (t) => {
  const app = await buildApp(t, db)
  const { owner, first, second, group, ids } = await groupWithHistory(app)

  const response = await api(app, second).get('groups.history', { roomId: group._id })

  t.equal(response.statusCode, 200)
  const u = { _id: owner.id, username: owner.username }
  t.same(response.json(), {
    messages: [
      {
        _id: ids.removedFirst,
        rid: group._id,
        msg: first.username,
        t: 'ru',
        ts: '2024-05-01T10:00:03.123Z',
        u,
        _updatedAt: '2024-05-01T10:00:03.123Z',
        groupable: false,
      },
      {
        _id: ids.addedSecond,
        rid: group._id,
        msg: second.username,
        t: 'au',
        ts: '2024-05-01T10:00:02.123Z',
        u,
        _updatedAt: '2024-05-01T10:00:02.123Z',
        groupable: false,
      },
      {
        _id: ids.addedFirst,
        rid: group._id,
        msg: first.username,
        t: 'au',
        ts: '2024-05-01T10:00:01.123Z',
        u,
        _updatedAt: '2024-05-01T10:00:01.123Z',
        groupable: false,
      },
    ],
    success: true,
  })
})

t.test('groups.history: count, offset and the latest/oldest window', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, ids } = await groupWithHistory(app)
  const { addedFirst, addedSecond, removedFirst } = ids
  const at = (second: number) => `2024-05-01T10:00:0${second}.123Z`

  const cases: Array<{ query: Record<string, string>; expected: unknown[] }> = [
    { query: {}, expected: [removedFirst, addedSecond, addedFirst] },
    { query: { count: '2' }, expected: [removedFirst, addedSecond] },
    { query: { count: '1', offset: '1' }, expected: [addedSecond] },
    { query: { offset: '3' }, expected: [] },
    { query: { latest: at(2) }, expected: [addedFirst] },
    { query: { latest: at(2), inclusive: 'true' }, expected: [addedSecond, addedFirst] },
    { query: { oldest: at(2) }, expected: [removedFirst] },
    { query: { oldest: at(2), inclusive: 'true' }, expected: [removedFirst, addedSecond] },
    { query: { oldest: at(1), latest: at(3) }, expected: [addedSecond] },
    {
      query: { oldest: at(1), latest: at(3), inclusive: 'true' },
      expected: [removedFirst, addedSecond, addedFirst],
    },
    {
      query: { oldest: at(1), latest: at(3), inclusive: 'true', count: '1', offset: '1' },
      expected: [addedSecond],
    },
    { query: { latest: '2024-05-01T10:00:02.500Z' }, expected: [addedSecond, addedFirst] },
    { query: { oldest: '2024-05-01T10:00:03.500Z' }, expected: [] },
  ]
  for (const { query, expected } of cases) {
    const response = await api(app, owner).get('groups.history', { roomId: group._id, ...query })
    t.equal(response.statusCode, 200, JSON.stringify(query))
    t.same(
      response.json().messages.map((message: { _id: string }) => message._id),
      expected,
      JSON.stringify(query),
    )
  }
})

t.test('groups.history: 20 messages by default, above 100 cut to 100', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  await insertTextMessages(group._id, owner, 105)

  const byDefault = await api(app, owner).get('groups.history', { roomId: group._id })
  t.equal(byDefault.statusCode, 200)
  const messages = byDefault.json().messages
  t.equal(messages.length, 20)
  t.equal(messages[0].msg, 'message 104')
  t.equal(messages[19].msg, 'message 85')
  t.same(Object.keys(messages[0]).sort(), ['_id', '_updatedAt', 'msg', 'rid', 'ts', 'u'])

  for (const count of ['100', '101', '5000']) {
    const capped = await api(app, owner).get('groups.history', { roomId: group._id, count })
    t.equal(capped.statusCode, 200, `count=${count}`)
    const page = capped.json().messages
    t.equal(page.length, 100, `count=${count}`)
    t.equal(page[99].msg, 'message 5', `count=${count}`)
  }

  for (const { query, error } of [
    { query: { count: 'many' }, error: 'count must be a whole number written in decimal digits' },
    { query: { latest: 'yesterday' }, error: 'latest must match format "date-time"' },
    { query: { inclusive: 'maybe' }, error: 'inclusive must be boolean' },
  ]) {
    const response = await api(app, owner).get('groups.history', { roomId: group._id, ...query })
    assertReply(t, response, 400, invalidParams(error), JSON.stringify(query))
  }
})

t.test('count above 100 is cut to 100 on list, listAll, members and messages', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const prefix = groupName('many')
  await seedGroupsOf(
    admin,
    Array.from({ length: 101 }, (_, index) => ({
      name: `${prefix}-${String(index).padStart(3, '0')}`,
    })),
  )
  const group = await createTestGroup(app, admin, [], `${prefix}-zzz`)
  await seedMembers(group._id, 100)
  await insertTextMessages(group._id, admin, 101)
  const onlyPrefix = JSON.stringify({ name: { $regex: `^${prefix}-\\d+$` } })

  const lists: Array<{ endpoint: string; key: string; query: Record<string, string> }> = [
    { endpoint: 'groups.list', key: 'groups', query: {} },
    { endpoint: 'groups.listAll', key: 'groups', query: { query: onlyPrefix } },
    { endpoint: 'groups.members', key: 'members', query: { roomId: group._id } },
    { endpoint: 'groups.messages', key: 'messages', query: { roomId: group._id } },
  ]
  const totals: Record<string, number> = {
    'groups.list': 102,
    'groups.listAll': 101,
    'groups.members': 101,
    'groups.messages': 101,
  }
  for (const { endpoint, key, query } of lists) {
    for (const count of ['100', '101', '100000']) {
      const response = await api(app, admin).get(endpoint, { ...query, count })
      const what = `${endpoint} count=${count}`
      t.equal(response.statusCode, 200, what)
      const body = response.json()
      t.equal(body[key].length, 100, what)
      t.same(
        { count: body.count, offset: body.offset, total: body.total },
        { count: 100, offset: 0, total: totals[endpoint] },
        what,
      )
    }
    const byDefault = (await api(app, admin).get(endpoint, query)).json()
    t.equal(byDefault[key].length, 50, `${endpoint} shows 50 by default`)
    t.equal(byDefault.count, 50)
  }
})

t.test('groups.list: sort by any group field, most significant first', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const prefix = groupName('sorted')
  const [b, a, c] = await seedGroupsOf(user, [
    { name: `${prefix}-b`, msgs: 5 },
    { name: `${prefix}-a`, msgs: 1 },
    { name: `${prefix}-c`, msgs: 5 },
  ])
  const names = async (sort?: string) => {
    const response = await api(app, user).get('groups.list', sort === undefined ? {} : { sort })
    t.equal(response.statusCode, 200, sort ?? 'no sort')
    return response.json().groups.map((group: { name: string }) => group.name)
  }

  t.same(await names(), [a?.name, b?.name, c?.name], 'by name by default')
  t.same(await names('{}'), [a?.name, b?.name, c?.name], '{} keeps the default')
  t.same(await names('{"name":-1}'), [c?.name, b?.name, a?.name])
  t.same(await names('{"msgs":-1,"name":1}'), [b?.name, c?.name, a?.name])
  t.same(await names('{"msgs":-1,"name":-1}'), [c?.name, b?.name, a?.name])
  t.same(await names('{"fname":1}'), [a?.name, b?.name, c?.name])
  t.same(await names('{"usersCount":1,"ts":1,"_updatedAt":1,"name":-1}'), [
    c?.name,
    b?.name,
    a?.name,
  ])
})

t.test('groups.members: sort by username or name', async (t) => {
  const app = await buildApp(t, db)
  const base = groupName('msort')
  const owner = await createTestUser(db, { username: `${base}a` })
  const b = await createTestUser(db, { username: `${base}b` })
  const c = await createTestUser(db, { username: `${base}c` })
  const group = await createTestGroup(app, owner, [b, c])
  await db.updateTable('users').set({ name: 'Zed' }).where('id', '=', owner.id).execute()
  await db.updateTable('users').set({ name: 'Anna' }).where('id', '=', c.id).execute()
  const usernames = async (sort: string) => {
    const response = await api(app, b).get('groups.members', { roomId: group._id, sort })
    t.equal(response.statusCode, 200, sort)
    return response.json().members.map((member: { username: string }) => member.username)
  }

  t.same(await usernames('{"username":-1}'), [c.username, b.username, owner.username])
  t.same(await usernames('{"name":1}'), [c.username, b.username, owner.username])
  t.same(await usernames('{"name":-1}'), [owner.username, b.username, c.username])
})

t.test('a sort that is not a JSON object of known fields to 1 or -1 is refused', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, admin)
  const room = { roomId: group._id }

  const everywhere = [
    'name',
    '{name:1}',
    '[["ts",1]]',
    '"ts"',
    'null',
    '1',
    '{"ts":0}',
    '{"ts":"1"}',
    '{"ts":true}',
    '{"ts":1,"password_hash":-1}',
    '{"__proto__":1}',
  ]
  const cases: Array<{ endpoint: string; query: Record<string, string>; raws: string[] }> = [
    { endpoint: 'groups.list', query: {}, raws: [...everywhere, '{"username":1}'] },
    { endpoint: 'groups.listAll', query: {}, raws: [...everywhere, '{"u":1}'] },
    { endpoint: 'groups.members', query: room, raws: [...everywhere, '{"status":1}'] },
    { endpoint: 'groups.messages', query: room, raws: [...everywhere, '{"msg":1}'] },
  ]
  for (const { endpoint, query, raws } of cases) {
    for (const sort of raws) {
      const response = await api(app, admin).get(endpoint, { ...query, sort })
      assertReply(t, response, 400, invalidSort(sort), `${endpoint} ${sort}`)
    }
  }
})

t.test(
  'groups.listAll: every private group, member or not, for view-room-administration',
  async (t) => {
    const app = await buildApp(t, db)
    const admin = await createTestUser(db, { roles: ['admin'] })
    const owner = await createTestUser(db)
    const prefix = groupName('every')
    const b = await createTestGroup(app, owner, [], `${prefix}-b`)
    const a = await createTestGroup(app, owner, [admin], `${prefix}-a`)
    const c = await createTestGroup(app, admin, [], `${prefix}-c`)
    const [summaryA, summaryB, summaryC] = [
      await summaryOf(app, owner, a._id),
      await summaryOf(app, owner, b._id),
      await summaryOf(app, admin, c._id),
    ]
    const ours = JSON.stringify({ name: { $regex: `^${prefix}-` } })
    const auditRows = await auditRowCount()

    const filtered = await api(app, admin).get('groups.listAll', { query: ours })
    assertReply(t, filtered, 200, {
      groups: [summaryA, summaryB, summaryC],
      offset: 0,
      count: 3,
      total: 3,
      success: true,
    })

    const everything = await api(app, admin).get('groups.listAll', { count: '100' })
    t.equal(everything.statusCode, 200)
    const stored = await db
      .selectFrom('rooms')
      .select('name')
      .where('type', '=', 'p')
      .orderBy('name')
      .execute()
    t.equal(everything.json().total, stored.length, 'total counts every private group')
    t.same(
      everything.json().groups.map((group: { name: string }) => group.name),
      stored.slice(0, 100).map((room) => room.name),
      'by name',
    )

    const page = await api(app, admin).get('groups.listAll', {
      query: ours,
      offset: '1',
      count: '1',
      sort: '{"name":-1}',
    })
    t.same(page.json(), { groups: [summaryB], offset: 1, count: 1, total: 3, success: true })

    const custodian = await userWithPermission('view-room-administration')
    const byPermission = await api(app, custodian).get('groups.listAll', { query: ours })
    assertReply(
      t,
      byPermission,
      200,
      filtered.json(),
      'the permission is what counts, not the admin role',
    )

    t.equal(await auditRowCount(), auditRows, 'reading writes no audit entry')
  },
)

t.test('groups.listAll: query by name or fname, equal or by regular expression', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const prefix = groupName('query')
  const [a, b, c] = await seedGroupsOf(admin, [
    { name: `${prefix}-alpha` },
    { name: `${prefix}-beta` },
    { name: `${prefix}-gamma` },
  ])
  const names = async (query: object) => {
    const response = await api(app, admin).get('groups.listAll', { query: JSON.stringify(query) })
    t.equal(response.statusCode, 200, JSON.stringify(query))
    const body = response.json()
    t.equal(body.total, body.groups.length)
    return body.groups.map((group: { name: string }) => group.name)
  }

  t.same(await names({ name: b?.name }), [b?.name])
  t.same(await names({ fname: c?.name }), [c?.name])
  t.same(await names({ name: `${prefix}-ALPHA` }), [], 'equality is exact')
  t.same(await names({ name: { $regex: `^${prefix}-(alpha|gamma)$` } }), [a?.name, c?.name])
  t.same(await names({ name: { $regex: `^${prefix.toUpperCase()}-BETA` } }), [], 'case matters')
  t.same(await names({ name: { $regex: `^${prefix.toUpperCase()}-BETA`, $options: 'i' } }), [
    b?.name,
  ])
  t.same(await names({ name: { $regex: `^${prefix}-`, $options: '' }, fname: a?.name }), [a?.name])
  t.same(await names({ name: { $regex: 'a'.repeat(128) } }), [], '128 characters are allowed')
})

t.test('groups.listAll: refusals', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const user = await createTestUser(db)
  await createTestGroup(app, user)
  const auditRows = await auditRowCount()

  const plain = await api(app, user).get('groups.listAll')
  assertReply(
    t,
    plain,
    403,
    unauthorized,
    'an owner of groups still needs view-room-administration',
  )
  const withQuery = await api(app, user).get('groups.listAll', { query: 'not json', sort: 'x' })
  assertReply(t, withQuery, 403, unauthorized, 'the permission is checked first')

  for (const query of [
    'name',
    '["name"]',
    '"name"',
    'null',
    '{"usernames":"x"}',
    '{"name":5}',
    '{"name":null}',
    '{"name":{"$ne":"x"}}',
    '{"name":{"$regex":"x","$where":"1"}}',
    '{"name":{"$regex":5}}',
    '{"name":{"$regex":"x","$options":"m"}}',
    `{"name":{"$regex":"${'a'.repeat(129)}"}}`,
    '{"name":{"$regex":"("}}',
    '{"name":"a\\u0000b"}',
    '{"$or":[{"name":"a"}]}',
  ]) {
    const response = await api(app, admin).get('groups.listAll', { query })
    assertReply(t, response, 400, invalidQuery(query), query)
  }
  t.equal(await auditRowCount(), auditRows, 'refusals write no audit entry')
})

t.test('groups.messages: a member pages through messages, newest first', async (t) => {
  const app = await buildApp(t, db)
  const { owner, first, second, group, ids } = await groupWithHistory(app)
  const u = { _id: owner.id, username: owner.username }
  const message = (id: unknown, msg: string, type: string, second: number) => ({
    _id: id,
    rid: group._id,
    msg,
    t: type,
    ts: `2024-05-01T10:00:0${second}.123Z`,
    u,
    _updatedAt: `2024-05-01T10:00:0${second}.123Z`,
    groupable: false,
  })
  const removedFirst = message(ids.removedFirst, first.username, 'ru', 3)
  const addedSecond = message(ids.addedSecond, second.username, 'au', 2)
  const addedFirst = message(ids.addedFirst, first.username, 'au', 1)

  const all = await api(app, second).get('groups.messages', { roomId: group._id })
  assertReply(t, all, 200, {
    messages: [removedFirst, addedSecond, addedFirst],
    count: 3,
    offset: 0,
    total: 3,
    success: true,
  })

  const byName = await api(app, owner).get('groups.messages', {
    roomName: group.name,
    offset: '1',
    count: '1',
  })
  t.same(byName.json(), { messages: [addedSecond], count: 1, offset: 1, total: 3, success: true })

  const oldestFirst = await api(app, owner).get('groups.messages', {
    roomId: group._id,
    sort: '{"ts":1}',
  })
  t.same(oldestFirst.json().messages, [addedFirst, addedSecond, removedFirst])
  const byUpdate = await api(app, owner).get('groups.messages', {
    roomId: group._id,
    sort: '{"_updatedAt":-1}',
  })
  t.same(byUpdate.json().messages, [removedFirst, addedSecond, addedFirst])

  const past = await api(app, owner).get('groups.messages', { roomId: group._id, offset: '3' })
  t.same(past.json(), { messages: [], count: 0, offset: 3, total: 3, success: true })
})

t.test('groups.messages: query by text, type and author', async (t) => {
  const app = await buildApp(t, db)
  const { owner, first, second, group, ids } = await groupWithHistory(app)
  const found = async (query: object) => {
    const response = await api(app, owner).get('groups.messages', {
      roomId: group._id,
      query: JSON.stringify(query),
    })
    t.equal(response.statusCode, 200, JSON.stringify(query))
    const body = response.json()
    t.equal(body.total, body.messages.length, JSON.stringify(query))
    return body.messages.map((message: { _id: string }) => message._id)
  }

  t.same(await found({ t: 'au' }), [ids.addedSecond, ids.addedFirst])
  t.same(await found({ t: 'au', msg: second.username }), [ids.addedSecond])
  t.same(await found({ msg: { $regex: `^${first.username.toUpperCase()}$`, $options: 'i' } }), [
    ids.removedFirst,
    ids.addedFirst,
  ])
  t.same(await found({ 'u.username': owner.username }), [
    ids.removedFirst,
    ids.addedSecond,
    ids.addedFirst,
  ])
  t.same(await found({ 'u._id': second.id }), [])

  for (const query of [
    'x',
    '{"rid":"another-room"}',
    '{"t":{"$in":["au"]}}',
    '{"msg":{"$regex":"["}}',
  ]) {
    const response = await api(app, owner).get('groups.messages', { roomId: group._id, query })
    assertReply(t, response, 400, invalidQuery(query), query)
  }
})

t.test(
  'an archived group: members and messages refused, info and history still read',
  async (t) => {
    const app = await buildApp(t, db)
    const { owner, member, group } = await ownedGroup(app, db)
    await insertTextMessages(group._id, owner, 1)
    await db.updateTable('rooms').set({ archived: true }).where('id', '=', group._id).execute()

    for (const endpoint of ['groups.members', 'groups.messages']) {
      const response = await api(app, member).get(endpoint, { roomId: group._id })
      assertReply(t, response, 400, archived(group.name), endpoint)
    }
    const info = await api(app, member).get('groups.info', { roomId: group._id })
    t.equal(info.statusCode, 200)
    t.equal(info.json().group.archived, true)
    const history = await api(app, member).get('groups.history', { roomId: group._id })
    t.equal(history.statusCode, 200)
    t.equal(history.json().messages.length, 1)
    const outsider = await createTestUser(db)
    const hidden = await api(app, outsider).get('groups.messages', { roomId: group._id })
    t.same(hidden.json(), roomNotFound, 'a non-member still learns nothing')
  },
)
