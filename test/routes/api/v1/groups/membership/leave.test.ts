import t from 'tap'
import { randomId } from '../../../../../../domain/ids.js'
import {
  api,
  assertReply,
  assertUnchanged,
  fixture,
  refused,
  testRoomReferences,
} from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

t.test('a member leaves: 200 with the group as it is afterwards', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)

  const response = await api(app, member).on(group).post('groups.leave')

  const body = fixture.assertGroupAnswer(t, response)
  t.same(
    body.group,
    fixture.groupBody({
      ...group,
      creator: owner,
      usernames: [owner.username],
      msgs: 1,
      usersCount: 1,
      ts: body.group.ts,
      _updatedAt: body.group._updatedAt,
    }),
  )

  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(stored.messages, [fixture.storedMessage('ul', member.username, member)])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 1)
})

for (const [name, caller] of Object.entries(fixture.withoutLogin)) {
  t.test(`${name}: 401, nothing changes`, async (t) => {
    const { app, owner, member, group, stored } = await fixture.groupFixture(t, db)

    const response = await api(app, caller(member, owner)).on(group).post('groups.leave')

    assertReply(t, response, 401, refused.notLoggedIn)
    await assertUnchanged(t, stored)
  })
}

t.test('with a logged-out token: 401, nothing changes', async (t) => {
  const { app, member, group } = await fixture.groupFixture(t, db)
  const logout = await api(app, member).post('logout')
  t.equal(logout.statusCode, 200)
  const stored = await fixture.snapshotGroup(db, group._id)

  const response = await api(app, member).on(group).post('groups.leave')

  assertReply(t, response, 401, refused.notLoggedIn)
  await assertUnchanged(t, stored)
})

testRoomReferences(t, db, { endpoint: 'groups.leave', sender: 'member' })

t.test('a member leaves by roomName', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)

  const response = await api(app, member).post('groups.leave', { roomName: group.name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, group._id)
  t.same(response.json().group.usernames, [owner.username])
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(stored.messages, [fixture.storedMessage('ul', member.username, member)])
})

t.test('roomId wins over roomName when both are sent', async (t) => {
  const { app, owner, member, group: byId } = await fixture.groupFixture(t, db)
  const byName = await fixture.createTestGroup(app, owner, [member])
  const byNameStored = await fixture.snapshotGroup(db, byName._id)

  const response = await api(app, member).on(byId).post('groups.leave', { roomName: byName.name })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, byId._id)
  t.same((await fixture.storedGroup(db, byId._id)).members, [
    { username: owner.username, roles: ['owner'] },
  ])
  await assertUnchanged(t, byNameStored)
})

t.test('an unknown roomId is not rescued by a valid roomName', async (t) => {
  const { app, member, group, stored } = await fixture.groupFixture(t, db)

  const response = await api(app, member).post('groups.leave', {
    roomId: randomId(),
    roomName: group.name,
  })

  assertReply(t, response, 400, refused.roomNotFound)
  await assertUnchanged(t, stored)
})

t.test('the last owner cannot leave while others stay', async (t) => {
  const { app, owner, group, stored } = await fixture.groupFixture(t, db)

  const response = await api(app, owner).on(group).post('groups.leave')

  assertReply(t, response, 400, refused.lastOwnerLeaving)
  await assertUnchanged(t, stored)
})

t.test('the last owner cannot leave when they are the only member', async (t) => {
  const { app, owner, group, stored } = await fixture.groupFixture(t, db, {})

  const response = await api(app, owner).on(group).post('groups.leave')

  t.same(stored.before.members, [{ username: owner.username, roles: ['owner'] }])
  assertReply(t, response, 400, refused.lastOwnerLeaving)
  await assertUnchanged(t, stored)
})

t.test(
  'an owner leaves when another owner stays: 200, the roles go with the membership',
  async (t) => {
    const app = await fixture.buildApp(t, db)
    const [creator, coOwner, member] = await fixture.usersNamed(db, 'ann', 'bob', 'cid')
    if (!creator || !coOwner || !member) throw new Error('users not created')
    const group = await fixture.createTestGroup(app, creator, [coOwner, member])
    await fixture.setRoomRoles(db, group._id, coOwner.id, ['owner'])
    await fixture.setRoomRoles(db, group._id, creator.id, ['owner', 'moderator'])
    await fixture.backdate(db, group._id)

    const response = await api(app, creator).on(group).post('groups.leave')

    t.equal(response.statusCode, 200)
    const stored = await fixture.storedGroup(db, group._id)
    if (!stored.room) throw new Error(`room ${group._id} is gone`)
    t.same(response.json(), {
      group: fixture.groupBody({
        ...group,
        creator,
        usernames: [coOwner.username, member.username],
        msgs: 1,
        usersCount: 2,
        ts: stored.room.created_at.toISOString(),
        _updatedAt: stored.room.updated_at.toISOString(),
      }),
      success: true,
    })
    t.ok(stored.room.updated_at > fixture.A_WHILE_AGO, '_updatedAt moved forward')
    t.same(stored.members, [
      { username: coOwner.username, roles: ['owner'] },
      { username: member.username, roles: [] },
    ])
    t.same(stored.messages, [fixture.storedMessage('ul', creator.username, creator)])
    t.equal(stored.room.users_count, 2)
  },
)

