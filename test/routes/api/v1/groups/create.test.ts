import t from 'tap'
import {
  buildApp,
  createTestUser,
  groupName,
  storedGroup,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

function refusal(errorType: string, message: string) {
  return { success: false, error: `${message} [${errorType}]`, errorType }
}

function byUsername(a: { username: string }, b: { username: string }) {
  return a.username < b.username ? -1 : 1
}

async function roomsCreatedBy(user: TestUser) {
  return db.selectFrom('rooms').select('name').where('creator_id', '=', user.id).execute()
}

t.test('creates the group: 200 with the group, the creator its only owner', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const name = groupName()

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: owner.headers,
    payload: {
      name,
      members: [first.username, 'no-such-user-anywhere', second.username, owner.username],
    },
  })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.equal(body.success, true)
  const { group } = body
  t.type(group._id, 'string')
  t.match(group.ts, ISO_TIMESTAMP)
  t.match(group._updatedAt, ISO_TIMESTAMP)
  t.same(
    [...group.usernames].sort(),
    [owner.username, first.username, second.username].sort(),
    'each member once, the unknown name skipped',
  )
  t.same(group, {
    _id: group._id,
    name,
    fname: name,
    t: 'p',
    usernames: group.usernames,
    msgs: 0,
    usersCount: 3,
    u: { _id: owner.id, username: owner.username },
    ts: group.ts,
    ro: false,
    sysMes: true,
    _updatedAt: group._updatedAt,
  })

  const stored = await storedGroup(db, group._id)
  t.same(
    [...stored.members].sort(byUsername),
    [
      { username: owner.username, roles: ['owner'] },
      { username: first.username, roles: [] },
      { username: second.username, roles: [] },
    ].sort(byUsername),
  )
  t.same(stored.messages, [], 'creating writes no system message')
  t.equal(stored.room?.msgs, 0)
  t.equal(stored.room?.users_count, 3)
  t.equal(stored.room?.read_only, false)
})

t.test('a group without members has the creator alone', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const name = groupName()

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: owner.headers,
    payload: { name },
  })

  t.equal(response.statusCode, 200)
  t.match(response.json().group, { name, usernames: [owner.username], usersCount: 1, msgs: 0 })
  const stored = await storedGroup(db, response.json().group._id)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
})

t.test('readOnly makes the group read-only', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: owner.headers,
    payload: { name: groupName(), readOnly: true },
  })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.ro, true)
  const stored = await storedGroup(db, response.json().group._id)
  t.equal(stored.room?.read_only, true)
})

t.test('a missing or blank name is refused with the plain message', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)

  for (const payload of [{}, { members: [] }, { name: '' }, { name: '   ' }]) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/groups.create',
      headers: owner.headers,
      payload,
    })
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.same(response.json(), { success: false, error: 'Body param "name" is required' })
  }
  t.same(await roomsCreatedBy(owner), [])
})

t.test('a name that is not a string is a schema error', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: owner.headers,
    payload: { name: 123 },
  })

  t.equal(response.statusCode, 400)
  t.same(response.json(), refusal('invalid-params', 'name must be string'))
  t.same(await roomsCreatedBy(owner), [])
})

t.test('a name breaking the naming rule: error-invalid-room-name', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)

  for (const name of ['has space', 'bang!', 'slash/name']) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/groups.create',
      headers: owner.headers,
      payload: { name },
    })
    t.equal(response.statusCode, 400, name)
    t.same(response.json(), refusal('error-invalid-room-name', `${name} is not a valid room name.`))
  }
  t.same(await roomsCreatedBy(owner), [])
})

t.test("another room's name: error-duplicate-channel-name", async (t) => {
  const app = await buildApp(t, db)
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const name = groupName()
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: first.headers,
    payload: { name },
  })
  t.equal(created.statusCode, 200)

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: second.headers,
    payload: { name, members: [first.username] },
  })

  t.equal(response.statusCode, 400)
  t.same(
    response.json(),
    refusal('error-duplicate-channel-name', `A channel with name '${name}' exists`),
  )
  t.same(await roomsCreatedBy(second), [])
  const stored = await storedGroup(db, created.json().group._id)
  t.same(stored.members, [{ username: first.username, roles: ['owner'] }])
})

t.test("a user's username as the name: error-duplicate-handle", async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const other = await createTestUser(db)

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: owner.headers,
    payload: { name: other.username },
  })

  t.equal(response.statusCode, 400)
  t.same(
    response.json(),
    refusal('error-duplicate-handle', `A user with the username '${other.username}' exists`),
  )
  t.same(await roomsCreatedBy(owner), [])
})

t.test('a user without create-p (a guest): error-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const guest = await createTestUser(db, { roles: ['guest'] })

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: guest.headers,
    payload: { name: groupName() },
  })

  t.equal(response.statusCode, 400)
  t.same(response.json(), refusal('error-not-allowed', 'Not allowed'))
  t.same(await roomsCreatedBy(guest), [])
})

t.test('not logged in: 401 and nothing created', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const name = groupName()

  for (const headers of [{}, { ...user.headers, 'x-auth-token': 'not-the-token' }]) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/groups.create',
      headers,
      payload: { name },
    })
    t.equal(response.statusCode, 401)
    t.same(response.json(), {
      success: false,
      status: 'error',
      message: 'You must be logged in to do this.',
      error: 'You must be logged in to do this.',
    })
  }
  const room = await db.selectFrom('rooms').select('id').where('name', '=', name).executeTakeFirst()
  t.equal(room, undefined)
})
