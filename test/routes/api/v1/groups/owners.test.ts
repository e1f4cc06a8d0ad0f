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
  assertRefused,
  assertReply,
  assertUnchanged,
  invalidUser,
  notAllowed,
  notLoggedIn,
  refusal,
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

t.test('groups.addOwner: 200, the role stored, a subscription-role-added message', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app, db)

  const response = await api(app, owner).post('groups.addOwner', {
    roomId: group._id,
    userId: member.id,
  })

  assertReply(t, response, 200, { success: true })
  t.same(await storedRoomRoles(db, group._id, member.id), ['owner'])
  t.same(await storedRoomRoles(db, group._id, owner.id), ['owner'])
  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [
    {
      type: 'subscription-role-added',
      msg: member.username,
      username: owner.username,
      role: 'owner',
    },
  ])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 2)
  t.same(await auditAfterCreate(db, group._id), [
    {
      actor_username: owner.username,
      action: 'groups.addOwner',
      before: { member: member.username, roles: [] },
      after: { member: member.username, roles: ['owner'] },
    },
  ])

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
  const app = await buildApp(t, db)
  const { owner, member: moderator, group } = await ownedGroup(app, db)
  await setRoomRoles(db, group._id, moderator.id, ['moderator'])

  const response = await api(app, owner).post('groups.addOwner', {
    roomName: group.name,
    username: moderator.username,
  })

  assertReply(t, response, 200, { success: true })
  t.same(await storedRoomRoles(db, group._id, moderator.id), ['moderator', 'owner'])
})

t.test('a global admin who is a member can add an owner', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [admin, member])

  const response = await api(app, admin).post('groups.addOwner', {
    roomId: group._id,
    userId: member.id,
  })

  t.equal(response.statusCode, 200)
  t.same(await storedRoomRoles(db, group._id, member.id), ['owner'])
  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [
    {
      type: 'subscription-role-added',
      msg: member.username,
      username: admin.username,
      role: 'owner',
    },
  ])
})

t.test('groups.removeOwner: 200, the role gone, a subscription-role-removed message', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member: coOwner, group } = await ownedGroup(app, db)
  await setRoomRoles(db, group._id, coOwner.id, ['moderator', 'owner'])

  const response = await api(app, owner).post('groups.removeOwner', {
    roomId: group._id,
    userId: coOwner.id,
  })

  assertReply(t, response, 200, { success: true })
  t.same(await storedRoomRoles(db, group._id, coOwner.id), ['moderator'], 'other room roles stay')
  t.same(await storedRoomRoles(db, group._id, owner.id), ['owner'])
  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [
    {
      type: 'subscription-role-removed',
      msg: coOwner.username,
      username: owner.username,
      role: 'owner',
    },
  ])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 2)
  t.same(await auditAfterCreate(db, group._id), [
    {
      actor_username: owner.username,
      action: 'groups.removeOwner',
      before: { member: coOwner.username, roles: ['moderator', 'owner'] },
      after: { member: coOwner.username, roles: ['moderator'] },
    },
  ])
})

t.test('an owner may give up the role while another owner remains', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member: coOwner, group } = await ownedGroup(app, db)
  t.equal(
    (await api(app, owner).post('groups.addOwner', { roomId: group._id, userId: coOwner.id }))
      .statusCode,
    200,
  )

  const response = await api(app, owner).post('groups.removeOwner', {
    roomName: group.name,
    username: owner.username,
  })

  t.equal(response.statusCode, 200)
  const stored = await storedGroup(db, group._id)
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

