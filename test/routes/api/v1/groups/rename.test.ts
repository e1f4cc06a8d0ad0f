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
  testConfig,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

const NOT_LOGGED_IN = {
  success: false,
  status: 'error',
  message: 'You must be logged in to do this.',
  error: 'You must be logged in to do this.',
}
const NAME_REQUIRED = { success: false, error: 'The bodyParam "name" is required' }
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
const EDITING_NOT_ALLOWED = {
  success: false,
  error: 'Editing room is not allowed [error-action-not-allowed]',
  errorType: 'error-action-not-allowed',
}
const A_WHILE_AGO = new Date('2020-01-01T00:00:00.000Z')

const invalidName = (name: string) => ({
  success: false,
  error: `${name} is not a valid room name. [error-invalid-room-name]`,
  errorType: 'error-invalid-room-name',
})
const duplicateName = (name: string) => ({
  success: false,
  error: `A channel with name '${name}' exists [error-duplicate-channel-name]`,
  errorType: 'error-duplicate-channel-name',
})

function rename(app: FastifyInstance, headers: Record<string, string>, payload: object) {
  return app.inject({ method: 'POST', url: '/api/v1/groups.rename', headers, payload })
}

function groupInfo(app: FastifyInstance, user: TestUser, query: Record<string, string>) {
  return app.inject({ method: 'GET', url: '/api/v1/groups.info', headers: user.headers, query })
}

/** Users whose usernames sort in the order given, whatever the database collation. */
async function usersNamed(...prefixes: string[]) {
  const suffix = randomId().slice(0, 6).toLowerCase()
  const users: TestUser[] = []
  for (const prefix of prefixes) {
    users.push(await createTestUser(db, { username: `${prefix}-${suffix}` }))
  }
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

/** An owner, a plain member and their group. */
async function ownedGroup(app: FastifyInstance) {
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  return { owner, member, group, before: await storedGroup(db, group._id) }
}

t.test('without auth headers: 401, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const { group, before } = await ownedGroup(app)

  const response = await rename(app, {}, { roomId: group._id, name: groupName('new') })

  t.equal(response.statusCode, 401)
  t.same(response.json(), NOT_LOGGED_IN)
  t.same(await storedGroup(db, group._id), before)
})

t.test('with an unknown token: 401, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, before } = await ownedGroup(app)

  const response = await rename(
    app,
    { 'x-user-id': owner.id, 'x-auth-token': 'not-a-token-anyone-was-given' },
    { roomId: group._id, name: groupName('new') },
  )

  t.equal(response.statusCode, 401)
  t.same(response.json(), NOT_LOGGED_IN)
  t.same(await storedGroup(db, group._id), before)
})

t.test("with another user's token: 401, nothing changes", async (t) => {
  const app = await buildApp(t, db)
  const { owner, member, group, before } = await ownedGroup(app)

  const response = await rename(
    app,
    { 'x-user-id': owner.id, 'x-auth-token': member.headers['x-auth-token'] },
    { roomId: group._id, name: groupName('new') },
  )

  t.equal(response.statusCode, 401)
  t.same(response.json(), NOT_LOGGED_IN)
  t.same(await storedGroup(db, group._id), before)
})

t.test('not logged in is answered before a missing name', async (t) => {
  const app = await buildApp(t, db)

  const response = await rename(app, {}, {})

  t.equal(response.statusCode, 401)
  t.same(response.json(), NOT_LOGGED_IN)
})

t.test('a missing name: the plain bodyParam message, without errorType', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, before } = await ownedGroup(app)

  const response = await rename(app, owner.headers, { roomId: group._id })

  t.equal(response.statusCode, 400)
  t.same(response.json(), NAME_REQUIRED)
  t.same(await storedGroup(db, group._id), before)
})

