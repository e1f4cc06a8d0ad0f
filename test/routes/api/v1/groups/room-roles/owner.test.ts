import t, { type Test } from 'tap'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

/**
 * After `by` changed `member`'s owner role in a group of two: `by` is still an owner, the group
 * has the one role message and two members, and the change is audited with the roles before and
 * after.
 */
async function assertOwnerChanged(
  t: Test,
  group: { _id: string },
  by: fixture.TestUser,
  member: fixture.TestUser,
  endpoint: 'groups.addOwner' | 'groups.removeOwner',
  before: string[],
  after: string[],
) {
  t.same(await fixture.storedRoomRoles(db, group._id, by.id), ['owner'])
  const stored = await fixture.storedGroup(db, group._id)
  const type =
    endpoint === 'groups.addOwner' ? 'subscription-role-added' : 'subscription-role-removed'
  t.same(stored.messages, [fixture.storedMessage(type, member.username, by, 'owner')])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 2)
  t.same(await fixture.auditAfterCreate(db, group._id), [
    fixture.auditRow(
      by,
      endpoint,
      { member: member.username, roles: before },
      { member: member.username, roles: after },
    ),
  ])
}

const moderator = { roomRoles: ['moderator'] }
const admin = { roles: ['admin'] }

t.test('groups.addOwner: 200, the role stored, a subscription-role-added message', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)

  const response = await api(app, owner).on(group).post('groups.addOwner', { userId: member.id })

  assertReply(t, response, 200, { success: true })
  t.same(await fixture.storedRoomRoles(db, group._id, member.id), ['owner'])
  await assertOwnerChanged(t, group, owner, member, 'groups.addOwner', [], ['owner'])

  const history = await api(app, member).get('groups.history', { roomId: group._id })
  const [message] = history.json().messages
  t.same(message, {
    _id: message._id,
    rid: group._id,
    msg: member.username,
    t: 'subscription-role-added',
    role: 'owner',
    ts: message.ts,
    u: { _id: owner.id, username: owner.username },
    _updatedAt: message._updatedAt,
    groupable: false,
  })
})

t.test('groups.addOwner by username and roomName keeps other room roles', async (t) => {
  const { app, owner, group, ...users } = await fixture.groupFixture(t, db, { moderator })

  const response = await api(app, owner).post('groups.addOwner', {
    roomName: group.name,
    username: users.moderator.username,
  })

  assertReply(t, response, 200, { success: true })
  t.same(await fixture.storedRoomRoles(db, group._id, users.moderator.id), ['moderator', 'owner'])
})

t.test('a global admin who is a member can add an owner', async (t) => {
  const { app, group, ...users } = await fixture.groupFixture(t, db, { admin, member: {} })

  const response = await api(app, users.admin)
    .on(group)
    .post('groups.addOwner', { userId: users.member.id })

  t.equal(response.statusCode, 200)
  t.same(await fixture.storedRoomRoles(db, group._id, users.member.id), ['owner'])
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.messages, [
    fixture.storedMessage('subscription-role-added', users.member.username, users.admin, 'owner'),
  ])
})

t.test('groups.removeOwner: 200, the role gone, a subscription-role-removed message', async (t) => {
  const coOwnerSpec = { roomRoles: ['moderator', 'owner'] }
  const { app, owner, group, coOwner } = await fixture.groupFixture(t, db, { coOwner: coOwnerSpec })

  const response = await api(app, owner)
    .on(group)
    .post('groups.removeOwner', { userId: coOwner.id })

  assertReply(t, response, 200, { success: true })
  t.same(
    await fixture.storedRoomRoles(db, group._id, coOwner.id),
    ['moderator'],
    'other room roles stay',
  )
  await assertOwnerChanged(
    t,
    group,
    owner,
    coOwner,
    'groups.removeOwner',
    ['moderator', 'owner'],
    ['moderator'],
  )
})

t.test('an owner may give up the role while another owner remains', async (t) => {
  const { app, owner, member: coOwner, group } = await fixture.groupFixture(t, db)
  const promoted = await api(app, owner).on(group).post('groups.addOwner', { userId: coOwner.id })
  t.equal(promoted.statusCode, 200)

  const response = await api(app, owner).post('groups.removeOwner', {
    roomName: group.name,
    username: owner.username,
  })

  t.equal(response.statusCode, 200)
  const stored = await fixture.storedGroup(db, group._id)
  t.same(
    stored.members.filter((row) => row.roles.includes('owner')).map((row) => row.username),
    [coOwner.username],
  )
  t.same(
    stored.messages.map((message) => [message.type, message.msg, message.role]),
    [
      ['subscription-role-added', coOwner.username, 'owner'],
      ['subscription-role-removed', owner.username, 'owner'],
    ],
  )
})