const noRoleChange: Array<[string, string, 'owner' | 'member', object]> = [
  [
    'groups.addOwner on an owner: error-user-already-owner',
    'groups.addOwner',
    'owner',
    refusal('error-user-already-owner', 'User is already an owner'),
  ],
  [
    'groups.removeOwner on a member who is no owner: error-user-not-owner',
    'groups.removeOwner',
    'member',
    refusal('error-user-not-owner', 'User is not an owner'),
  ],
]
for (const [name, endpoint, target, refused] of noRoleChange) {
  t.test(name, async (t) => {
    const app = await buildApp(t, db)
    const setup = await ownedGroup(app, db)
    const { owner, group, stored } = setup

    const response = await api(app, owner).post(endpoint, {
      roomId: group._id,
      userId: setup[target].id,
    })

    await assertRefused(t, response, 400, refused, stored)
    t.same(await auditAfterCreate(db, group._id), [], 'no audit row')
  })
}

t.test('the last owner cannot be removed: error-remove-last-owner', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner, [admin])
  const stored = await snapshotGroup(db, group._id)

  for (const caller of [owner, admin]) {
    const response = await api(app, caller).post('groups.removeOwner', {
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
      caller.username,
    )
  }
  t.same(await storedRoomRoles(db, group._id, owner.id), ['owner'], 'the owner stays owner')
  await assertUnchanged(t, stored)
  t.same(await auditAfterCreate(db, group._id), [], 'no audit row')
})

t.test('a target outside the group: error-user-not-in-room', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const outsider = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  const stored = await snapshotGroup(db, group._id)

  for (const endpoint of ['groups.addOwner', 'groups.removeOwner']) {
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
  await assertUnchanged(t, stored)
})

t.test('an unknown or missing target user', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  for (const endpoint of ['groups.addOwner', 'groups.removeOwner']) {
    const unknown = await api(app, owner).post(endpoint, {
      roomId: group._id,
      username: 'no-such-user',
    })
    assertReply(t, unknown, 400, invalidUser, endpoint)

    const missing = await api(app, owner).post(endpoint, { roomId: group._id })
    assertReply(t, missing, 400, userParamNotProvided, endpoint)
  }
})

t.test('a plain member or a moderator cannot change owners: error-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const moderator = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member, moderator])
  await setRoomRoles(db, group._id, moderator.id, ['moderator'])
  const stored = await snapshotGroup(db, group._id)

  for (const caller of [member, moderator]) {
    const add = await api(app, caller).post('groups.addOwner', {
      roomId: group._id,
      userId: caller.id,
    })
    assertReply(t, add, 400, notAllowed, `addOwner by ${caller.username}`)

    const remove = await api(app, caller).post('groups.removeOwner', {
      roomId: group._id,
      userId: owner.id,
    })
    assertReply(t, remove, 400, notAllowed, `removeOwner by ${caller.username}`)
  }
  await assertUnchanged(t, stored)
  t.same(await auditAfterCreate(db, group._id), [], 'no audit row')
})

t.test('addOwner and removeOwner when not logged in: 401', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app, db)

  const stolenToken = { 'x-user-id': member.id, 'x-auth-token': owner.headers['x-auth-token'] }
  for (const endpoint of ['groups.addOwner', 'groups.removeOwner']) {
    const response = await api(app, { headers: stolenToken }).post(endpoint, {
      roomId: group._id,
      userId: member.id,
    })
    assertReply(t, response, 401, notLoggedIn, endpoint)
  }
  t.same(await storedRoomRoles(db, group._id, member.id), [])
})

t.test('after addOwner the previous sole owner can leave', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app, db)

  const refused = await api(app, owner).post('groups.leave', { roomId: group._id })
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().errorType, 'error-you-are-last-owner')

  const promoted = await api(app, owner).post('groups.addOwner', {
    roomId: group._id,
    userId: member.id,
  })
  t.equal(promoted.statusCode, 200)

  const left = await api(app, owner).post('groups.leave', { roomId: group._id })
  t.equal(left.statusCode, 200)
  t.same(left.json().group.usernames, [member.username])
  const stored = await storedGroup(db, group._id)
  t.same(stored.members, [{ username: member.username, roles: ['owner'] }])
  t.same(
    stored.messages.map((message) => message.type),
    ['subscription-role-added', 'ul'],
  )
})