t.test('an empty or blank name: the plain bodyParam message, without errorType', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, before } = await ownedGroup(app)

  for (const name of ['', ' ', '   ', '\t\n']) {
    const response = await rename(app, owner.headers, { roomId: group._id, name })
    t.equal(response.statusCode, 400, JSON.stringify(name))
    t.same(response.json(), NAME_REQUIRED, JSON.stringify(name))
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('the name is checked before the room parameter and the room', async (t) => {
  const app = await buildApp(t, db)
  const { group } = await ownedGroup(app)
  const outsider = await createTestUser(db)

  const payloads = [
    {},
    { name: '' },
    { name: '  ' },
    { roomId: randomId() },
    { roomId: group._id, name: ' ' },
    { roomName: groupName('missing'), name: '' },
  ]
  for (const payload of payloads) {
    const response = await rename(app, outsider.headers, payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.same(response.json(), NAME_REQUIRED, JSON.stringify(payload))
  }
})

t.test('no roomId or roomName: error-room-param-not-provided', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, before } = await ownedGroup(app)
  const name = groupName('new')

  for (const payload of [{ name }, { name, roomId: '' }, { name, roomName: '' }]) {
    const response = await rename(app, owner.headers, payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.same(response.json(), ROOM_PARAM_NOT_PROVIDED, JSON.stringify(payload))
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('an unknown roomId or roomName: error-room-not-found', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  for (const ref of [{ roomId: randomId() }, { roomName: groupName('missing') }]) {
    const response = await rename(app, user.headers, { ...ref, name: groupName('new') })
    t.equal(response.statusCode, 400, JSON.stringify(ref))
    t.same(response.json(), ROOM_NOT_FOUND, JSON.stringify(ref))
  }
})

t.test('a group the caller is not in answers like a missing one', async (t) => {
  const app = await buildApp(t, db)
  const { group, before } = await ownedGroup(app)
  const outsider = await createTestUser(db)

  for (const ref of [{ roomId: group._id }, { roomName: group.name }]) {
    const response = await rename(app, outsider.headers, { ...ref, name: groupName('new') })
    t.equal(response.statusCode, 400, JSON.stringify(ref))
    t.same(response.json(), ROOM_NOT_FOUND, JSON.stringify(ref))
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('a global admin who is not a member gets error-room-not-found', async (t) => {
  const app = await buildApp(t, db)
  const { group, before } = await ownedGroup(app)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })

  const response = await rename(app, admin.headers, { roomId: group._id, name: groupName('new') })

  t.equal(response.statusCode, 400)
  t.same(response.json(), ROOM_NOT_FOUND)
  t.same(await storedGroup(db, group._id), before)
})

t.test('a plain member has no edit-room: error-action-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const { member, group, before } = await ownedGroup(app)

  const response = await rename(app, member.headers, { roomId: group._id, name: groupName('new') })

  t.equal(response.statusCode, 400)
  t.same(response.json(), EDITING_NOT_ALLOWED)
  t.same(await storedGroup(db, group._id), before)
})

t.test('a leader has no edit-room either', async (t) => {
  const app = await buildApp(t, db)
  const { member, group } = await ownedGroup(app)
  await setRoomRoles(group._id, member.id, ['leader'])
  const before = await storedGroup(db, group._id)

  const response = await rename(app, member.headers, { roomId: group._id, name: groupName('new') })

  t.equal(response.statusCode, 400)
  t.same(response.json(), EDITING_NOT_ALLOWED)
  t.same(await storedGroup(db, group._id), before)
})

t.test('the edit-room check comes before the name checks', async (t) => {
  const app = await buildApp(t, db)
  const { member, group, before } = await ownedGroup(app)

  for (const name of ['not valid', group.name]) {
    const response = await rename(app, member.headers, { roomId: group._id, name })
    t.equal(response.statusCode, 400, name)
    t.same(response.json(), EDITING_NOT_ALLOWED, name)
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('a moderator can rename', async (t) => {
  const app = await buildApp(t, db)
  const { member: moderator, group } = await ownedGroup(app)
  await setRoomRoles(group._id, moderator.id, ['moderator'])
  const name = groupName('by-moderator')

  const response = await rename(app, moderator.headers, { roomId: group._id, name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.name, name)
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.name, name)
  t.same(stored.messages, [{ type: 'r', msg: name, username: moderator.username, role: null }])
})

t.test('a global admin who is a plain member can rename', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })
  const group = await createTestGroup(app, owner, [admin])
  const name = groupName('by-admin')

  const response = await rename(app, admin.headers, { roomId: group._id, name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.name, name)
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.name, name)
  t.same(stored.members.find((m) => m.username === admin.username)?.roles, [])
  t.same(stored.messages, [{ type: 'r', msg: name, username: admin.username, role: null }])
})

for (const name of [
  'has space',
  'hash#tag',
  '#leading-hash',
  'ünïcödé',
  'emoji-😀',
  'slash/name',
  'comma,name',
  'at@name',
  'inner\ttab',
]) {
  t.test(`an invalid name (${JSON.stringify(name)}): error-invalid-room-name`, async (t) => {
    const app = await buildApp(t, db)
    const { owner, group, before } = await ownedGroup(app)

    const response = await rename(app, owner.headers, { roomId: group._id, name })

    t.equal(response.statusCode, 400)
    t.same(response.json(), invalidName(name))
    t.same(await storedGroup(db, group._id), before)
  })
}

t.test("the group's current name: error-duplicate-channel-name", async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, before } = await ownedGroup(app)

  const response = await rename(app, owner.headers, { roomId: group._id, name: group.name })

  t.equal(response.statusCode, 400)
  t.same(response.json(), duplicateName(group.name))
  t.same(await storedGroup(db, group._id), before)
})

t.test(
  "another group's name: error-duplicate-channel-name, also one the caller is not in",
  async (t) => {
    const app = await buildApp(t, db)
    const { owner, group, before } = await ownedGroup(app)
    const ownOther = await createTestGroup(app, owner)
    const stranger = await createTestUser(db)
    const strangers = await createTestGroup(app, stranger)

    for (const taken of [ownOther.name, strangers.name]) {
      const response = await rename(app, owner.headers, { roomId: group._id, name: taken })
      t.equal(response.statusCode, 400, taken)
      t.same(response.json(), duplicateName(taken), taken)
    }
    t.same(await storedGroup(db, group._id), before)
  },
)

t.test('a username: error-duplicate-handle', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, before } = await ownedGroup(app)
  const someone = await createTestUser(db)

  const response = await rename(app, owner.headers, { roomId: group._id, name: someone.username })

  t.equal(response.statusCode, 400)
  t.same(response.json(), {
    success: false,
    error: `A user with the username '${someone.username}' exists [error-duplicate-handle]`,
    errorType: 'error-duplicate-handle',
  })
  t.same(await storedGroup(db, group._id), before)
})

