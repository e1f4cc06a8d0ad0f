import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { randomId } from '../../../../../domain/ids.js'
import {
  api,
  assertReply,
  assertUnchanged,
  type Caller,
  fixture,
  refused,
  testRoomReferences,
} from '../../../../helper.js'

const db = await fixture.testDatabase(t)

/** groups.rename of the group `ref` names, to a new name, as `caller`. */
const renameTo = (
  app: FastifyInstance,
  caller: Caller,
  ref: { roomId?: string; roomName?: string },
) => api(app, caller).post('groups.rename', { ...ref, name: fixture.groupName('new') })

const nameRequired = refused.plain('The bodyParam "name" is required')
const invalidName = (name: string) =>
  refused.as('error-invalid-room-name', `${name} is not a valid room name.`)
const duplicateName = (name: string) =>
  refused.as('error-duplicate-channel-name', `A channel with name '${name}' exists`)

for (const [name, caller] of Object.entries(fixture.withoutLogin)) {
  t.test(`${name}: 401, nothing changes`, async (t) => {
    const { app, owner, member, group, stored } = await fixture.groupFixture(t, db)

    const response = await renameTo(app, caller(owner, member), { roomId: group._id })

    assertReply(t, response, 401, refused.notLoggedIn)
    await assertUnchanged(t, stored)
  })
}

t.test('not logged in is answered before a missing name', async (t) => {
  const app = await fixture.buildApp(t, db)

  const response = await api(app, null).post('groups.rename', {})

  assertReply(t, response, 401, refused.notLoggedIn)
})

t.test('a missing name: the plain bodyParam message, without errorType', async (t) => {
  const { app, owner, group, stored } = await fixture.groupFixture(t, db)

  const response = await api(app, owner).on(group).post('groups.rename')

  assertReply(t, response, 400, nameRequired)
  await assertUnchanged(t, stored)
})

t.test('an empty or blank name: the plain bodyParam message, without errorType', async (t) => {
  const { app, owner, group, stored } = await fixture.groupFixture(t, db)

  for (const name of ['', ' ', '   ', '\t\n']) {
    const response = await api(app, owner).on(group).post('groups.rename', { name })
    assertReply(t, response, 400, nameRequired, JSON.stringify(name))
  }
  await assertUnchanged(t, stored)
})

t.test('the name is checked before the room parameter and the room', async (t) => {
  const { app, group } = await fixture.groupFixture(t, db)
  const outsider = await fixture.createTestUser(db)

  const payloads = [
    {},
    { name: '' },
    { name: '  ' },
    { roomId: randomId() },
    { roomId: group._id, name: ' ' },
    { roomName: fixture.groupName('missing'), name: '' },
  ]
  for (const payload of payloads) {
    const response = await api(app, outsider).post('groups.rename', payload)
    assertReply(t, response, 400, nameRequired, JSON.stringify(payload))
  }
})

testRoomReferences(t, db, {
  endpoint: 'groups.rename',
  sender: 'owner',
  body: () => ({ name: fixture.groupName('new') }),
})

t.test('a plain member has no edit-room: error-action-not-allowed', async (t) => {
  const { app, member, group, stored } = await fixture.groupFixture(t, db)

  const response = await renameTo(app, member, { roomId: group._id })

  assertReply(t, response, 400, refused.editingNotAllowed)
  await assertUnchanged(t, stored)
})

t.test('a leader has no edit-room either', async (t) => {
  const { app, member, group } = await fixture.groupFixture(t, db)
  await fixture.setRoomRoles(db, group._id, member.id, ['leader'])
  const stored = await fixture.snapshotGroup(db, group._id)

  const response = await renameTo(app, member, { roomId: group._id })

  assertReply(t, response, 400, refused.editingNotAllowed)
  await assertUnchanged(t, stored)
})

t.test('the edit-room check comes before the name checks', async (t) => {
  const { app, member, group, stored } = await fixture.groupFixture(t, db)

  for (const name of ['not valid', group.name]) {
    const response = await api(app, member).on(group).post('groups.rename', { name })
    assertReply(t, response, 400, refused.editingNotAllowed, name)
  }
  await assertUnchanged(t, stored)
})

const renamers: Array<[string, fixture.MemberSpec]> = [
  ['a moderator', { roomRoles: ['moderator'] }],
  ['a global admin who is a plain member', { roles: ['admin', 'user'] }],
]