/** Owner changes refused, each in a group of these members, with nothing changed. */
const ownerRefusals = [
  {
    name: 'groups.addOwner on an owner: error-user-already-owner',
    requests: [['owner', 'groups.addOwner', 'owner']],
    refusal: refused.as('error-user-already-owner', 'User is already an owner'),
  },
  {
    name: 'groups.removeOwner on a member who is no owner: error-user-not-owner',
    requests: [['owner', 'groups.removeOwner', 'member']],
    refusal: refused.as('error-user-not-owner', 'User is not an owner'),
  },
  {
    name: 'the last owner cannot be removed: error-remove-last-owner',
    requests: [
      ['owner', 'groups.removeOwner', 'owner'],
      ['admin', 'groups.removeOwner', 'owner'],
    ],
    refusal: refused.lastOwnerRemoved,
  },
  {
    name: 'a target outside the group: error-user-not-in-room',
    requests: [
      ['owner', 'groups.addOwner', 'outsider'],
      ['owner', 'groups.removeOwner', 'outsider'],
    ],
    refusal: refused.userNotInRoom,
  },
  {
    name: 'a plain member or a moderator cannot change owners: error-not-allowed',
    requests: [
      ['member', 'groups.addOwner', 'member'],
      ['member', 'groups.removeOwner', 'owner'],
      ['moderator', 'groups.addOwner', 'moderator'],
      ['moderator', 'groups.removeOwner', 'owner'],
    ],
    refusal: refused.notAllowed,
  },
] as const

for (const { name, requests, refusal } of ownerRefusals) {
  t.test(name, async (t) => {
    const setup = await fixture.groupFixture(t, db, { member: {}, moderator, admin })
    const { app, group, stored, audit, ...users } = setup
    const everyone = { ...users, outsider: await fixture.createTestUser(db) }

    for (const [caller, endpoint, target] of requests) {
      const response = await api(app, everyone[caller])
        .on(group)
        .post(endpoint, { userId: everyone[target].id })
      assertReply(t, response, 400, refusal, `${endpoint} of ${target} by ${caller}`)
    }
    t.same(
      await fixture.storedRoomRoles(db, group._id, everyone.owner.id),
      ['owner'],
      'the owner stays',
    )
    await assertUnchanged(t, stored, audit)
  })
}

t.test('an unknown or missing target user', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db, {})

  for (const endpoint of ['groups.addOwner', 'groups.removeOwner']) {
    const unknown = await api(app, owner).on(group).post(endpoint, { username: 'no-such-user' })
    assertReply(t, unknown, 400, refused.invalidUser, endpoint)

    const missing = await api(app, owner).on(group).post(endpoint)
    assertReply(t, missing, 400, refused.userParamNotProvided, endpoint)
  }
})

t.test('addOwner and removeOwner when not logged in: 401', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)

  const stolenToken = { 'x-user-id': member.id, 'x-auth-token': owner.headers['x-auth-token'] }
  for (const endpoint of ['groups.addOwner', 'groups.removeOwner']) {
    const response = await api(app, { headers: stolenToken })
      .on(group)
      .post(endpoint, { userId: member.id })
    assertReply(t, response, 401, refused.notLoggedIn, endpoint)
  }
  t.same(await fixture.storedRoomRoles(db, group._id, member.id), [])
})

t.test('after addOwner the previous sole owner can leave', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)

  const stillLastOwner = await api(app, owner).on(group).post('groups.leave')
  t.equal(stillLastOwner.statusCode, 400)
  t.equal(stillLastOwner.json().errorType, 'error-you-are-last-owner')

  const promoted = await api(app, owner).on(group).post('groups.addOwner', { userId: member.id })
  t.equal(promoted.statusCode, 200)

  const left = await api(app, owner).on(group).post('groups.leave')
  t.equal(left.statusCode, 200)
  t.same(left.json().group.usernames, [member.username])
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.members, [{ username: member.username, roles: ['owner'] }])
  t.same(
    stored.messages.map((message) => message.type),
    ['subscription-role-added', 'ul'],
  )
})
