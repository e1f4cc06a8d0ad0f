import t from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  storedGroup,
  testDatabase,
} from '../../../../helper.js'
import {
  api,
  archived,
  assertRefused,
  assertReply,
  assertUnchanged,
  invalidParams,
  invalidUser,
  notAllowed,
  notLoggedIn,
  refusal,
  roomNotFound,
  roomParamNotProvided,
  snapshotGroup,
  userParamNotProvided,
} from '../../../../support/api.js'
import {
  auditAfterCreate,
  ownedGroup,
  setRoomRoles,
  storedRoomRoles,
} from '../../../../support/fixtures.js'

const db = await testDatabase(t)

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
    const app = await buildApp(t, db)
    const { owner, member, group } = await ownedGroup(app, db)

    const added = await api(app, owner).post(add, { roomId: group._id, userId: member.id })
    assertReply(t, added, 200, { success: true })
    t.same(await storedRoomRoles(db, group._id, member.id), [role])

    const removed = await api(app, owner).post(remove, {
      roomName: group.name,
      username: member.username,
    })
    assertReply(t, removed, 200, { success: true })
    t.same(await storedRoomRoles(db, group._id, member.id), [])
    t.same(
      await storedRoomRoles(db, group._id, owner.id),
      ['owner'],
      "the owner's role is untouched",
    )

    const stored = await storedGroup(db, group._id)
    t.same(stored.messages, [
      { type: 'subscription-role-added', msg: member.username, username: owner.username, role },
      { type: 'subscription-role-removed', msg: member.username, username: owner.username, role },
    ])
    t.equal(stored.room?.msgs, 2)
    t.equal(stored.room?.users_count, 2)
    t.same(await auditAfterCreate(db, group._id), [
      {
        actor_username: owner.username,
        action: add,
        before: { member: member.username, roles: [] },
        after: { member: member.username, roles: [role] },
      },
      {
        actor_username: owner.username,
        action: remove,
        before: { member: member.username, roles: [role] },
        after: { member: member.username, roles: [] },
      },
    ])

    const history = await api(app, member).get('groups.history', { roomId: group._id })
    t.match(history.json().messages, [
      { t: 'subscription-role-removed', msg: member.username, role },
      { t: 'subscription-role-added', msg: member.username, role },
    ])
  })

  t.test(`${add} keeps other room roles; an owner may take the role too`, async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const group = await createTestGroup(app, owner)

    const response = await api(app, owner).post(add, { roomId: group._id, userId: owner.id })

    t.equal(response.statusCode, 200)
    t.same(await storedRoomRoles(db, group._id, owner.id), ['owner', role])
  })

  t.test(`${add} on a holder and ${remove} on a non-holder are refused`, async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const holder = await createTestUser(db)
    const member = await createTestUser(db)
    const group = await createTestGroup(app, owner, [holder, member])
    await setRoomRoles(db, group._id, holder.id, [role])
    const stored = await snapshotGroup(db, group._id)

    const again = await api(app, owner).post(add, { roomId: group._id, userId: holder.id })
    assertReply(t, again, 400, refusal(`error-user-already-${role}`, `User is already ${noun}`))

    const notHolder = await api(app, owner).post(remove, { roomId: group._id, userId: member.id })
    await assertRefused(
      t,
      notHolder,
      400,
      refusal(`error-user-not-${role}`, `User is not ${noun}`),
      stored,
    )
    t.same(await auditAfterCreate(db, group._id), [], 'refusals leave no audit row')
  })

  t.test(`${add} and ${remove} need set-${role}: members and moderators are refused`, async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const member = await createTestUser(db)
    const moderator = await createTestUser(db)
    const holder = await createTestUser(db)
    const group = await createTestGroup(app, owner, [member, moderator, holder])
    await setRoomRoles(db, group._id, moderator.id, ['moderator'])
    await setRoomRoles(db, group._id, holder.id, [role])
    const stored = await snapshotGroup(db, group._id)

    for (const caller of [member, moderator]) {
      const adding = await api(app, caller).post(add, { roomId: group._id, userId: member.id })
      assertReply(t, adding, 400, notAllowed, `${add} by ${caller.username}`)
      const removing = await api(app, caller).post(remove, { roomId: group._id, userId: holder.id })
      assertReply(t, removing, 400, notAllowed, `${remove} by ${caller.username}`)
    }
    await assertUnchanged(t, stored)
    t.same(await auditAfterCreate(db, group._id), [])
  })

  t.test(`a global admin who is a member may ${add}; one who is not gets not-found`, async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const memberAdmin = await createTestUser(db, { roles: ['admin'] })
    const outsideAdmin = await createTestUser(db, { roles: ['admin'] })
    const member = await createTestUser(db)
    const group = await createTestGroup(app, owner, [memberAdmin, member])

    const outside = await api(app, outsideAdmin).post(add, { roomId: group._id, userId: member.id })
    assertReply(t, outside, 400, roomNotFound)
    t.same(await storedRoomRoles(db, group._id, member.id), [])

    const inside = await api(app, memberAdmin).post(add, { roomId: group._id, userId: member.id })
    t.equal(inside.statusCode, 200)
    t.same(await storedRoomRoles(db, group._id, member.id), [role])
    t.same(
      (await auditAfterCreate(db, group._id)).map((row) => [row.actor_username, row.action]),
      [[memberAdmin.username, add]],
    )
  })
}

