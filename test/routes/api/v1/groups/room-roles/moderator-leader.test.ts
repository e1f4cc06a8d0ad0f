import t from 'tap'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

const roleEndpoints = [
  {
    role: 'moderator',
    add: 'groups.addModerator',
    remove: 'groups.removeModerator',
    noun: 'a moderator',
  },
  { role: 'leader', add: 'groups.addLeader', remove: 'groups.removeLeader', noun: 'a leader' },
] as const

for (const { role, add, remove, noun } of roleEndpoints) {
  t.test(`${add} then ${remove}: 200, the role, messages and audit rows`, async (t) => {
    const { app, owner, member, group } = await fixture.groupFixture(t, db)

    const added = await api(app, owner).on(group).post(add, { userId: member.id })
    assertReply(t, added, 200, { success: true })
    t.same(await fixture.storedRoomRoles(db, group._id, member.id), [role])

    const removed = await api(app, owner).post(remove, {
      roomName: group.name,
      username: member.username,
    })
    assertReply(t, removed, 200, { success: true })
    t.same(await fixture.storedRoomRoles(db, group._id, member.id), [])
    t.same(
      await fixture.storedRoomRoles(db, group._id, owner.id),
      ['owner'],
      "the owner's role is untouched",
    )

    const stored = await fixture.storedGroup(db, group._id)
    t.same(stored.messages, [
      fixture.storedMessage('subscription-role-added', member.username, owner, role),
      fixture.storedMessage('subscription-role-removed', member.username, owner, role),
    ])
    t.equal(stored.room?.msgs, 2)
    t.equal(stored.room?.users_count, 2)
    const holding = { member: member.username, roles: [role] }
    const notHolding = { member: member.username, roles: [] }
    t.same(await fixture.auditAfterCreate(db, group._id), [
      fixture.auditRow(owner, add, notHolding, holding),
      fixture.auditRow(owner, remove, holding, notHolding),
    ])

    const history = await api(app, member).get('groups.history', { roomId: group._id })
    t.match(history.json().messages, [
      { t: 'subscription-role-removed', msg: member.username, role },
      { t: 'subscription-role-added', msg: member.username, role },
    ])
  })

  t.test(`${add} keeps other room roles; an owner may take the role too`, async (t) => {
    const { app, owner, group } = await fixture.groupFixture(t, db, {})

    const response = await api(app, owner).on(group).post(add, { userId: owner.id })

    t.equal(response.statusCode, 200)
    t.same(await fixture.storedRoomRoles(db, group._id, owner.id), ['owner', role])
  })

  t.test(`${add} on a holder and ${remove} on a non-holder are refused`, async (t) => {
    const members = { holder: { roomRoles: [role] }, member: {} }
    const { app, owner, group, stored, audit, ...users } = await fixture.groupFixture(
      t,
      db,
      members,
    )

    const again = await api(app, owner).on(group).post(add, { userId: users.holder.id })
    assertReply(t, again, 400, refused.as(`error-user-already-${role}`, `User is already ${noun}`))

    const notHolder = await api(app, owner).on(group).post(remove, { userId: users.member.id })
    assertReply(t, notHolder, 400, refused.as(`error-user-not-${role}`, `User is not ${noun}`))
    await assertUnchanged(t, stored, audit)
  })

  t.test(`${add} and ${remove} need set-${role}: members and moderators are refused`, async (t) => {
    const members = {
      member: {},
      moderator: { roomRoles: ['moderator'] },
      holder: { roomRoles: [role] },
    }
    const { app, group, stored, audit, ...users } = await fixture.groupFixture(t, db, members)

    for (const caller of [users.member, users.moderator]) {
      const adding = await api(app, caller).on(group).post(add, { userId: users.member.id })
      assertReply(t, adding, 400, refused.notAllowed, `${add} by ${caller.username}`)
      const removing = await api(app, caller).on(group).post(remove, { userId: users.holder.id })
      assertReply(t, removing, 400, refused.notAllowed, `${remove} by ${caller.username}`)
    }
    await assertUnchanged(t, stored, audit)
  })

  t.test(`a global admin who is a member may ${add}; one who is not gets not-found`, async (t) => {
    const admin = { roles: ['admin'] }
    const { app, group, memberAdmin, member } = await fixture.groupFixture(t, db, {
      memberAdmin: admin,
      member: {},
    })
    const outsideAdmin = await fixture.createTestUser(db, admin)

    const outside = await api(app, outsideAdmin).on(group).post(add, { userId: member.id })
    assertReply(t, outside, 400, refused.roomNotFound)
    t.same(await fixture.storedRoomRoles(db, group._id, member.id), [])

    const inside = await api(app, memberAdmin).on(group).post(add, { userId: member.id })
    t.equal(inside.statusCode, 200)
    t.same(await fixture.storedRoomRoles(db, group._id, member.id), [role])
    t.same(
      (await fixture.auditAfterCreate(db, group._id)).map((row) => [
        row.actor_username,
        row.action,
      ]),
      [[memberAdmin.username, add]],
    )
  })
}

t.test('role changes on a target outside the group: error-user-not-in-room', async (t) => {
  const { app, owner, group, audit } = await fixture.groupFixture(t, db, {})
  const outsider = await fixture.createTestUser(db)

  for (const endpoint of roleEndpoints.flatMap(({ add, remove }) => [add, remove])) {
    const response = await api(app, owner).on(group).post(endpoint, { userId: outsider.id })
    assertReply(t, response, 400, refused.userNotInRoom, endpoint)
  }
  await assertUnchanged(t, audit)
})