for (const [who, spec] of renamers) {
  t.test(`${who} can rename`, async (t) => {
    const { app, member, group } = await fixture.groupFixture(t, db, { member: spec })
    const name = fixture.groupName('renamed')

    const response = await api(app, member).on(group).post('groups.rename', { name })

    t.equal(response.statusCode, 200)
    t.equal(response.json().group.name, name)
    const stored = await fixture.storedGroup(db, group._id)
    t.equal(stored.room?.name, name)
    const roles = stored.members.find((m) => m.username === member.username)?.roles
    t.same(roles, spec.roomRoles ?? [])
    t.same(stored.messages, [fixture.storedMessage('r', name, member)])
  })
}

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
    const { app, owner, group, stored } = await fixture.groupFixture(t, db)

    const response = await api(app, owner).on(group).post('groups.rename', { name })

    assertReply(t, response, 400, invalidName(name))
    await assertUnchanged(t, stored)
  })
}

t.test("the group's current name: error-duplicate-channel-name", async (t) => {
  const { app, owner, group, stored } = await fixture.groupFixture(t, db)

  const response = await api(app, owner).on(group).post('groups.rename', { name: group.name })

  assertReply(t, response, 400, duplicateName(group.name))
  await assertUnchanged(t, stored)
})

t.test(
  "another group's name: error-duplicate-channel-name, also one the caller is not in",
  async (t) => {
    const { app, owner, group, stored } = await fixture.groupFixture(t, db)
    const ownOther = await fixture.createTestGroup(app, owner)
    const stranger = await fixture.createTestUser(db)
    const strangers = await fixture.createTestGroup(app, stranger)

    for (const taken of [ownOther.name, strangers.name]) {
      const response = await api(app, owner).on(group).post('groups.rename', { name: taken })
      assertReply(t, response, 400, duplicateName(taken), taken)
    }
    await assertUnchanged(t, stored)
  },
)

t.test('a username: error-duplicate-handle', async (t) => {
  const { app, owner, group, stored } = await fixture.groupFixture(t, db)
  const someone = await fixture.createTestUser(db)

  const response = await api(app, owner).on(group).post('groups.rename', { name: someone.username })

  assertReply(
    t,
    response,
    400,
    refused.as('error-duplicate-handle', `A user with the username '${someone.username}' exists`),
  )
  await assertUnchanged(t, stored)
})

t.test('success: the documented body, with the group as it now is', async (t) => {
  const app = await fixture.buildApp(t, db)
  const [owner, member] = await fixture.usersNamed(db, 'ann', 'bob')
  if (!owner || !member) throw new Error('users not created')
  const group = await fixture.createTestGroup(app, owner, [member])
  await fixture.backdate(db, group._id)
  const created = await fixture.storedGroup(db, group._id)
  const name = fixture.groupName('renamed')

  const response = await api(app, owner).on(group).post('groups.rename', { name })

  t.equal(response.statusCode, 200)
  const stored = await fixture.storedGroup(db, group._id)
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
  t.ok(stored.room.updated_at > fixture.A_WHILE_AGO, '_updatedAt moved forward')
  t.equal(stored.room.name, name)
  t.equal(stored.room.fname, name)
  t.equal(stored.room.msgs, created.room.msgs + 1)
  t.same(stored.room.created_at, created.room.created_at)
  t.same(stored.members, created.members)
  t.same(stored.messages, [fixture.storedMessage('r', name, owner)])
})

t.test('each rename adds one r message by its actor', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  await fixture.setRoomRoles(db, group._id, member.id, ['moderator'])
  const first = fixture.groupName('first')
  const second = fixture.groupName('second')

  const byOwner = await api(app, owner).on(group).post('groups.rename', { name: first })
  const byModerator = await api(app, member).post('groups.rename', {
    roomName: first,
    name: second,
  })

  t.equal(byOwner.statusCode, 200)
  t.equal(byOwner.json().group.msgs, 1)
  t.equal(byModerator.statusCode, 200)
  t.equal(byModerator.json().group.msgs, 2)
  t.equal(byModerator.json().group.u.username, owner.username)
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.messages, [
    fixture.storedMessage('r', first, owner),
    fixture.storedMessage('r', second, member),
  ])
  t.equal(stored.room?.msgs, 2)
})

