import t from 'tap'
import { randomId } from '../../../../../domain/ids.js'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  groupName,
  storedGroup,
  testConfig,
  testDatabase,
} from '../../../../helper.js'
import {
  api,
  assertRefused,
  assertReply,
  assertUnchanged,
  editingNotAllowed,
  invalidParams,
  notLoggedIn,
  plainFailure,
  refusal,
  roomNotFound,
  roomParamNotProvided,
  snapshotGroup,
  withoutLogin,
} from '../../../../support/api.js'
import {
  A_WHILE_AGO,
  backdate,
  ownedGroup,
  setRoomRoles,
  usersNamed,
} from '../../../../support/fixtures.js'

const db = await testDatabase(t)

const nameRequired = plainFailure('The bodyParam "name" is required')
const invalidName = (name: string) =>
  refusal('error-invalid-room-name', `${name} is not a valid room name.`)
const duplicateName = (name: string) =>
  refusal('error-duplicate-channel-name', `A channel with name '${name}' exists`)

for (const [name, caller] of Object.entries(withoutLogin)) {
  t.test(`${name}: 401, nothing changes`, async (t) => {
    const app = await buildApp(t, db)
    const { owner, member, group, stored } = await ownedGroup(app, db)

    const response = await api(app, caller(owner, member)).post('groups.rename', {
      roomId: group._id,
      name: groupName('new'),
    })

    await assertRefused(t, response, 401, notLoggedIn, stored)
  })
}

t.test('not logged in is answered before a missing name', async (t) => {
  const app = await buildApp(t, db)

  const response = await api(app, null).post('groups.rename', {})

  assertReply(t, response, 401, notLoggedIn)
})

t.test('a missing name: the plain bodyParam message, without errorType', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, stored } = await ownedGroup(app, db)

  const response = await api(app, owner).post('groups.rename', { roomId: group._id })

  await assertRefused(t, response, 400, nameRequired, stored)
})

t.test('an empty or blank name: the plain bodyParam message, without errorType', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, stored } = await ownedGroup(app, db)

  for (const name of ['', ' ', '   ', '\t\n']) {
    const response = await api(app, owner).post('groups.rename', { roomId: group._id, name })
    assertReply(t, response, 400, nameRequired, JSON.stringify(name))
  }
  await assertUnchanged(t, stored)
})

t.test('the name is checked before the room parameter and the room', async (t) => {
  const app = await buildApp(t, db)
  const { group } = await ownedGroup(app, db)
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
    const response = await api(app, outsider).post('groups.rename', payload)
    assertReply(t, response, 400, nameRequired, JSON.stringify(payload))
  }
})

t.test('no roomId or roomName: error-room-param-not-provided', async (t) => {
  const app = await buildApp(t, db)
  const { owner, stored } = await ownedGroup(app, db)
  const name = groupName('new')

  for (const payload of [{ name }, { name, roomId: '' }, { name, roomName: '' }]) {
    const response = await api(app, owner).post('groups.rename', payload)
    assertReply(t, response, 400, roomParamNotProvided, JSON.stringify(payload))
  }
  await assertUnchanged(t, stored)
})

t.test('an unknown roomId or roomName: error-room-not-found', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  for (const ref of [{ roomId: randomId() }, { roomName: groupName('missing') }]) {
    const response = await api(app, user).post('groups.rename', { ...ref, name: groupName('new') })
    assertReply(t, response, 400, roomNotFound, JSON.stringify(ref))
  }
})

t.test('a group the caller is not in answers like a missing one', async (t) => {
  const app = await buildApp(t, db)
  const { group, stored } = await ownedGroup(app, db)
  const outsider = await createTestUser(db)

  for (const ref of [{ roomId: group._id }, { roomName: group.name }]) {
    const response = await api(app, outsider).post('groups.rename', {
      ...ref,
      name: groupName('new'),
    })
    assertReply(t, response, 400, roomNotFound, JSON.stringify(ref))
  }
  await assertUnchanged(t, stored)
})