t.test('role changes with a missing or unknown user, or no room', async (t) => {
  const { app, owner, member, group, audit } = await fixture.groupFixture(t, db)

  for (const endpoint of roleEndpoints.flatMap(({ add, remove }) => [add, remove])) {
    const missing = await api(app, owner).on(group).post(endpoint)
    assertReply(t, missing, 400, refused.userParamNotProvided, endpoint)
    const unknown = await api(app, owner).on(group).post(endpoint, { username: 'nobody-x' })
    t.same(unknown.json(), refused.invalidUser)
    const noRoom = await api(app, owner).post(endpoint, { userId: member.id })
    t.same(noRoom.json(), refused.roomParamNotProvided)
    const extra = await api(app, owner)
      .on(group)
      .post(endpoint, { userId: member.id, role: 'owner' })
    assertReply(t, extra, 400, refused.invalidParams('role is not allowed here'))
  }
  await assertUnchanged(t, audit)
})

t.test('role changes in an archived group: error-room-archived', async (t) => {
  const { app, owner, member, group, audit } = await fixture.groupFixture(t, db)
  await fixture.markArchived(db, group._id)
  const stored = await fixture.snapshotGroup(db, group._id)

  for (const endpoint of ['groups.addModerator', 'groups.addLeader', 'groups.addOwner']) {
    const response = await api(app, owner).on(group).post(endpoint, { userId: member.id })
    assertReply(t, response, 400, refused.archived(group.name), endpoint)
  }
  await assertUnchanged(t, stored, audit)
})

t.test('the last owner keeps the role: error-remove-last-owner, no audit row', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db, {})
  const asOwner = api(app, owner).on(group)
  t.equal((await asOwner.post('groups.addModerator', { userId: owner.id })).statusCode, 200)

  const response = await asOwner.post('groups.removeOwner', { userId: owner.id })

  assertReply(t, response, 400, refused.lastOwnerRemoved)
  t.same(await fixture.storedRoomRoles(db, group._id, owner.id), ['owner', 'moderator'])
  t.same(
    (await fixture.auditAfterCreate(db, group._id)).map((row) => row.action),
    ['groups.addModerator'],
  )
})

t.test('role changes when not logged in: 401', async (t) => {
  const { app, member, group } = await fixture.groupFixture(t, db)

  for (const endpoint of roleEndpoints.flatMap(({ add, remove }) => [add, remove])) {
    const response = await api(app, null).on(group).post(endpoint, { userId: member.id })
    assertReply(t, response, 401, refused.notLoggedIn, endpoint)
  }
  t.same(await fixture.storedRoomRoles(db, group._id, member.id), [])
})

t.test('groups.roles lists the members holding room roles, by username', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db, { username: `b-owner-${Date.now()}` })
  const moderator = await fixture.createTestUser(db, { username: `a-mod-${Date.now()}` })
  const leader = await fixture.createTestUser(db, { username: `c-lead-${Date.now()}` })
  const plain = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner, [moderator, leader, plain])
  for (const [endpoint, user] of [
    ['groups.addModerator', moderator],
    ['groups.addLeader', leader],
    ['groups.addModerator', leader],
  ] as const) {
    await api(app, owner).on(group).post(endpoint, { userId: user.id })
  }

  const queries: Array<Record<string, string>> = [{ roomId: group._id }, { roomName: group.name }]
  for (const query of queries) {
    const response = await api(app, plain).get('groups.roles', query)
    assertReply(t, response, 200, {
      roles: [
        {
          _id: `${group._id}-${moderator.id}`,
          rid: group._id,
          u: { _id: moderator.id, username: moderator.username },
          roles: ['moderator'],
        },
        {
          _id: `${group._id}-${owner.id}`,
          rid: group._id,
          u: { _id: owner.id, username: owner.username },
          roles: ['owner'],
        },
        {
          _id: `${group._id}-${leader.id}`,
          rid: group._id,
          u: { _id: leader.id, username: leader.username },
          roles: ['leader', 'moderator'],
        },
      ],
      success: true,
    })
  }
})

t.test('groups.moderators lists the moderators only', async (t) => {
  const { app, owner, group, moderator, leader } = await fixture.groupFixture(t, db, {
    moderator: {},
    leader: {},
  })

  const none = await api(app, leader).get('groups.moderators', { roomId: group._id })
  assertReply(t, none, 200, { moderators: [], success: true })

  await api(app, owner).on(group).post('groups.addModerator', { userId: moderator.id })
  await api(app, owner).on(group).post('groups.addLeader', { userId: leader.id })
  const response = await api(app, leader).get('groups.moderators', { roomName: group.name })
  assertReply(t, response, 200, {
    moderators: [{ _id: moderator.id, username: moderator.username }],
    success: true,
  })
})

t.test('groups.roles and groups.moderators: non-members, no room, not logged in', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db, {})
  const outsider = await fixture.createTestUser(db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })

  for (const endpoint of ['groups.roles', 'groups.moderators']) {
    for (const caller of [outsider, admin]) {
      const response = await api(app, caller).get(endpoint, { roomId: group._id })
      assertReply(t, response, 400, refused.roomNotFound, `${endpoint} by ${caller.username}`)
    }
    const unknown = await api(app, owner).get(endpoint, { roomName: 'no-such-group' })
    t.same(unknown.json(), refused.roomNotFound)
    const noRoom = await api(app, owner).get(endpoint, {})
    assertReply(t, noRoom, 400, refused.roomParamNotProvided)
    const anonymous = await api(app, null).get(endpoint, { roomId: group._id })
    assertReply(t, anonymous, 401, refused.notLoggedIn)
  }
})
