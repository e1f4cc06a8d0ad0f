import t from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  loginChangesHeard,
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
import { auditAfterCreate, ownedGroup, setRoomRoles } from '../../../../support/fixtures.js'

const db = await testDatabase(t)

const emptyInviteList = refusal(
  'error-empty-invite-list',
  'Cannot invite if no valid users are provided',
)

let grantCounter = 0

/** A new global role holding the permission, so a test can give it to one user only. */
async function roleGranting(permission: string) {
  grantCounter += 1
  const role = `${permission}-holder-${grantCounter}`
  await db.insertInto('roles').values({ id: role, scope: 'Users' }).execute()
  await db
    .insertInto('permission_roles')
    .values({ permission_id: permission, role_id: role })
    .execute()
  await loginChangesHeard(db)
  return role
}

t.test('groups.invite by userId: 200 with the new member, an au message', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const newcomer = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const response = await api(app, owner).post('groups.invite', {
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
  t.same(await auditAfterCreate(db, group._id), [
    {
      actor_username: owner.username,
      action: 'groups.invite',
      before: null,
      after: { member: newcomer.username },
    },
  ])

  const info = await api(app, newcomer).get('groups.info', { roomId: group._id })
  t.equal(info.statusCode, 200, 'the new member can see the group')

  const history = await api(app, newcomer).get('groups.history', { roomId: group._id })
  t.match(history.json().messages, [
    { t: 'au', msg: newcomer.username, u: { _id: owner.id, username: owner.username } },
  ])
})

t.test('groups.invite by username and by roomName', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const newcomer = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  const response = await api(app, owner).post('groups.invite', {
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
  const { owner, member, group } = await ownedGroup(app, db)
  const info = await api(app, owner).get('groups.info', { roomId: group._id })
  const stored = await snapshotGroup(db, group._id)

  for (const user of [member, owner]) {
    const response = await api(app, owner).post('groups.invite', {
      roomId: group._id,
      userId: user.id,
    })
    assertReply(t, response, 200, info.json(), 'the group as it was')
  }
  await assertUnchanged(t, stored)
  t.same(await auditAfterCreate(db, group._id), [], 'no audit row')
})

t.test('a plain member cannot invite: error-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const newcomer = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const stored = await snapshotGroup(db, group._id)

  const response = await api(app, member).post('groups.invite', {
    roomId: group._id,
    userId: newcomer.id,
  })

  await assertRefused(t, response, 400, notAllowed, stored)
})

t.test('a moderator and a global admin who is a member can invite', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const moderator = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const group = await createTestGroup(app, owner, [moderator, admin])
  await setRoomRoles(db, group._id, moderator.id, ['moderator'])

  const byModerator = await api(app, moderator).post('groups.invite', {
    roomId: group._id,
    userId: first.id,
  })
  t.equal(byModerator.statusCode, 200)
  const byAdmin = await api(app, admin).post('groups.invite', {
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

t.test('inviting only unknown or deactivated users: error-empty-invite-list', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const inactive = await createTestUser(db, { active: false })
  const group = await createTestGroup(app, owner)
  const stored = await snapshotGroup(db, group._id)

  for (const user of [
    { userId: 'no-such-user' },
    { username: 'no-such-user' },
    { userId: inactive.id },
    { userIds: ['no-such-user', inactive.id] },
    { usernames: ['no-such-user', inactive.username] },
    { userIds: [], usernames: ['no-such-user'] },
  ]) {
    const response = await api(app, owner).post('groups.invite', { roomId: group._id, ...user })
    assertReply(t, response, 400, emptyInviteList, JSON.stringify(user))
  }
  await assertUnchanged(t, stored)
  t.same(await auditAfterCreate(db, group._id), [], 'no audit row')
})

t.test('invite and kick without a user: error-user-param-not-provided', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group, stored } = await ownedGroup(app, db)

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    for (const payload of [
      { roomId: group._id },
      { roomId: group._id, userId: '' },
      ...(endpoint === 'groups.invite'
        ? [{ roomId: group._id, userIds: [], usernames: [''] }]
        : []),
    ]) {
      const response = await api(app, owner).post(endpoint, payload)
      assertReply(t, response, 400, userParamNotProvided, `${endpoint} ${JSON.stringify(payload)}`)
    }
  }
  await assertUnchanged(t, stored)
})

t.test('invite and kick without a room: error-room-param-not-provided', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    const response = await api(app, owner).post(endpoint, { userId: member.id })
    assertReply(t, response, 400, roomParamNotProvided, endpoint)
  }
})

t.test('invite and kick reject unknown body fields', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app, db)

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    const response = await api(app, owner).post(endpoint, {
      roomId: group._id,
      userId: member.id,
      extra: true,
    })
    assertReply(t, response, 400, invalidParams('extra is not allowed here'), endpoint)
  }
})

