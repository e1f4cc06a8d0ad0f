import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { randomId } from '../../../../../domain/ids.js'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  groupName,
  storedGroup,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

t.test('a member leaves: 200 with the group as it is afterwards', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.leave',
    headers: member.headers,
    payload: { roomId: group._id },
  })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.equal(body.success, true)
  t.match(body.group, {
    _id: group._id,
    name: group.name,
    fname: group.name,
    t: 'p',
    usernames: [owner.username],
    msgs: 1,
    usersCount: 1,
    u: { _id: owner.id, username: owner.username },
    ro: false,
    sysMes: true,
  })
  t.match(body.group.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.match(body.group._updatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

  const stored = await storedGroup(db, group._id)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(stored.messages, [
    { type: 'ul', msg: member.username, username: member.username, role: null },
  ])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 1)
})

const NOT_LOGGED_IN = {
  success: false,
  status: 'error',
  message: 'You must be logged in to do this.',
  error: 'You must be logged in to do this.',
}
const ROOM_NOT_FOUND = {
  success: false,
  error:
    'The required "roomId" or "roomName" param provided does not match any group [error-room-not-found]',
  errorType: 'error-room-not-found',
}
const ROOM_PARAM_NOT_PROVIDED = {
  success: false,
  error: 'The parameter "roomId" or "roomName" is required [error-room-param-not-provided]',
  errorType: 'error-room-param-not-provided',
}
const LAST_OWNER = {
  success: false,
  error:
    'You are the last owner. Please set new owner before leaving the room. [error-you-are-last-owner]',
  errorType: 'error-you-are-last-owner',
}
const A_WHILE_AGO = new Date('2020-01-01T00:00:00.000Z')

function leave(app: FastifyInstance, headers: Record<string, string>, payload: object) {
  return app.inject({ method: 'POST', url: '/api/v1/groups.leave', headers, payload })
}

/** Users whose usernames sort in the order given, whatever the database collation. */
async function usersNamed(...prefixes: string[]) {
  const suffix = randomId().slice(0, 6).toLowerCase()
  const users: TestUser[] = []
  for (const prefix of prefixes)
    users.push(await createTestUser(db, { username: `${prefix}-${suffix}` }))
  return users
}

async function setRoomRoles(roomId: string, userId: string, roles: string[]) {
  await db
    .updateTable('room_members')
    .set({ roles })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .execute()
}

async function backdate(roomId: string) {
  await db.updateTable('rooms').set({ updated_at: A_WHILE_AGO }).where('id', '=', roomId).execute()
}

async function storedRoom(roomId: string) {
  const { room } = await storedGroup(db, roomId)
  if (!room) throw new Error(`room ${roomId} is gone`)
  return room
}

t.test('without auth headers: 401, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const response = await leave(app, {}, { roomId: group._id })

  t.equal(response.statusCode, 401)
  t.same(response.json(), NOT_LOGGED_IN)
  t.same(await storedGroup(db, group._id), before)
})

t.test('with an unknown token: 401, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const response = await leave(
    app,
    { 'x-user-id': member.id, 'x-auth-token': 'not-a-token-anyone-was-given' },
    { roomId: group._id },
  )

  t.equal(response.statusCode, 401)
  t.same(response.json(), NOT_LOGGED_IN)
  t.same(await storedGroup(db, group._id), before)
})

t.test("with another user's token: 401, nothing changes", async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const response = await leave(
    app,
    { 'x-user-id': member.id, 'x-auth-token': owner.headers['x-auth-token'] },
    { roomId: group._id },
  )

  t.equal(response.statusCode, 401)
  t.same(response.json(), NOT_LOGGED_IN)
  t.same(await storedGroup(db, group._id), before)
})

t.test('with a logged-out token: 401, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const logout = await app.inject({
    method: 'POST',
    url: '/api/v1/logout',
    headers: member.headers,
  })
  t.equal(logout.statusCode, 200)
  const before = await storedGroup(db, group._id)

  const response = await leave(app, member.headers, { roomId: group._id })

  t.equal(response.statusCode, 401)
  t.same(response.json(), NOT_LOGGED_IN)
  t.same(await storedGroup(db, group._id), before)
})