t.test('role changes on a target outside the group: error-user-not-in-room', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const outsider = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  for (const { add, remove } of roleEndpoints) {
    for (const endpoint of [add, remove]) {
      const response = await api(app, owner).post(endpoint, {
        roomId: group._id,
        userId: outsider.id,
      })
      assertReply(
        t,
        response,
        400,
        refusal('error-user-not-in-room', 'User is not in this room'),
        endpoint,
      )
    }
  }
  t.same(await auditAfterCreate(db, group._id), [])
})

t.test('role changes with a missing or unknown user, or no room', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app, db)

  for (const { add, remove } of roleEndpoints) {
    for (const endpoint of [add, remove]) {
      const missing = await api(app, owner).post(endpoint, { roomId: group._id })
      assertReply(t, missing, 400, userParamNotProvided, endpoint)
      const unknown = await api(app, owner).post(endpoint, {
        roomId: group._id,
        username: 'nobody-x',
      })
      t.same(unknown.json(), invalidUser)
      const noRoom = await api(app, owner).post(endpoint, { userId: member.id })
      t.same(noRoom.json(), roomParamNotProvided)
      const extra = await api(app, owner).post(endpoint, {
        roomId: group._id,
        userId: member.id,
        role: 'owner',
      })
      assertReply(t, extra, 400, invalidParams('role is not allowed here'))
    }
  }
  t.same(await auditAfterCreate(db, group._id), [])
})

t.test('role changes in an archived group: error-room-archived', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app, db)
  await db.updateTable('rooms').set({ archived: true }).where('id', '=', group._id).execute()
  const stored = await snapshotGroup(db, group._id)

  for (const endpoint of ['groups.addModerator', 'groups.addLeader', 'groups.addOwner']) {
    const response = await api(app, owner).post(endpoint, { roomId: group._id, userId: member.id })
    assertReply(t, response, 400, archived(group.name), endpoint)
  }
  await assertUnchanged(t, stored)
  t.same(await auditAfterCreate(db, group._id), [])
})

t.test('the last owner keeps the role: error-remove-last-owner, no audit row', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  t.equal(
    (await api(app, owner).post('groups.addModerator', { roomId: group._id, userId: owner.id }))
      .statusCode,
    200,
  )

  const response = await api(app, owner).post('groups.removeOwner', {
    roomId: group._id,
    userId: owner.id,
  })

  assertReply(
    t,
    response,
    400,
    refusal(
      'error-remove-last-owner',
      'This is the last owner. Please set a new owner before removing this one.',
    ),
  )
  t.same(await storedRoomRoles(db, group._id, owner.id), ['owner', 'moderator'])
  t.same(
    (await auditAfterCreate(db, group._id)).map((row) => row.action),
    ['groups.addModerator'],
  )
})

t.test('role changes when not logged in: 401', async (t) => {
  const app = await buildApp(t, db)
  const { member, group } = await ownedGroup(app, db)

  for (const { add, remove } of roleEndpoints) {
    for (const endpoint of [add, remove]) {
      const response = await api(app, null).post(endpoint, { roomId: group._id, userId: member.id })
      assertReply(t, response, 401, notLoggedIn, endpoint)
    }
  }
  t.same(await storedRoomRoles(db, group._id, member.id), [])
})

t.test('groups.roles lists the members holding room roles, by username', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db, { username: `b-owner-${Date.now()}` })
  const moderator = await createTestUser(db, { username: `a-mod-${Date.now()}` })
  const leader = await createTestUser(db, { username: `c-lead-${Date.now()}` })
  const plain = await createTestUser(db)
  const group = await createTestGroup(app, owner, [moderator, leader, plain])
  await api(app, owner).post('groups.addModerator', { roomId: group._id, userId: moderator.id })
  await api(app, owner).post('groups.addLeader', { roomId: group._id, userId: leader.id })
  await api(app, owner).post('groups.addModerator', { roomId: group._id, userId: leader.id })

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
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const moderator = await createTestUser(db)
  const leader = await createTestUser(db)
  const group = await createTestGroup(app, owner, [moderator, leader])

  const none = await api(app, leader).get('groups.moderators', { roomId: group._id })
  assertReply(t, none, 200, { moderators: [], success: true })

  await api(app, owner).post('groups.addModerator', { roomId: group._id, userId: moderator.id })
  await api(app, owner).post('groups.addLeader', { roomId: group._id, userId: leader.id })
  const response = await api(app, leader).get('groups.moderators', { roomName: group.name })
  assertReply(t, response, 200, {
    moderators: [{ _id: moderator.id, username: moderator.username }],
    success: true,
  })
})

t.test('groups.roles and groups.moderators: non-members, no room, not logged in', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const outsider = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner)

  for (const endpoint of ['groups.roles', 'groups.moderators']) {
    for (const caller of [outsider, admin]) {
      const response = await api(app, caller).get(endpoint, { roomId: group._id })
      assertReply(t, response, 400, roomNotFound, `${endpoint} by ${caller.username}`)
    }
    const unknown = await api(app, owner).get(endpoint, { roomName: 'no-such-group' })
    t.same(unknown.json(), roomNotFound)
    const noRoom = await api(app, owner).get(endpoint, {})
    assertReply(t, noRoom, 400, roomParamNotProvided)
    const anonymous = await api(app, null).get(endpoint, { roomId: group._id })
    assertReply(t, anonymous, 401, notLoggedIn)
  }
})