t.test('a global admin who is not a member gets error-room-not-found', async (t) => {
  const app = await buildApp(t, db)
  const { group, stored } = await ownedGroup(app, db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })

  const response = await api(app, admin).post('groups.rename', {
    roomId: group._id,
    name: groupName('new'),
  })

  await assertRefused(t, response, 400, roomNotFound, stored)
})

t.test('a plain member has no edit-room: error-action-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const { member, group, stored } = await ownedGroup(app, db)

  const response = await api(app, member).post('groups.rename', {
    roomId: group._id,
    name: groupName('new'),
  })

  await assertRefused(t, response, 400, editingNotAllowed, stored)
})

t.test('a leader has no edit-room either', async (t) => {
  const app = await buildApp(t, db)
  const { member, group } = await ownedGroup(app, db)
  await setRoomRoles(db, group._id, member.id, ['leader'])
  const stored = await snapshotGroup(db, group._id)

  const response = await api(app, member).post('groups.rename', {
    roomId: group._id,
    name: groupName('new'),
  })

  await assertRefused(t, response, 400, editingNotAllowed, stored)
})

t.test('the edit-room check comes before the name checks', async (t) => {
  const app = await buildApp(t, db)
  const { member, group, stored } = await ownedGroup(app, db)

  for (const name of ['not valid', group.name]) {
    const response = await api(app, member).post('groups.rename', { roomId: group._id, name })
    assertReply(t, response, 400, editingNotAllowed, name)
  }
  await assertUnchanged(t, stored)
})

t.test('a moderator can rename', async (t) => {
  const app = await buildApp(t, db)
  const { member: moderator, group } = await ownedGroup(app, db)
  await setRoomRoles(db, group._id, moderator.id, ['moderator'])
  const name = groupName('by-moderator')

  const response = await api(app, moderator).post('groups.rename', { roomId: group._id, name })

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

  const response = await api(app, admin).post('groups.rename', { roomId: group._id, name })

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
    const { owner, group, stored } = await ownedGroup(app, db)

    const response = await api(app, owner).post('groups.rename', { roomId: group._id, name })

    await assertRefused(t, response, 400, invalidName(name), stored)
  })
}

t.test("the group's current name: error-duplicate-channel-name", async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, stored } = await ownedGroup(app, db)

  const response = await api(app, owner).post('groups.rename', {
    roomId: group._id,
    name: group.name,
  })

  await assertRefused(t, response, 400, duplicateName(group.name), stored)
})

t.test(
  "another group's name: error-duplicate-channel-name, also one the caller is not in",
  async (t) => {
    const app = await buildApp(t, db)
    const { owner, group, stored } = await ownedGroup(app, db)
    const ownOther = await createTestGroup(app, owner)
    const stranger = await createTestUser(db)
    const strangers = await createTestGroup(app, stranger)

    for (const taken of [ownOther.name, strangers.name]) {
      const response = await api(app, owner).post('groups.rename', {
        roomId: group._id,
        name: taken,
      })
      assertReply(t, response, 400, duplicateName(taken), taken)
    }
    await assertUnchanged(t, stored)
  },
)

t.test('a username: error-duplicate-handle', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, stored } = await ownedGroup(app, db)
  const someone = await createTestUser(db)

  const response = await api(app, owner).post('groups.rename', {
    roomId: group._id,
    name: someone.username,
  })

  await assertRefused(
    t,
    response,
    400,
    refusal('error-duplicate-handle', `A user with the username '${someone.username}' exists`),
    stored,
  )
})