t.test('a user whose global roles lack leave-p gets error-not-allowed', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const guest = await fixture.createTestUser(db, { roles: ['guest'] })
  const group = await fixture.createTestGroup(app, owner, [guest])
  const stored = await fixture.snapshotGroup(db, group._id)
  t.same(
    stored.before.members.map((m) => m.username).sort(),
    [owner.username, guest.username].sort(),
    'the guest is a member',
  )

  const response = await api(app, guest).on(group).post('groups.leave')

  assertReply(t, response, 400, refused.notAllowed)
  await assertUnchanged(t, stored)
})

t.test('a bot, whose global role grants leave-p without the user role, can leave', async (t) => {
  const { app, owner, bot, group } = await fixture.groupFixture(t, db, { bot: { roles: ['bot'] } })

  const response = await api(app, bot).on(group).post('groups.leave')

  t.equal(response.statusCode, 200)
  t.same(response.json().group.usernames, [owner.username])
})

t.test('leaving twice: the second call is error-room-not-found and changes nothing', async (t) => {
  const { app, member, group } = await fixture.groupFixture(t, db)

  const first = await api(app, member).on(group).post('groups.leave')
  t.equal(first.statusCode, 200)
  const afterFirst = await fixture.snapshotGroup(db, group._id)

  const second = await api(app, member).on(group).post('groups.leave')

  assertReply(t, second, 400, refused.roomNotFound)
  await assertUnchanged(t, afterFirst)
  t.equal(afterFirst.before.room?.msgs, 1)
})

t.test('the body is exactly {group, success} with the documented group keys', async (t) => {
  const { app, member, group } = await fixture.groupFixture(t, db)

  const response = await api(app, member).on(group).post('groups.leave')

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
  const app = await fixture.buildApp(t, db)
  const [creator, heir, member] = await fixture.usersNamed(db, 'ann', 'bob', 'cid')
  if (!creator || !heir || !member) throw new Error('users not created')
  const group = await fixture.createTestGroup(app, creator, [heir, member])
  await fixture.setRoomRoles(db, group._id, creator.id, [])
  await fixture.setRoomRoles(db, group._id, heir.id, ['owner'])

  const memberLeaves = await api(app, member).on(group).post('groups.leave')
  t.equal(memberLeaves.statusCode, 200)
  t.same(memberLeaves.json().group.u, { _id: creator.id, username: creator.username })
  t.same(memberLeaves.json().group.usernames, [creator.username, heir.username])

  const creatorLeaves = await api(app, creator).on(group).post('groups.leave')
  t.equal(creatorLeaves.statusCode, 200)
  t.same(creatorLeaves.json().group.u, { _id: creator.id, username: creator.username })
  t.same(creatorLeaves.json().group.usernames, [heir.username])
  t.equal(creatorLeaves.json().group.msgs, 2)
  t.equal(creatorLeaves.json().group.usersCount, 1)

  const stored = await fixture.storedGroup(db, group._id)
  t.equal(stored.room?.creator_id, creator.id)
  t.equal(stored.room?.creator_username, creator.username)
  t.same(stored.members, [{ username: heir.username, roles: ['owner'] }])
})

t.test('unknown body keys: 400 invalid-params, nothing changes', async (t) => {
  const { app, owner, member, group, stored } = await fixture.groupFixture(t, db)

  const response = await api(app, member).on(group).post('groups.leave', { userId: owner.id })

  assertReply(t, response, 400, refused.invalidParams('userId is not allowed here'))
  await assertUnchanged(t, stored)
})

t.test('wrong types: 400 invalid-params, nothing changes', async (t) => {
  const { app, member, group, stored } = await fixture.groupFixture(t, db)

  const cases: Array<[object, string]> = [
    [{ roomId: 42 }, 'roomId must be string'],
    [{ roomId: [group._id] }, 'roomId must be string'],
    [{ roomName: { name: group.name } }, 'roomName must be string'],
    [[group._id], 'body must be object'],
  ]
  for (const [payload, reason] of cases) {
    const response = await api(app, member).post('groups.leave', payload)
    assertReply(t, response, 400, refused.invalidParams(reason), JSON.stringify(payload))
  }
  await assertUnchanged(t, stored)
})

t.test('a read-only group can still be left', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const member = await fixture.createTestUser(db)
  const created = await api(app, owner).post('groups.create', {
    name: fixture.groupName('ro'),
    members: [member.username],
    readOnly: true,
  })
  t.equal(created.statusCode, 200)
  const group = created.json().group

  const response = await api(app, member).on(group).post('groups.leave')

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.ro, true)
  t.same(response.json().group.usernames, [owner.username])
  const stored = await fixture.storedGroup(db, group._id)
  t.equal(stored.room?.read_only, true)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(stored.messages, [fixture.storedMessage('ul', member.username, member)])
})

t.test('an emptied group stays: the last member who is not an owner leaves', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner)
  await fixture.setRoomRoles(db, group._id, owner.id, [])

  const response = await api(app, owner).on(group).post('groups.leave')

  t.equal(response.statusCode, 200)
  t.same(response.json().group.usernames, [])
  t.equal(response.json().group.usersCount, 0)
  const stored = await fixture.storedGroup(db, group._id)
  t.equal(stored.room?.id, group._id)
  t.same(stored.members, [])
  t.equal(stored.room?.msgs, 1)
})