t.test('no roomId or roomName: error-room-param-not-provided', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  for (const payload of [{}, { roomId: '' }, { roomName: '' }, { roomId: '', roomName: '' }]) {
    const response = await leave(app, member.headers, payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.same(response.json(), ROOM_PARAM_NOT_PROVIDED, JSON.stringify(payload))
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('an unknown roomId: error-room-not-found', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  const response = await leave(app, user.headers, { roomId: randomId() })

  t.equal(response.statusCode, 400)
  t.same(response.json(), ROOM_NOT_FOUND)
})

t.test('an unknown roomName: error-room-not-found', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  const response = await leave(app, user.headers, { roomName: groupName('missing') })

  t.equal(response.statusCode, 400)
  t.same(response.json(), ROOM_NOT_FOUND)
})

t.test('a group the caller is not in answers like a missing one, by id and by name', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const outsider = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  for (const payload of [{ roomId: group._id }, { roomName: group.name }]) {
    const response = await leave(app, outsider.headers, payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.same(response.json(), ROOM_NOT_FOUND, JSON.stringify(payload))
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('a global admin who is not a member gets error-room-not-found too', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })
  const group = await createTestGroup(app, owner)
  const before = await storedGroup(db, group._id)

  const response = await leave(app, admin.headers, { roomId: group._id })

  t.equal(response.statusCode, 400)
  t.same(response.json(), ROOM_NOT_FOUND)
  t.same(await storedGroup(db, group._id), before)
})

t.test('a member leaves by roomName', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const response = await leave(app, member.headers, { roomName: group.name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, group._id)
  t.same(response.json().group.usernames, [owner.username])
  const stored = await storedGroup(db, group._id)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(stored.messages, [
    { type: 'ul', msg: member.username, username: member.username, role: null },
  ])
})

t.test('roomId wins over roomName when both are sent', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const byId = await createTestGroup(app, owner, [member])
  const byName = await createTestGroup(app, owner, [member])
  const byNameBefore = await storedGroup(db, byName._id)

  const response = await leave(app, member.headers, { roomId: byId._id, roomName: byName.name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, byId._id)
  t.same((await storedGroup(db, byId._id)).members, [
    { username: owner.username, roles: ['owner'] },
  ])
  t.same(await storedGroup(db, byName._id), byNameBefore)
})

t.test('an unknown roomId is not rescued by a valid roomName', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const response = await leave(app, member.headers, { roomId: randomId(), roomName: group.name })

  t.equal(response.statusCode, 400)
  t.same(response.json(), ROOM_NOT_FOUND)
  t.same(await storedGroup(db, group._id), before)
})

t.test('the last owner cannot leave while others stay', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const response = await leave(app, owner.headers, { roomId: group._id })

  t.equal(response.statusCode, 400)
  t.same(response.json(), LAST_OWNER)
  t.same(await storedGroup(db, group._id), before)
})

t.test('the last owner cannot leave when they are the only member', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  const before = await storedGroup(db, group._id)

  const response = await leave(app, owner.headers, { roomId: group._id })

  t.equal(response.statusCode, 400)
  t.same(response.json(), LAST_OWNER)
  t.same(before.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(await storedGroup(db, group._id), before)
})

t.test(
  'an owner leaves when another owner stays: 200, the roles go with the membership',
  async (t) => {
    const app = await buildApp(t, db)
    const [creator, coOwner, member] = await usersNamed('ann', 'bob', 'cid')
    if (!creator || !coOwner || !member) throw new Error('users not created')
    const group = await createTestGroup(app, creator, [coOwner, member])
    await setRoomRoles(group._id, coOwner.id, ['owner'])
    await setRoomRoles(group._id, creator.id, ['owner', 'moderator'])
    await backdate(group._id)

    const response = await leave(app, creator.headers, { roomId: group._id })

    t.equal(response.statusCode, 200)
    const room = await storedRoom(group._id)
    t.same(response.json(), {
      group: {
        _id: group._id,
        name: group.name,
        fname: group.name,
        t: 'p',
        usernames: [coOwner.username, member.username],
        msgs: 1,
        usersCount: 2,
        u: { _id: creator.id, username: creator.username },
        ts: room.created_at.toISOString(),
        ro: false,
        sysMes: true,
        _updatedAt: room.updated_at.toISOString(),
      },
      success: true,
    })
    t.ok(room.updated_at > A_WHILE_AGO, '_updatedAt moved forward')
    const stored = await storedGroup(db, group._id)
    t.same(stored.members, [
      { username: coOwner.username, roles: ['owner'] },
      { username: member.username, roles: [] },
    ])
    t.same(stored.messages, [
      { type: 'ul', msg: creator.username, username: creator.username, role: null },
    ])
    t.equal(stored.room?.users_count, 2)
  },
)

t.test('a user whose global roles lack leave-p gets error-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const guest = await createTestUser(db, { roles: ['guest'] })
  const group = await createTestGroup(app, owner, [guest])
  const before = await storedGroup(db, group._id)
  t.same(
    before.members.map((m) => m.username).sort(),
    [owner.username, guest.username].sort(),
    'the guest is a member',
  )

  const response = await leave(app, guest.headers, { roomId: group._id })

  t.equal(response.statusCode, 400)
  t.same(response.json(), {
    success: false,
    error: 'Not allowed [error-not-allowed]',
    errorType: 'error-not-allowed',
  })
  t.same(await storedGroup(db, group._id), before)
})