t.test('success: the documented body, with the group as it now is', async (t) => {
  const app = await buildApp(t, db)
  const [owner, member] = await usersNamed('ann', 'bob')
  if (!owner || !member) throw new Error('users not created')
  const group = await createTestGroup(app, owner, [member])
  await backdate(group._id)
  const created = await storedGroup(db, group._id)
  const name = groupName('renamed')

  const response = await rename(app, owner.headers, { roomId: group._id, name })

  t.equal(response.statusCode, 200)
  const stored = await storedGroup(db, group._id)
  if (!stored.room || !created.room) throw new Error('room is gone')
  t.same(response.json(), {
    group: {
      _id: group._id,
      name,
      fname: name,
      t: 'p',
      usernames: [owner.username, member.username],
      msgs: 1,
      usersCount: 2,
      u: { _id: owner.id, username: owner.username },
      ts: created.room.created_at.toISOString(),
      ro: false,
      sysMes: true,
      _updatedAt: stored.room.updated_at.toISOString(),
    },
    success: true,
  })
  t.ok(stored.room.updated_at > A_WHILE_AGO, '_updatedAt moved forward')
  t.equal(stored.room.name, name)
  t.equal(stored.room.fname, name)
  t.equal(stored.room.msgs, created.room.msgs + 1)
  t.same(stored.room.created_at, created.room.created_at)
  t.same(stored.members, created.members)
  t.same(stored.messages, [{ type: 'r', msg: name, username: owner.username, role: null }])
})

t.test('each rename adds one r message by its actor', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app)
  await setRoomRoles(group._id, member.id, ['moderator'])
  const first = groupName('first')
  const second = groupName('second')

  const byOwner = await rename(app, owner.headers, { roomId: group._id, name: first })
  const byModerator = await rename(app, member.headers, { roomName: first, name: second })

  t.equal(byOwner.statusCode, 200)
  t.equal(byOwner.json().group.msgs, 1)
  t.equal(byModerator.statusCode, 200)
  t.equal(byModerator.json().group.msgs, 2)
  t.equal(byModerator.json().group.u.username, owner.username)
  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [
    { type: 'r', msg: first, username: owner.username, role: null },
    { type: 'r', msg: second, username: member.username, role: null },
  ])
  t.equal(stored.room?.msgs, 2)
})

