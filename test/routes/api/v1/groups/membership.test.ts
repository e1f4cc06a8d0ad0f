import type { FastifyInstance } from 'fastify'
import t from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  storedGroup,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

function refusal(errorType: string, message: string) {
  return { success: false, error: `${message} [${errorType}]`, errorType }
}

const notAllowed = refusal('error-not-allowed', 'Not allowed')
const invalidUser = refusal('error-invalid-user', 'Invalid user')
const userParamNotProvided = refusal(
  'error-user-param-not-provided',
  'The required "userId" or "username" param was not provided',
)
const roomNotFound = refusal(
  'error-room-not-found',
  'The required "roomId" or "roomName" param provided does not match any group',
)

function post(app: FastifyInstance, endpoint: string, caller: TestUser, payload: object) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/${endpoint}`,
    headers: caller.headers,
    payload,
  })
}

async function makeModerator(roomId: string, user: TestUser) {
  await db
    .updateTable('room_members')
    .set({ roles: ['moderator'] })
    .where('room_id', '=', roomId)
    .where('user_id', '=', user.id)
    .execute()
}

t.test('groups.invite by userId: 200 with the new member, an au message', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const newcomer = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const response = await post(app, 'groups.invite', owner, {
    roomId: group._id,
    userId: newcomer.id,
  })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.equal(body.success, true)
  t.same(
    [...body.group.usernames].sort(),
    [owner.username, member.username, newcomer.username].sort(),
  )
  t.equal(body.group.usernames.at(-1), newcomer.username, 'the newest member comes last')
  t.same(body.group, {
    _id: group._id,
    name: group.name,
    fname: group.name,
    t: 'p',
    usernames: body.group.usernames,
    msgs: 1,
    usersCount: 3,
    u: { _id: owner.id, username: owner.username },
    ts: body.group.ts,
    ro: false,
    sysMes: true,
    _updatedAt: body.group._updatedAt,
  })

  const stored = await storedGroup(db, group._id)
  t.same(
    stored.members.find((row) => row.username === newcomer.username),
    { username: newcomer.username, roles: [] },
    'the new member has no room role',
  )
  t.same(stored.messages, [
    { type: 'au', msg: newcomer.username, username: owner.username, role: null },
  ])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 3)

  const info = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: newcomer.headers,
    query: { roomId: group._id },
  })
  t.equal(info.statusCode, 200, 'the new member can see the group')

  const history = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.history',
    headers: newcomer.headers,
    query: { roomId: group._id },
  })
  t.match(history.json().messages, [
    { t: 'au', msg: newcomer.username, u: { _id: owner.id, username: owner.username } },
  ])
})

t.test('groups.invite by username and by roomName', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const newcomer = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  const response = await post(app, 'groups.invite', owner, {
    roomName: group.name,
    username: newcomer.username,
  })

  t.equal(response.statusCode, 200)
  t.same(response.json().group.usernames, [owner.username, newcomer.username])
  t.equal(response.json().group.usersCount, 2)
  t.equal(response.json().group.msgs, 1)
  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [
    { type: 'au', msg: newcomer.username, username: owner.username, role: null },
  ])
})

t.test('inviting a member again changes nothing', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const info = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: owner.headers,
    query: { roomId: group._id },
  })
  const before = await storedGroup(db, group._id)

  for (const user of [member, owner]) {
    const response = await post(app, 'groups.invite', owner, {
      roomId: group._id,
      userId: user.id,
    })
    t.equal(response.statusCode, 200)
    t.same(response.json(), info.json(), 'the group as it was')
  }
  t.same(await storedGroup(db, group._id), before, 'no message, same counts and roles')
})

t.test('a plain member cannot invite: error-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const newcomer = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const response = await post(app, 'groups.invite', member, {
    roomId: group._id,
    userId: newcomer.id,
  })

  t.equal(response.statusCode, 400)
  t.same(response.json(), notAllowed)
  t.same(await storedGroup(db, group._id), before)
})

t.test('a moderator and a global admin who is a member can invite', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const moderator = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const group = await createTestGroup(app, owner, [moderator, admin])
  await makeModerator(group._id, moderator)

  const byModerator = await post(app, 'groups.invite', moderator, {
    roomId: group._id,
    userId: first.id,
  })
  t.equal(byModerator.statusCode, 200)
  const byAdmin = await post(app, 'groups.invite', admin, {
    roomId: group._id,
    username: second.username,
  })
  t.equal(byAdmin.statusCode, 200)
  t.equal(byAdmin.json().group.usersCount, 5)

  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [
    { type: 'au', msg: first.username, username: moderator.username, role: null },
    { type: 'au', msg: second.username, username: admin.username, role: null },
  ])
})

t.test('inviting an unknown or deactivated user: error-invalid-user', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const inactive = await createTestUser(db, { active: false })
  const group = await createTestGroup(app, owner)
  const before = await storedGroup(db, group._id)

  for (const user of [
    { userId: 'no-such-user' },
    { username: 'no-such-user' },
    { userId: inactive.id },
  ]) {
    const response = await post(app, 'groups.invite', owner, { roomId: group._id, ...user })
    t.equal(response.statusCode, 400, JSON.stringify(user))
    t.same(response.json(), invalidUser)
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('invite and kick without a user: error-user-param-not-provided', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    for (const payload of [{ roomId: group._id }, { roomId: group._id, userId: '' }]) {
      const response = await post(app, endpoint, owner, payload)
      t.equal(response.statusCode, 400, `${endpoint} ${JSON.stringify(payload)}`)
      t.same(response.json(), userParamNotProvided)
    }
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('invite and kick without a room: error-room-param-not-provided', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    const response = await post(app, endpoint, owner, { userId: member.id })
    t.equal(response.statusCode, 400, endpoint)
    t.same(
      response.json(),
      refusal('error-room-param-not-provided', 'The parameter "roomId" or "roomName" is required'),
    )
  }
})

t.test('invite and kick reject unknown body fields', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    const response = await post(app, endpoint, owner, {
      roomId: group._id,
      userId: member.id,
      extra: true,
    })
    t.equal(response.statusCode, 400, endpoint)
    t.same(response.json(), refusal('invalid-params', 'must NOT have additional properties'))
  }
})

t.test('invite and kick when not logged in: 401', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/${endpoint}`,
      payload: { roomId: group._id, userId: member.id },
    })
    t.equal(response.statusCode, 401, endpoint)
    t.same(response.json(), {
      success: false,
      status: 'error',
      message: 'You must be logged in to do this.',
      error: 'You must be logged in to do this.',
    })
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('groups.kick: 200, an ru message, and the user loses access', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const other = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member, other])

  const response = await post(app, 'groups.kick', owner, { roomId: group._id, userId: member.id })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })

  const stored = await storedGroup(db, group._id)
  t.notOk(
    stored.members.some((row) => row.username === member.username),
    'the membership is gone',
  )
  t.equal(stored.members.length, 2)
  t.same(stored.messages, [
    { type: 'ru', msg: member.username, username: owner.username, role: null },
  ])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 2)

  const info = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: member.headers,
    query: { roomId: group._id },
  })
  t.equal(info.statusCode, 400)
  t.same(info.json(), roomNotFound)

  const list = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: member.headers,
  })
  t.same(list.json(), { groups: [], count: 0, offset: 0, total: 0, success: true })

  const history = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.history',
    headers: owner.headers,
    query: { roomId: group._id },
  })
  t.match(history.json().messages, [
    { t: 'ru', msg: member.username, u: { _id: owner.id, username: owner.username } },
  ])
})