t.test('success: the documented body, with the group as it now is', async (t) => {
  const app = await buildApp(t, db)
  const [owner, member] = await usersNamed(db, 'ann', 'bob')
  if (!owner || !member) throw new Error('users not created')
  const group = await createTestGroup(app, owner, [member])
  await backdate(db, group._id)
  const created = await storedGroup(db, group._id)
  const name = groupName('renamed')

  const response = await api(app, owner).post('groups.rename', { roomId: group._id, name })

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
  const { owner, member, group } = await ownedGroup(app, db)
  await setRoomRoles(db, group._id, member.id, ['moderator'])
  const first = groupName('first')
  const second = groupName('second')

  const byOwner = await api(app, owner).post('groups.rename', { roomId: group._id, name: first })
  const byModerator = await api(app, member).post('groups.rename', {
    roomName: first,
    name: second,
  })

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
  const { owner, group } = await ownedGroup(app, db)
  const name = groupName('by-name')

  const response = await api(app, owner).post('groups.rename', { roomName: group.name, name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, group._id)
  t.equal(response.json().group.name, name)
  t.equal((await storedGroup(db, group._id)).room?.name, name)
})

t.test('roomId wins over roomName when both are sent', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group: byId } = await ownedGroup(app, db)
  const byName = await createTestGroup(app, owner)
  const byNameStored = await snapshotGroup(db, byName._id)
  const name = groupName('by-id')

  const response = await api(app, owner).post('groups.rename', {
    roomId: byId._id,
    roomName: byName.name,
    name,
  })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, byId._id)
  t.equal((await storedGroup(db, byId._id)).room?.name, name)
  await assertUnchanged(t, byNameStored)
})

t.test('ROOM_NAME_PATTERN decides which names are valid', async (t) => {
  const app = await buildApp(t, db)
  const lowercaseOnly = await buildApp(t, db, testConfig({ ROOM_NAME_PATTERN: '^[a-z]+$' }))
  const { owner, group, stored } = await ownedGroup(app, db)

  for (const name of ['Abc', 'abc-def', 'abc1']) {
    const response = await api(lowercaseOnly, owner).post('groups.rename', {
      roomId: group._id,
      name,
    })
    assertReply(t, response, 400, invalidName(name), name)
  }
  await assertUnchanged(t, stored)

  const name = `lower${randomId()
    .toLowerCase()
    .replace(/[^a-z]/g, '')}`
  const response = await api(lowercaseOnly, owner).post('groups.rename', {
    roomId: group._id,
    name,
  })
  t.equal(response.statusCode, 200)
  t.equal((await storedGroup(db, group._id)).room?.name, name)
})

t.test('a read-only group can be renamed', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const created = await api(app, owner).post('groups.create', {
    name: groupName('ro'),
    readOnly: true,
  })
  t.equal(created.statusCode, 200)
  const group = created.json().group
  const name = groupName('ro-renamed')

  const response = await api(app, owner).post('groups.rename', { roomId: group._id, name })

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
  const { owner, group } = await ownedGroup(app, db)
  const name = groupName('moved')

  const renamed = await api(app, owner).post('groups.rename', { roomId: group._id, name })
  t.equal(renamed.statusCode, 200)

  const byOldName = await api(app, owner).get('groups.info', { roomName: group.name })
  assertReply(t, byOldName, 400, roomNotFound)

  const byNewName = await api(app, owner).get('groups.info', { roomName: name })
  assertReply(t, byNewName, 200, renamed.json())
})

t.test('the old name is free for another group after a rename', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group } = await ownedGroup(app, db)
  const other = await createTestGroup(app, owner)

  const renamed = await api(app, owner).post('groups.rename', {
    roomId: group._id,
    name: groupName('new'),
  })
  t.equal(renamed.statusCode, 200)

  const response = await api(app, owner).post('groups.rename', {
    roomId: other._id,
    name: group.name,
  })
  t.equal(response.statusCode, 200)
  t.equal((await storedGroup(db, other._id)).room?.name, group.name)
})

t.test('unknown body keys and wrong types: 400 invalid-params, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, stored } = await ownedGroup(app, db)

  const cases: Array<[object, string]> = [
    [{ roomId: group._id, name: groupName('new'), fname: 'x' }, 'fname is not allowed here'],
    [{ roomId: group._id, name: 42 }, 'name must be string'],
    [{ roomId: group._id, name: ['a'] }, 'name must be string'],
    [{ roomId: 42, name: groupName('new') }, 'roomId must be string'],
    [{ roomId: group._id, name: 'a'.repeat(257) }, 'name must NOT have more than 256 characters'],
    [[group._id], 'body must be object'],
  ]
  for (const [payload, reason] of cases) {
    const response = await api(app, owner).post('groups.rename', payload)
    assertReply(t, response, 400, invalidParams(reason), reason)
  }
  await assertUnchanged(t, stored)
})