t.test('a group found by roomName is renamed', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db)
  const name = fixture.groupName('by-name')

  const response = await api(app, owner).post('groups.rename', { roomName: group.name, name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, group._id)
  t.equal(response.json().group.name, name)
  t.equal((await fixture.storedGroup(db, group._id)).room?.name, name)
})

t.test('roomId wins over roomName when both are sent', async (t) => {
  const { app, owner, group: byId } = await fixture.groupFixture(t, db)
  const byName = await fixture.createTestGroup(app, owner)
  const byNameStored = await fixture.snapshotGroup(db, byName._id)
  const name = fixture.groupName('by-id')

  const response = await api(app, owner)
    .on(byId)
    .post('groups.rename', { roomName: byName.name, name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, byId._id)
  t.equal((await fixture.storedGroup(db, byId._id)).room?.name, name)
  await assertUnchanged(t, byNameStored)
})

t.test('ROOM_NAME_PATTERN decides which names are valid', async (t) => {
  const app = await fixture.buildApp(t, db)
  const lowercaseOnly = await fixture.buildApp(
    t,
    db,
    fixture.testConfig({ ROOM_NAME_PATTERN: '^[a-z]+$' }),
  )
  const { owner, group, stored } = await fixture.ownedGroup(app, db)

  for (const name of ['Abc', 'abc-def', 'abc1']) {
    const response = await api(lowercaseOnly, owner).on(group).post('groups.rename', { name })
    assertReply(t, response, 400, invalidName(name), name)
  }
  await assertUnchanged(t, stored)

  const name = `lower${randomId()
    .toLowerCase()
    .replace(/[^a-z]/g, '')}`
  const response = await api(lowercaseOnly, owner).on(group).post('groups.rename', { name })
  t.equal(response.statusCode, 200)
  t.equal((await fixture.storedGroup(db, group._id)).room?.name, name)
})

t.test('a read-only group can be renamed', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const created = await api(app, owner).post('groups.create', {
    name: fixture.groupName('ro'),
    readOnly: true,
  })
  t.equal(created.statusCode, 200)
  const group = created.json().group
  const name = fixture.groupName('ro-renamed')

  const response = await api(app, owner).on(group).post('groups.rename', { name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.name, name)
  t.equal(response.json().group.ro, true)
  const stored = await fixture.storedGroup(db, group._id)
  t.equal(stored.room?.name, name)
  t.equal(stored.room?.read_only, true)
  t.same(stored.messages, [fixture.storedMessage('r', name, owner)])
})

t.test('after a rename the new name finds the group and the old one does not', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db)
  const name = fixture.groupName('moved')

  const renamed = await api(app, owner).on(group).post('groups.rename', { name })
  t.equal(renamed.statusCode, 200)

  const byOldName = await api(app, owner).get('groups.info', { roomName: group.name })
  assertReply(t, byOldName, 400, refused.roomNotFound)

  const byNewName = await api(app, owner).get('groups.info', { roomName: name })
  assertReply(t, byNewName, 200, renamed.json())
})

t.test('the old name is free for another group after a rename', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db)
  const other = await fixture.createTestGroup(app, owner)

  const renamed = await renameTo(app, owner, { roomId: group._id })
  t.equal(renamed.statusCode, 200)

  const response = await api(app, owner).on(other).post('groups.rename', { name: group.name })
  t.equal(response.statusCode, 200)
  t.equal((await fixture.storedGroup(db, other._id)).room?.name, group.name)
})

t.test('unknown body keys and wrong types: 400 invalid-params, nothing changes', async (t) => {
  const { app, owner, group, stored } = await fixture.groupFixture(t, db)

  const cases: Array<[object, string]> = [
    [
      { roomId: group._id, name: fixture.groupName('new'), fname: 'x' },
      'fname is not allowed here',
    ],
    [{ roomId: group._id, name: 42 }, 'name must be string'],
    [{ roomId: group._id, name: ['a'] }, 'name must be string'],
    [{ roomId: 42, name: fixture.groupName('new') }, 'roomId must be string'],
    [{ roomId: group._id, name: 'a'.repeat(257) }, 'name must NOT have more than 256 characters'],
    [[group._id], 'body must be object'],
  ]
  for (const [payload, reason] of cases) {
    const response = await api(app, owner).post('groups.rename', payload)
    assertReply(t, response, 400, refused.invalidParams(reason), reason)
  }
  await assertUnchanged(t, stored)
})