t.test('invite and kick when not logged in: 401', async (t) => {
  const app = await buildApp(t, db)
  const { member, group, stored } = await ownedGroup(app, db)

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    const response = await api(app, null).post(endpoint, { roomId: group._id, userId: member.id })
    assertReply(t, response, 401, notLoggedIn, endpoint)
  }
  await assertUnchanged(t, stored)
})

t.test('groups.kick: 200, an ru message, and the user loses access', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const other = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member, other])

  const response = await api(app, owner).post('groups.kick', {
    roomId: group._id,
    userId: member.id,
  })

  assertReply(t, response, 200, { success: true })

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
  t.same(await auditAfterCreate(db, group._id), [
    {
      actor_username: owner.username,
      action: 'groups.kick',
      before: { member: member.username, roles: [] },
      after: null,
    },
  ])

  const info = await api(app, member).get('groups.info', { roomId: group._id })
  assertReply(t, info, 400, roomNotFound)

  const list = await api(app, member).get('groups.list')
  t.same(list.json(), { groups: [], count: 0, offset: 0, total: 0, success: true })

  const history = await api(app, owner).get('groups.history', { roomId: group._id })
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
  await setRoomRoles(db, group._id, moderator.id, ['moderator'])

  const response = await api(app, moderator).post('groups.kick', {
    roomName: group.name,
    username: member.username,
  })

  assertReply(t, response, 200, { success: true })
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
  await setRoomRoles(db, group._id, moderator.id, ['moderator'])
  const stored = await snapshotGroup(db, group._id)

  for (const caller of [moderator, admin, owner]) {
    const response = await api(app, caller).post('groups.kick', {
      roomId: group._id,
      userId: owner.id,
    })
    assertReply(
      t,
      response,
      400,
      refusal(
        'error-you-are-last-owner',
        'You are the last owner. Please set new owner before leaving the room.',
      ),
      caller.username,
    )
  }
  await assertUnchanged(t, stored)
  t.same(await auditAfterCreate(db, group._id), [], 'no audit row')
})

t.test('an owner who is not the last one can be kicked', async (t) => {
  const app = await buildApp(t, db)
  const { owner, member: coOwner, group } = await ownedGroup(app, db)
  const promoted = await api(app, owner).post('groups.addOwner', {
    roomId: group._id,
    userId: coOwner.id,
  })
  t.equal(promoted.statusCode, 200)

  const response = await api(app, coOwner).post('groups.kick', {
    roomId: group._id,
    userId: owner.id,
  })

  t.equal(response.statusCode, 200)
  const stored = await storedGroup(db, group._id)
  t.same(stored.members, [{ username: coOwner.username, roles: ['owner'] }])
})

t.test('kicking someone who is not in the group: error-user-not-in-room', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const moderator = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const inviter = await createTestUser(db, {
    roles: ['user', await roleGranting('add-user-to-any-p-room')],
  })
  const outsider = await createTestUser(db)
  const group = await createTestGroup(app, owner, [moderator, admin, inviter])
  await setRoomRoles(db, group._id, moderator.id, ['moderator'])
  await setRoomRoles(db, group._id, inviter.id, ['moderator'])
  const stored = await snapshotGroup(db, group._id)

  for (const caller of [owner, moderator, admin, inviter]) {
    const response = await api(app, caller).post('groups.kick', {
      roomId: group._id,
      userId: outsider.id,
    })
    assertReply(
      t,
      response,
      400,
      refusal('error-user-not-in-room', 'User is not in this room'),
      caller.username,
    )
  }
  await assertUnchanged(t, stored)
  t.same(await auditAfterCreate(db, group._id), [], 'no audit row')
})

t.test('kicking an unknown user: error-invalid-user', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  const response = await api(app, owner).post('groups.kick', {
    roomId: group._id,
    username: 'no-such-user',
  })

  assertReply(t, response, 400, invalidUser)
})

t.test('a plain member cannot kick: error-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const other = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member, other])
  const stored = await snapshotGroup(db, group._id)

  for (const target of [other, owner]) {
    const response = await api(app, member).post('groups.kick', {
      roomId: group._id,
      userId: target.id,
    })
    assertReply(t, response, 400, notAllowed, target.username)
  }
  await assertUnchanged(t, stored)
})