t.test('a bot, whose global role grants leave-p without the user role, can leave', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const bot = await createTestUser(db, { roles: ['bot'] })
  const group = await createTestGroup(app, owner, [bot])

  const response = await leave(app, bot.headers, { roomId: group._id })

  t.equal(response.statusCode, 200)
  t.same(response.json().group.usernames, [owner.username])
})

t.test('leaving twice: the second call is error-room-not-found and changes nothing', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const first = await leave(app, member.headers, { roomId: group._id })
  t.equal(first.statusCode, 200)
  const afterFirst = await storedGroup(db, group._id)

  const second = await leave(app, member.headers, { roomId: group._id })

  t.equal(second.statusCode, 400)
  t.same(second.json(), ROOM_NOT_FOUND)
  t.same(await storedGroup(db, group._id), afterFirst)
  t.equal(afterFirst.room?.msgs, 1)
})

t.test('the body is exactly {group, success} with the documented group keys', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const response = await leave(app, member.headers, { roomId: group._id })

  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/json/)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.same(Object.keys(body.group).sort(), [
    '_id',
    '_updatedAt',
    'fname',
    'msgs',
    'name',
    'ro',
    'sysMes',
    't',
    'ts',
    'u',
    'usernames',
    'usersCount',
  ])
  t.same(Object.keys(body.group.u).sort(), ['_id', 'username'])
})

t.test("u stays the creator after the creator's ownership changes", async (t) => {
  const app = await buildApp(t, db)
  const [creator, heir, member] = await usersNamed('ann', 'bob', 'cid')
  if (!creator || !heir || !member) throw new Error('users not created')
  const group = await createTestGroup(app, creator, [heir, member])
  await setRoomRoles(group._id, creator.id, [])
  await setRoomRoles(group._id, heir.id, ['owner'])

  const memberLeaves = await leave(app, member.headers, { roomId: group._id })
  t.equal(memberLeaves.statusCode, 200)
  t.same(memberLeaves.json().group.u, { _id: creator.id, username: creator.username })
  t.same(memberLeaves.json().group.usernames, [creator.username, heir.username])

  const creatorLeaves = await leave(app, creator.headers, { roomId: group._id })
  t.equal(creatorLeaves.statusCode, 200)
  t.same(creatorLeaves.json().group.u, { _id: creator.id, username: creator.username })
  t.same(creatorLeaves.json().group.usernames, [heir.username])
  t.equal(creatorLeaves.json().group.msgs, 2)
  t.equal(creatorLeaves.json().group.usersCount, 1)

  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.creator_id, creator.id)
  t.equal(stored.room?.creator_username, creator.username)
  t.same(stored.members, [{ username: heir.username, roles: ['owner'] }])
})

t.test('unknown body keys: 400 invalid-params, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const response = await leave(app, member.headers, { roomId: group._id, userId: owner.id })

  t.equal(response.statusCode, 400)
  t.same(response.json(), {
    success: false,
    error: 'must NOT have additional properties [invalid-params]',
    errorType: 'invalid-params',
  })
  t.same(await storedGroup(db, group._id), before)
})

t.test('wrong types: 400 invalid-params, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const cases: Array<[unknown, string]> = [
    [{ roomId: 42 }, 'roomId must be string [invalid-params]'],
    [{ roomId: [group._id] }, 'roomId must be string [invalid-params]'],
    [{ roomName: { name: group.name } }, 'roomName must be string [invalid-params]'],
    [[group._id], 'must be object [invalid-params]'],
  ]
  for (const [payload, error] of cases) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/groups.leave',
      headers: { ...member.headers, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    })
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.same(response.json(), { success: false, error, errorType: 'invalid-params' })
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('a read-only group can still be left', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: owner.headers,
    payload: { name: groupName('ro'), members: [member.username], readOnly: true },
  })
  t.equal(created.statusCode, 200)
  const group = created.json().group

  const response = await leave(app, member.headers, { roomId: group._id })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.ro, true)
  t.same(response.json().group.usernames, [owner.username])
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.read_only, true)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(stored.messages, [
    { type: 'ul', msg: member.username, username: member.username, role: null },
  ])
})

t.test('an emptied group stays: the last member who is not an owner leaves', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  await setRoomRoles(group._id, owner.id, [])

  const response = await leave(app, owner.headers, { roomId: group._id })

  t.equal(response.statusCode, 200)
  t.same(response.json().group.usernames, [])
  t.equal(response.json().group.usersCount, 0)
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.id, group._id)
  t.same(stored.members, [])
  t.equal(stored.room?.msgs, 1)
})