t.test('groups.kick by username and roomName; a moderator may kick', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const moderator = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [moderator, member])
  await makeModerator(group._id, moderator)

  const response = await post(app, 'groups.kick', moderator, {
    roomName: group.name,
    username: member.username,
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })
  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [
    { type: 'ru', msg: member.username, username: moderator.username, role: null },
  ])
  t.equal(stored.room?.users_count, 2)
})

t.test('the last owner cannot be kicked: error-you-are-last-owner', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const moderator = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner, [moderator, admin])
  await makeModerator(group._id, moderator)
  const before = await storedGroup(db, group._id)

  for (const caller of [moderator, admin, owner]) {
    const response = await post(app, 'groups.kick', caller, {
      roomId: group._id,
      userId: owner.id,
    })
    t.equal(response.statusCode, 400, caller.username)
    t.same(
      response.json(),
      refusal(
        'error-you-are-last-owner',
        'You are the last owner. Please set new owner before leaving the room.',
      ),
    )
  }
  t.same(await storedGroup(db, group._id), before, 'the owner stays')
})

t.test('an owner who is not the last one can be kicked', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const coOwner = await createTestUser(db)
  const group = await createTestGroup(app, owner, [coOwner])
  const promoted = await post(app, 'groups.addOwner', owner, {
    roomId: group._id,
    userId: coOwner.id,
  })
  t.equal(promoted.statusCode, 200)

  const response = await post(app, 'groups.kick', coOwner, { roomId: group._id, userId: owner.id })

  t.equal(response.statusCode, 200)
  const stored = await storedGroup(db, group._id)
  t.same(stored.members, [{ username: coOwner.username, roles: ['owner'] }])
})

t.test('kicking someone who is not in the group: error-user-not-in-room', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const outsider = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  const before = await storedGroup(db, group._id)

  const response = await post(app, 'groups.kick', owner, {
    roomId: group._id,
    userId: outsider.id,
  })

  t.equal(response.statusCode, 400)
  t.same(response.json(), refusal('error-user-not-in-room', 'User is not in this room'))
  t.same(await storedGroup(db, group._id), before)
})

t.test('kicking an unknown user: error-invalid-user', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  const response = await post(app, 'groups.kick', owner, {
    roomId: group._id,
    username: 'no-such-user',
  })

  t.equal(response.statusCode, 400)
  t.same(response.json(), invalidUser)
})

t.test('a plain member cannot kick: error-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const other = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member, other])
  const before = await storedGroup(db, group._id)

  for (const target of [other, owner]) {
    const response = await post(app, 'groups.kick', member, {
      roomId: group._id,
      userId: target.id,
    })
    t.equal(response.statusCode, 400, target.username)
    t.same(response.json(), notAllowed)
  }
  t.same(await storedGroup(db, group._id), before)
})
