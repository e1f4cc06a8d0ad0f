import { sql } from 'kysely'
import t from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  groupName,
  storedGroup,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

function refusal(errorType: string, message: string) {
  return { success: false, error: `${message} [${errorType}]`, errorType }
}

const roomNotFound = refusal(
  'error-room-not-found',
  'The required "roomId" or "roomName" param provided does not match any group',
)
const roomParamNotProvided = refusal(
  'error-room-param-not-provided',
  'The parameter "roomId" or "roomName" is required',
)

t.test('groups.info: a member gets the group by roomId or roomName', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const byId = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: member.headers,
    query: { roomId: group._id },
  })
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

  const byName = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: owner.headers,
    query: { roomName: group.name },
  })
  t.equal(byName.statusCode, 200)
  t.same(byName.json(), body)
})

t.test('groups.info: roomId wins over roomName', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const first = await createTestGroup(app, owner)
  const second = await createTestGroup(app, owner)

  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: owner.headers,
    query: { roomId: first._id, roomName: second.name },
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

  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: admin.headers,
    query: { roomId: group._id },
  })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, group._id)
})

t.test('info, members and history without a room parameter', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  await createTestGroup(app, owner)

  for (const endpoint of ['groups.info', 'groups.members', 'groups.history']) {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/${endpoint}`,
      headers: owner.headers,
    })
    t.equal(response.statusCode, 400, endpoint)
    t.same(response.json(), roomParamNotProvided, endpoint)
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
    const before = await storedGroup(db, group._id)

    const endpoints: Array<{
      method: 'GET' | 'POST'
      endpoint: string
      extra: Record<string, string>
    }> = [
      { method: 'GET', endpoint: 'groups.info', extra: {} },
      { method: 'GET', endpoint: 'groups.members', extra: {} },
      { method: 'GET', endpoint: 'groups.history', extra: {} },
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
          const response = await app.inject({
            method,
            url: `/api/v1/${endpoint}`,
            headers: user.headers,
            ...(method === 'GET' ? { query: params } : { payload: params }),
          })
          const what = `${endpoint} by ${label} with ${JSON.stringify(ref)}`
          t.equal(response.statusCode, 400, what)
          t.same(response.json(), roomNotFound, what)
        }
      }
    }

    t.same(await storedGroup(db, group._id), before, 'the group is unchanged')
  },
)

t.test('not logged in: 401 from info, list, members and history', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  for (const endpoint of ['groups.info', 'groups.list', 'groups.members', 'groups.history']) {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/${endpoint}`,
      query: { roomId: group._id },
    })
    t.equal(response.statusCode, 401, endpoint)
    t.same(response.json(), {
      success: false,
      status: 'error',
      message: 'You must be logged in to do this.',
      error: 'You must be logged in to do this.',
    })
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

  const all = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: user.headers,
  })

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

  const page = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: user.headers,
    query: { offset: '1', count: '1' },
  })
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

  const past = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: user.headers,
    query: { offset: '5' },
  })
  t.equal(past.statusCode, 200)
  t.same(past.json(), { groups: [], count: 0, offset: 5, total: 3, success: true })
})

t.test('groups.list: a user in no group gets an empty list', async (t) => {
  const app = await buildApp(t, db)
  const loner = await createTestUser(db)

  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: loner.headers,
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { groups: [], count: 0, offset: 0, total: 0, success: true })
})

t.test('groups.list and groups.members: bad paging is invalid-params', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  const cases: Array<{ query: Record<string, string>; error: string }> = [
    { query: { count: '101' }, error: 'count must be <= 100' },
    { query: { count: 'ten' }, error: 'count must be integer' },
    { query: { count: '-1' }, error: 'count must be >= 0' },
    { query: { offset: '-1' }, error: 'offset must be >= 0' },
    { query: { offset: 'x' }, error: 'offset must be integer' },
  ]
  for (const endpoint of ['groups.list', 'groups.members']) {
    for (const { query, error } of cases) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/${endpoint}`,
        headers: owner.headers,
        query: { roomId: group._id, ...query },
      })
      t.equal(response.statusCode, 400, `${endpoint} ${JSON.stringify(query)}`)
      t.same(response.json(), refusal('invalid-params', error))
    }
  }

  const hundred = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: owner.headers,
    query: { count: '100' },
  })
  t.equal(hundred.statusCode, 200, 'count=100 is the most allowed')
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

  const all = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.members',
    headers: c.headers,
    query: { roomId: group._id },
  })
  t.equal(all.statusCode, 200)
  t.same(all.json(), {
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

  const page = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.members',
    headers: owner.headers,
    query: { roomName: group.name, offset: '1', count: '2' },
  })
  t.equal(page.statusCode, 200)
  t.same(page.json(), {
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
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/${endpoint}`,
      headers: owner.headers,
      payload: { roomId: group._id, userId: user.id },
    })
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

  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.history',
    headers: second.headers,
    query: { roomId: group._id },
  })

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
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/groups.history',
      headers: owner.headers,
      query: { roomId: group._id, ...query },
    })
    t.equal(response.statusCode, 200, JSON.stringify(query))
    t.same(
      response.json().messages.map((message: { _id: string }) => message._id),
      expected,
      JSON.stringify(query),
    )
  }
})

t.test('groups.history: 20 messages by default, at most 100', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  await db
    .insertInto('messages')
    .values(
      Array.from({ length: 25 }, (_, index) => ({
        id: `${group._id}-${String(index).padStart(2, '0')}`,
        room_id: group._id,
        type: null,
        msg: `message ${index}`,
        role: null,
        user_id: owner.id,
        username: owner.username,
        created_at: new Date(Date.UTC(2024, 0, 1, 0, 0, index)),
        updated_at: new Date(Date.UTC(2024, 0, 1, 0, 0, index)),
      })),
    )
    .execute()

  const byDefault = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.history',
    headers: owner.headers,
    query: { roomId: group._id },
  })
  t.equal(byDefault.statusCode, 200)
  const messages = byDefault.json().messages
  t.equal(messages.length, 20)
  t.equal(messages[0].msg, 'message 24')
  t.equal(messages[19].msg, 'message 5')
  t.same(Object.keys(messages[0]).sort(), ['_id', '_updatedAt', 'msg', 'rid', 'ts', 'u'])

  for (const { query, error } of [
    { query: { count: '101' }, error: 'count must be <= 100' },
    { query: { count: 'many' }, error: 'count must be integer' },
    { query: { latest: 'yesterday' }, error: 'latest must match format "date-time"' },
    { query: { inclusive: 'maybe' }, error: 'inclusive must be boolean' },
  ]) {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/groups.history',
      headers: owner.headers,
      query: { roomId: group._id, ...query },
    })
    t.equal(response.statusCode, 400, JSON.stringify(query))
    t.same(response.json(), refusal('invalid-params', error))
  }
})