t.test('groups.invite with userIds and usernames adds each new user once', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const third = await createTestUser(db)
  const inactive = await createTestUser(db, { active: false })
  const group = await createTestGroup(app, owner, [member])

  const response = await api(app, owner).post('groups.invite', {
    roomId: group._id,
    userId: first.id,
    userIds: [second.id, 'no-such-user', member.id, first.id],
    usernames: [third.username.toUpperCase(), inactive.username],
  })

  t.equal(response.statusCode, 200)
  const { group: body } = response.json()
  t.same(body.usernames.slice(0, 2), [owner.username, member.username])
  t.same(
    body.usernames.slice(2).sort(),
    [first.username, second.username, third.username].sort(),
    'the new members after the old ones',
  )
  t.equal(body.usersCount, 5)
  t.equal(body.msgs, 3)
  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [
    { type: 'au', msg: first.username, username: owner.username, role: null },
    { type: 'au', msg: second.username, username: owner.username, role: null },
    { type: 'au', msg: third.username, username: owner.username, role: null },
  ])
  t.equal(stored.room?.users_count, 5)
  t.same(
    await auditAfterCreate(db, group._id),
    [first, second, third].map((user) => ({
      actor_username: owner.username,
      action: 'groups.invite',
      before: null,
      after: { member: user.username },
    })),
  )
})

t.test('groups.invite with a usernames list only, by roomName', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  const response = await api(app, owner).post('groups.invite', {
    roomName: group.name,
    usernames: [second.username, first.username],
  })

  t.equal(response.statusCode, 200)
  t.same(
    response.json().group.usernames.sort(),
    [owner.username, second.username, first.username].sort(),
  )
  const stored = await storedGroup(db, group._id)
  t.same(
    stored.messages.map((message) => message.msg),
    [second.username, first.username],
  )
  t.same(
    (await auditAfterCreate(db, group._id)).map((row) => row.after),
    [{ member: second.username }, { member: first.username }],
  )
})

t.test('invite lists must be arrays of strings, at most 1000 long', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  for (const [payload, message] of [
    [{ userIds: 'abc' }, 'userIds must be array'],
    [{ usernames: [1] }, 'usernames.0 must be string'],
    [
      { usernames: Array.from({ length: 1001 }, (_, i) => `u${i}`) },
      'usernames must NOT have more than 1000 items',
    ],
  ] as const) {
    const response = await api(app, owner).post('groups.invite', { roomId: group._id, ...payload })
    assertReply(t, response, 400, invalidParams(message), message)
  }
  t.same(await auditAfterCreate(db, group._id), [])
})

t.test('invite and kick in an archived group: error-room-archived', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const newcomer = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  await db.updateTable('rooms').set({ archived: true }).where('id', '=', group._id).execute()
  const stored = await snapshotGroup(db, group._id)

  for (const [endpoint, user] of [
    ['groups.invite', newcomer],
    ['groups.kick', member],
  ] as const) {
    const response = await api(app, owner).post(endpoint, { roomId: group._id, userId: user.id })
    assertReply(t, response, 400, archived(group.name), endpoint)
  }
  await assertUnchanged(t, stored)
  t.same(await auditAfterCreate(db, group._id), [])
})

t.test(
  'a non-member, even a global admin, cannot invite or kick: error-room-not-found',
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const member = await createTestUser(db)
    const outsider = await createTestUser(db)
    const admin = await createTestUser(db, { roles: ['admin'] })
    const group = await createTestGroup(app, owner, [member])
    const stored = await snapshotGroup(db, group._id)

    for (const caller of [outsider, admin]) {
      for (const [endpoint, payload] of [
        ['groups.invite', { roomId: group._id, userId: caller.id }],
        ['groups.invite', { roomName: group.name, usernames: [outsider.username] }],
        ['groups.kick', { roomId: group._id, userId: member.id }],
      ] as const) {
        const response = await api(app, caller).post(endpoint, payload)
        assertReply(t, response, 400, roomNotFound, `${endpoint} by ${caller.username}`)
      }
    }
    await assertUnchanged(t, stored)
    t.same(await auditAfterCreate(db, group._id), [])
  },
)

t.test('add-user-to-any-p-room lets a non-member invite; others still get not-found', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const manager = await createTestUser(db, {
    roles: ['user', await roleGranting('add-user-to-any-p-room')],
  })
  const newcomer = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  const unknown = await api(app, manager).post('groups.invite', {
    roomName: 'no-such-group',
    userId: newcomer.id,
  })
  assertReply(t, unknown, 400, roomNotFound, 'an unknown group is still not found')

  const response = await api(app, manager).post('groups.invite', {
    roomName: group.name,
    usernames: [newcomer.username],
  })

  t.equal(response.statusCode, 200)
  t.same(response.json().group.usernames, [owner.username, newcomer.username])
  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [
    { type: 'au', msg: newcomer.username, username: manager.username, role: null },
  ])
  t.equal(stored.room?.users_count, 2)
  t.same(await auditAfterCreate(db, group._id), [
    {
      actor_username: manager.username,
      action: 'groups.invite',
      before: null,
      after: { member: newcomer.username },
    },
  ])

  const kick = await api(app, manager).post('groups.kick', {
    roomId: group._id,
    userId: newcomer.id,
  })
  assertReply(t, kick, 400, roomNotFound, 'inviting anywhere does not grant kicking anywhere')
})