t.test('a group found by roomName is renamed', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group } = await ownedGroup(app)
  const name = groupName('by-name')

  const response = await rename(app, owner.headers, { roomName: group.name, name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, group._id)
  t.equal(response.json().group.name, name)
  t.equal((await storedGroup(db, group._id)).room?.name, name)
})

t.test('roomId wins over roomName when both are sent', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group: byId } = await ownedGroup(app)
  const byName = await createTestGroup(app, owner)
  const byNameBefore = await storedGroup(db, byName._id)
  const name = groupName('by-id')

  const response = await rename(app, owner.headers, {
    roomId: byId._id,
    roomName: byName.name,
    name,
  })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, byId._id)
  t.equal((await storedGroup(db, byId._id)).room?.name, name)
  t.same(await storedGroup(db, byName._id), byNameBefore)
})

t.test('ROOM_NAME_PATTERN decides which names are valid', async (t) => {
  const app = await buildApp(t, db)
  const lowercaseOnly = await buildApp(t, db, testConfig({ ROOM_NAME_PATTERN: '^[a-z]+$' }))
  const { owner, group, before } = await ownedGroup(app)

  for (const name of ['Abc', 'abc-def', 'abc1']) {
    const response = await rename(lowercaseOnly, owner.headers, { roomId: group._id, name })
    t.equal(response.statusCode, 400, name)
    t.same(response.json(), invalidName(name), name)
  }
  t.same(await storedGroup(db, group._id), before)

  const name = `lower${randomId()
    .toLowerCase()
    .replace(/[^a-z]/g, '')}`
  const response = await rename(lowercaseOnly, owner.headers, { roomId: group._id, name })
  t.equal(response.statusCode, 200)
  t.equal((await storedGroup(db, group._id)).room?.name, name)
})

t.test('a read-only group can be renamed', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: owner.headers,
    payload: { name: groupName('ro'), readOnly: true },
  })
  t.equal(created.statusCode, 200)
  const group = created.json().group
  const name = groupName('ro-renamed')

  const response = await rename(app, owner.headers, { roomId: group._id, name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.name, name)
  t.equal(response.json().group.ro, true)
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.name, name)
  t.equal(stored.room?.read_only, true)
  t.same(stored.messages, [{ type: 'r', msg: name, username: owner.username, role: null }])
})

t.test('after a rename the new name finds the group and the old one does not', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group } = await ownedGroup(app)
  const name = groupName('moved')

  const renamed = await rename(app, owner.headers, { roomId: group._id, name })
  t.equal(renamed.statusCode, 200)

  const byOldName = await groupInfo(app, owner, { roomName: group.name })
  t.equal(byOldName.statusCode, 400)
  t.same(byOldName.json(), ROOM_NOT_FOUND)

  const byNewName = await groupInfo(app, owner, { roomName: name })
  t.equal(byNewName.statusCode, 200)
  t.same(byNewName.json(), renamed.json())
})

t.test('the old name is free for another group after a rename', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group } = await ownedGroup(app)
  const other = await createTestGroup(app, owner)

  const renamed = await rename(app, owner.headers, { roomId: group._id, name: groupName('new') })
  t.equal(renamed.statusCode, 200)

  const response = await rename(app, owner.headers, { roomId: other._id, name: group.name })
  t.equal(response.statusCode, 200)
  t.equal((await storedGroup(db, other._id)).room?.name, group.name)
})

t.test('unknown body keys and wrong types: 400 invalid-params, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, before } = await ownedGroup(app)

  const cases: Array<[unknown, string]> = [
    [
      { roomId: group._id, name: groupName('new'), fname: 'x' },
      'must NOT have additional properties',
    ],
    [{ roomId: group._id, name: 42 }, 'name must be string'],
    [{ roomId: group._id, name: ['a'] }, 'name must be string'],
    [{ roomId: 42, name: groupName('new') }, 'roomId must be string'],
    [{ roomId: group._id, name: 'a'.repeat(257) }, 'name must NOT have more than 256 characters'],
    [[group._id], 'must be object'],
  ]
  for (const [payload, reason] of cases) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/groups.rename',
      headers: { ...owner.headers, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    })
    t.equal(response.statusCode, 400, reason)
    t.same(
      response.json(),
      { success: false, error: `${reason} [invalid-params]`, errorType: 'invalid-params' },
      reason,
    )
  }
  t.same(await storedGroup(db, group._id), before)
})