t.test('add-user-to-any-p-room lets a member without room roles invite', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const manager = await createTestUser(db, {
    roles: ['user', await roleGranting('add-user-to-any-p-room')],
  })
  const newcomer = await createTestUser(db)
  const group = await createTestGroup(app, owner, [manager])

  const response = await api(app, manager).post('groups.invite', {
    roomId: group._id,
    userId: newcomer.id,
  })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.usersCount, 3)
})

t.test('kick-user-from-any-p-room lets a non-member kick, under the last-owner rule', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const remover = await createTestUser(db, {
    roles: ['user', await roleGranting('kick-user-from-any-p-room')],
  })
  const group = await createTestGroup(app, owner, [member])

  const lastOwner = await api(app, remover).post('groups.kick', {
    roomId: group._id,
    userId: owner.id,
  })
  assertReply(
    t,
    lastOwner,
    400,
    refusal(
      'error-you-are-last-owner',
      'You are the last owner. Please set new owner before leaving the room.',
    ),
  )
  const response = await api(app, remover).post('groups.kick', {
    roomName: group.name,
    username: member.username,
  })

  assertReply(t, response, 200, { success: true })
  const stored = await storedGroup(db, group._id)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(stored.messages, [
    { type: 'ru', msg: member.username, username: remover.username, role: null },
  ])
  t.equal(stored.room?.users_count, 1)
  t.same(await auditAfterCreate(db, group._id), [
    {
      actor_username: remover.username,
      action: 'groups.kick',
      before: { member: member.username, roles: [] },
      after: null,
    },
  ])

  const invite = await api(app, remover).post('groups.invite', {
    roomId: group._id,
    userId: member.id,
  })
  t.same(invite.json(), roomNotFound, 'kicking anywhere does not grant inviting anywhere')
})

t.test('kick-user-from-any-p-room lets a member without room roles kick', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const remover = await createTestUser(db, {
    roles: ['user', await roleGranting('kick-user-from-any-p-room')],
  })
  const group = await createTestGroup(app, owner, [member, remover])

  const response = await api(app, remover).post('groups.kick', {
    roomId: group._id,
    userId: member.id,
  })

  t.equal(response.statusCode, 200)
  t.same(
    (await storedGroup(db, group._id)).members.map((row) => row.username).sort(),
    [owner.username, remover.username].sort(),
  )
})

t.test(
  'kick-user-from-any-p-room: kicking a user who is not in the group is 200 and changes nothing',
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const member = await createTestUser(db)
    const outsider = await createTestUser(db)
    const remover = await createTestUser(db, {
      roles: ['user', await roleGranting('kick-user-from-any-p-room')],
    })
    const joined = await createTestGroup(app, owner, [member, remover])
    const notJoined = await createTestGroup(app, owner, [member])

    for (const [label, group] of [
      ['the remover is a member', joined],
      ['the remover is not a member', notJoined],
    ] as const) {
      const stored = await snapshotGroup(db, group._id)
      for (const payload of [
        { roomId: group._id, userId: outsider.id },
        { roomName: group.name, username: outsider.username },
      ]) {
        const response = await api(app, remover).post('groups.kick', payload)
        assertReply(t, response, 200, { success: true }, `${label}: ${JSON.stringify(payload)}`)
      }
      const after = await storedGroup(db, group._id)
      t.same(after, stored.before, `${label}: nothing stored changed`)
      t.equal(after.room?.updated_at.getTime(), stored.before.room?.updated_at.getTime())
      t.same(after.messages, [], `${label}: no system message`)
      t.same(await auditAfterCreate(db, group._id), [], `${label}: no audit row`)
    }

    const outsiderGroups = await db
      .selectFrom('room_members')
      .select('room_id')
      .where('user_id', '=', outsider.id)
      .execute()
    t.same(outsiderGroups, [], 'the outsider joined nothing')
  },
)

t.test('kick-user-from-any-p-room: an unknown user is still error-invalid-user', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const remover = await createTestUser(db, {
    roles: ['user', await roleGranting('kick-user-from-any-p-room')],
  })
  const joined = await createTestGroup(app, owner, [remover])
  const notJoined = await createTestGroup(app, owner)
  const stored = [await snapshotGroup(db, joined._id), await snapshotGroup(db, notJoined._id)]

  for (const group of [joined, notJoined]) {
    for (const payload of [
      { roomId: group._id, username: 'no-such-user' },
      { roomId: group._id, userId: 'no-such-user-id' },
    ]) {
      const response = await api(app, remover).post('groups.kick', payload)
      assertReply(t, response, 400, invalidUser, JSON.stringify(payload))
    }
  }
  await assertUnchanged(t, ...stored)
})
