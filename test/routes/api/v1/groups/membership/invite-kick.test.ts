import t from 'tap'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

const emptyInviteList = refused.as(
  'error-empty-invite-list',
  'Cannot invite if no valid users are provided',
)
const moderator = { roomRoles: ['moderator'] }
const admin = { roles: ['admin'] }

t.test('groups.invite by userId: 200 with the new member, an au message', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  const newcomer = await fixture.createTestUser(db)

  const response = await api(app, owner).on(group).post('groups.invite', { userId: newcomer.id })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.equal(body.success, true)
  t.same(
    [...body.group.usernames].sort(),
    [owner.username, member.username, newcomer.username].sort(),
  )
  t.equal(body.group.usernames.at(-1), newcomer.username, 'the newest member comes last')
  t.same(
    body.group,
    fixture.groupBody({
      ...body.group,
      _id: group._id,
      name: group.name,
      creator: owner,
      msgs: 1,
      usersCount: 3,
    }),
  )

  const stored = await fixture.storedGroup(db, group._id)
  t.same(
    stored.members.find((row) => row.username === newcomer.username),
    { username: newcomer.username, roles: [] },
    'the new member has no room role',
  )
  t.same(stored.messages, [fixture.storedMessage('au', newcomer.username, owner)])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 3)
  t.same(await fixture.auditAfterCreate(db, group._id), [
    fixture.auditRow(owner, 'groups.invite', null, { member: newcomer.username }),
  ])

  const info = await api(app, newcomer).get('groups.info', { roomId: group._id })
  t.equal(info.statusCode, 200, 'the new member can see the group')

  const history = await api(app, newcomer).get('groups.history', { roomId: group._id })
  t.match(history.json().messages, [
    { t: 'au', msg: newcomer.username, u: { _id: owner.id, username: owner.username } },
  ])
})

t.test('groups.invite by username and by roomName', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db, {})
  const newcomer = await fixture.createTestUser(db)

  const response = await api(app, owner).post('groups.invite', {
    roomName: group.name,
    username: newcomer.username,
  })

  t.equal(response.statusCode, 200)
  t.same(response.json().group.usernames, [owner.username, newcomer.username])
  t.equal(response.json().group.usersCount, 2)
  t.equal(response.json().group.msgs, 1)
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.messages, [fixture.storedMessage('au', newcomer.username, owner)])
})

t.test('inviting a member again changes nothing', async (t) => {
  const { app, owner, member, group, stored, audit } = await fixture.groupFixture(t, db)
  const info = await api(app, owner).get('groups.info', { roomId: group._id })

  for (const user of [member, owner]) {
    const response = await api(app, owner).on(group).post('groups.invite', { userId: user.id })
    assertReply(t, response, 200, info.json(), 'the group as it was')
  }
  await assertUnchanged(t, stored, audit)
})

t.test('a plain member cannot invite: error-not-allowed', async (t) => {
  const { app, member, group, stored } = await fixture.groupFixture(t, db)
  const newcomer = await fixture.createTestUser(db)

  const response = await api(app, member).on(group).post('groups.invite', { userId: newcomer.id })

  assertReply(t, response, 400, refused.notAllowed)
  await assertUnchanged(t, stored)
})

t.test('a moderator and a global admin who is a member can invite', async (t) => {
  const { app, group, ...users } = await fixture.groupFixture(t, db, { moderator, admin })
  const first = await fixture.createTestUser(db)
  const second = await fixture.createTestUser(db)

  const byModerator = await api(app, users.moderator)
    .on(group)
    .post('groups.invite', { userId: first.id })
  t.equal(byModerator.statusCode, 200)
  const byAdmin = await api(app, users.admin)
    .on(group)
    .post('groups.invite', { username: second.username })
  t.equal(byAdmin.statusCode, 200)
  t.equal(byAdmin.json().group.usersCount, 5)

  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.messages, [
    fixture.storedMessage('au', first.username, users.moderator),
    fixture.storedMessage('au', second.username, users.admin),
  ])
})

t.test('inviting only unknown or deactivated users: error-empty-invite-list', async (t) => {
  const { app, owner, group, stored, audit } = await fixture.groupFixture(t, db, {})
  const inactive = await fixture.createTestUser(db, { active: false })

  for (const user of [
    { userId: 'no-such-user' },
    { username: 'no-such-user' },
    { userId: inactive.id },
    { userIds: ['no-such-user', inactive.id] },
    { usernames: ['no-such-user', inactive.username] },
    { userIds: [], usernames: ['no-such-user'] },
  ]) {
    const response = await api(app, owner).on(group).post('groups.invite', user)
    assertReply(t, response, 400, emptyInviteList, JSON.stringify(user))
  }
  await assertUnchanged(t, stored, audit)
})

t.test('invite and kick without a user: error-user-param-not-provided', async (t) => {
  const { app, owner, group, stored } = await fixture.groupFixture(t, db)

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    for (const payload of [
      { roomId: group._id },
      { roomId: group._id, userId: '' },
      ...(endpoint === 'groups.invite'
        ? [{ roomId: group._id, userIds: [], usernames: [''] }]
        : []),
    ]) {
      const response = await api(app, owner).post(endpoint, payload)
      const label = `${endpoint} ${JSON.stringify(payload)}`
      assertReply(t, response, 400, refused.userParamNotProvided, label)
    }
  }
  await assertUnchanged(t, stored)
})

t.test('invite and kick: no room, unknown fields, not logged in', async (t) => {
  const { app, owner, member, group, stored } = await fixture.groupFixture(t, db)

  for (const endpoint of ['groups.invite', 'groups.kick']) {
    const noRoom = await api(app, owner).post(endpoint, { userId: member.id })
    assertReply(t, noRoom, 400, refused.roomParamNotProvided, endpoint)

    const extra = await api(app, owner).on(group).post(endpoint, { userId: member.id, extra: true })
    assertReply(t, extra, 400, refused.invalidParams('extra is not allowed here'), endpoint)

    const anonymous = await api(app, null).on(group).post(endpoint, { userId: member.id })
    assertReply(t, anonymous, 401, refused.notLoggedIn, endpoint)
  }
  await assertUnchanged(t, stored)
})

t.test('groups.kick: 200, an ru message, and the user loses access', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db, { member: {}, other: {} })

  const response = await api(app, owner).on(group).post('groups.kick', { userId: member.id })

  assertReply(t, response, 200, { success: true })

  const stored = await fixture.storedGroup(db, group._id)
  t.notOk(
    stored.members.some((row) => row.username === member.username),
    'the membership is gone',
  )
  t.equal(stored.members.length, 2)
  t.same(stored.messages, [fixture.storedMessage('ru', member.username, owner)])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 2)
  t.same(await fixture.auditAfterCreate(db, group._id), [
    fixture.auditRow(owner, 'groups.kick', { member: member.username, roles: [] }, null),
  ])

  const info = await api(app, member).get('groups.info', { roomId: group._id })
  assertReply(t, info, 400, refused.roomNotFound)

  const list = await api(app, member).get('groups.list')
  t.same(list.json(), { groups: [], count: 0, offset: 0, total: 0, success: true })

  const history = await api(app, owner).get('groups.history', { roomId: group._id })
  t.match(history.json().messages, [
    { t: 'ru', msg: member.username, u: { _id: owner.id, username: owner.username } },
  ])
})

t.test('groups.kick by username and roomName; a moderator may kick', async (t) => {
  const { app, group, ...users } = await fixture.groupFixture(t, db, { moderator, member: {} })

  const response = await api(app, users.moderator).post('groups.kick', {
    roomName: group.name,
    username: users.member.username,
  })

  assertReply(t, response, 200, { success: true })
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.messages, [fixture.storedMessage('ru', users.member.username, users.moderator)])
  t.equal(stored.room?.users_count, 2)
})

/** Kicks refused whoever asks, each in a group of these members, with nothing changed. */
const kickRefusals = [
  {
    name: 'the last owner cannot be kicked: error-you-are-last-owner',
    callers: ['moderator', 'admin', 'owner'],
    target: 'owner',
    refusal: refused.lastOwnerLeaving,
  },
  {
    name: 'kicking someone who is not in the group: error-user-not-in-room',
    callers: ['owner', 'moderator', 'admin', 'inviter'],
    target: 'outsider',
    refusal: refused.userNotInRoom,
  },
  {
    name: 'a plain member cannot kick: error-not-allowed',
    callers: ['member'],
    target: 'other',
    refusal: refused.notAllowed,
  },
  {
    name: 'a plain member cannot kick the owner either: error-not-allowed',
    callers: ['member'],
    target: 'owner',
    refusal: refused.notAllowed,
  },
] as const

for (const { name, callers, target, refusal } of kickRefusals) {
  t.test(name, async (t) => {
    const inviter = { roles: ['user', await fixture.roleGranting(db, 'add-user-to-any-p-room')] }
    const members = {
      moderator,
      admin,
      inviter: { ...inviter, ...moderator },
      member: {},
      other: {},
    }
    const { app, group, stored, audit, ...users } = await fixture.groupFixture(t, db, members)
    const everyone = { ...users, outsider: await fixture.createTestUser(db) }

    for (const caller of callers) {
      const response = await api(app, everyone[caller])
        .on(group)
        .post('groups.kick', { userId: everyone[target].id })
      assertReply(t, response, 400, refusal, caller)
    }
    await assertUnchanged(t, stored, audit)
  })
}

t.test('an owner who is not the last one can be kicked', async (t) => {
  const { app, owner, member: coOwner, group } = await fixture.groupFixture(t, db)
  const promoted = await api(app, owner).on(group).post('groups.addOwner', { userId: coOwner.id })
  t.equal(promoted.statusCode, 200)

  const response = await api(app, coOwner).on(group).post('groups.kick', { userId: owner.id })

  t.equal(response.statusCode, 200)
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.members, [{ username: coOwner.username, roles: ['owner'] }])
})

t.test('kicking an unknown user: error-invalid-user', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db, {})

  const response = await api(app, owner).on(group).post('groups.kick', { username: 'no-such-user' })

  assertReply(t, response, 400, refused.invalidUser)
})

t.test('groups.invite with userIds and usernames adds each new user once', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  const first = await fixture.createTestUser(db)
  const second = await fixture.createTestUser(db)
  const third = await fixture.createTestUser(db)
  const inactive = await fixture.createTestUser(db, { active: false })

  const response = await api(app, owner)
    .on(group)
    .post('groups.invite', {
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
  const stored = await fixture.storedGroup(db, group._id)
  t.same(
    stored.messages,
    [first, second, third].map((user) => fixture.storedMessage('au', user.username, owner)),
  )
  t.equal(stored.room?.users_count, 5)
  t.same(
    await fixture.auditAfterCreate(db, group._id),
    [first, second, third].map((user) =>
      fixture.auditRow(owner, 'groups.invite', null, { member: user.username }),
    ),
  )
})

t.test('groups.invite with a usernames list only, by roomName', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db, {})
  const first = await fixture.createTestUser(db)
  const second = await fixture.createTestUser(db)

  const response = await api(app, owner).post('groups.invite', {
    roomName: group.name,
    usernames: [second.username, first.username],
  })

  t.equal(response.statusCode, 200)
  t.same(
    response.json().group.usernames.sort(),
    [owner.username, second.username, first.username].sort(),
  )
  const stored = await fixture.storedGroup(db, group._id)
  t.same(
    stored.messages.map((message) => message.msg),
    [second.username, first.username],
  )
  t.same(
    (await fixture.auditAfterCreate(db, group._id)).map((row) => row.after),
    [{ member: second.username }, { member: first.username }],
  )
})

t.test('invite lists must be arrays of strings, at most 1000 long', async (t) => {
  const { app, owner, group, audit } = await fixture.groupFixture(t, db, {})

  for (const [payload, message] of [
    [{ userIds: 'abc' }, 'userIds must be array'],
    [{ usernames: [1] }, 'usernames.0 must be string'],
    [
      { usernames: Array.from({ length: 1001 }, (_, i) => `u${i}`) },
      'usernames must NOT have more than 1000 items',
    ],
  ] as const) {
    const response = await api(app, owner).on(group).post('groups.invite', payload)
    assertReply(t, response, 400, refused.invalidParams(message), message)
  }
  await assertUnchanged(t, audit)
})

t.test('invite and kick in an archived group: error-room-archived', async (t) => {
  const { app, owner, member, group, audit } = await fixture.groupFixture(t, db)
  const newcomer = await fixture.createTestUser(db)
  await fixture.markArchived(db, group._id)
  const stored = await fixture.snapshotGroup(db, group._id)

  for (const [endpoint, user] of [
    ['groups.invite', newcomer],
    ['groups.kick', member],
  ] as const) {
    const response = await api(app, owner).on(group).post(endpoint, { userId: user.id })
    assertReply(t, response, 400, refused.archived(group.name), endpoint)
  }
  await assertUnchanged(t, stored, audit)
})

t.test(
  'a non-member, even a global admin, cannot invite or kick: error-room-not-found',
  async (t) => {
    const { app, member, group, stored, audit } = await fixture.groupFixture(t, db)
    const outsider = await fixture.createTestUser(db)
    const globalAdmin = await fixture.createTestUser(db, admin)

    for (const caller of [outsider, globalAdmin]) {
      for (const [endpoint, payload] of [
        ['groups.invite', { roomId: group._id, userId: caller.id }],
        ['groups.invite', { roomName: group.name, usernames: [outsider.username] }],
        ['groups.kick', { roomId: group._id, userId: member.id }],
      ] as const) {
        const response = await api(app, caller).post(endpoint, payload)
        assertReply(t, response, 400, refused.roomNotFound, `${endpoint} by ${caller.username}`)
      }
    }
    await assertUnchanged(t, stored, audit)
  },
)

t.test('add-user-to-any-p-room lets a non-member invite; others still get not-found', async (t) => {
  const { app, owner, group } = await fixture.groupFixture(t, db, {})
  const manager = await fixture.userWithPermission(db, 'add-user-to-any-p-room')
  const newcomer = await fixture.createTestUser(db)

  const unknown = await api(app, manager).post('groups.invite', {
    roomName: 'no-such-group',
    userId: newcomer.id,
  })
  assertReply(t, unknown, 400, refused.roomNotFound, 'an unknown group is still not found')

  const response = await api(app, manager).post('groups.invite', {
    roomName: group.name,
    usernames: [newcomer.username],
  })

  t.equal(response.statusCode, 200)
  t.same(response.json().group.usernames, [owner.username, newcomer.username])
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.messages, [fixture.storedMessage('au', newcomer.username, manager)])
  t.equal(stored.room?.users_count, 2)
  t.same(await fixture.auditAfterCreate(db, group._id), [
    fixture.auditRow(manager, 'groups.invite', null, { member: newcomer.username }),
  ])

  const kick = await api(app, manager).on(group).post('groups.kick', { userId: newcomer.id })
  assertReply(
    t,
    kick,
    400,
    refused.roomNotFound,
    'inviting anywhere does not grant kicking anywhere',
  )
})

t.test('kick-user-from-any-p-room lets a non-member kick, under the last-owner rule', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  const remover = await fixture.userWithPermission(db, 'kick-user-from-any-p-room')

  const lastOwner = await api(app, remover).on(group).post('groups.kick', { userId: owner.id })
  assertReply(t, lastOwner, 400, refused.lastOwnerLeaving)
  const response = await api(app, remover).post('groups.kick', {
    roomName: group.name,
    username: member.username,
  })

  assertReply(t, response, 200, { success: true })
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(stored.messages, [fixture.storedMessage('ru', member.username, remover)])
  t.equal(stored.room?.users_count, 1)
  t.same(await fixture.auditAfterCreate(db, group._id), [
    fixture.auditRow(remover, 'groups.kick', { member: member.username, roles: [] }, null),
  ])

  const invite = await api(app, remover).on(group).post('groups.invite', { userId: member.id })
  t.same(invite.json(), refused.roomNotFound, 'kicking anywhere does not grant inviting anywhere')
})

t.test('add-user-to-any-p-room lets a member without room roles invite', async (t) => {
  const inviter = { roles: ['user', await fixture.roleGranting(db, 'add-user-to-any-p-room')] }
  const { app, group, ...users } = await fixture.groupFixture(t, db, { inviter })
  const newcomer = await fixture.createTestUser(db)

  const response = await api(app, users.inviter)
    .on(group)
    .post('groups.invite', { userId: newcomer.id })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.usersCount, 3)
})

t.test('kick-user-from-any-p-room lets a member without room roles kick', async (t) => {
  const remover = { roles: ['user', await fixture.roleGranting(db, 'kick-user-from-any-p-room')] }
  const { app, owner, group, ...users } = await fixture.groupFixture(t, db, { member: {}, remover })

  const response = await api(app, users.remover)
    .on(group)
    .post('groups.kick', { userId: users.member.id })

  t.equal(response.statusCode, 200)
  t.same(
    (await fixture.storedGroup(db, group._id)).members.map((row) => row.username).sort(),
    [owner.username, users.remover.username].sort(),
  )
})

t.test(
  'kick-user-from-any-p-room: kicking a user who is not in the group is 200 and changes nothing',
  async (t) => {
    const remover = { roles: ['user', await fixture.roleGranting(db, 'kick-user-from-any-p-room')] }
    const setup = await fixture.groupFixture(t, db, { member: {}, remover })
    const { app, owner, group: joined, ...users } = setup
    const outsider = await fixture.createTestUser(db)
    const notJoined = await fixture.createTestGroup(app, owner, [users.member])

    for (const [label, group] of [
      ['the remover is a member', joined],
      ['the remover is not a member', notJoined],
    ] as const) {
      const stored = await fixture.snapshotGroup(db, group._id)
      for (const payload of [
        { roomId: group._id, userId: outsider.id },
        { roomName: group.name, username: outsider.username },
      ]) {
        const response = await api(app, users.remover).post('groups.kick', payload)
        assertReply(t, response, 200, { success: true }, `${label}: ${JSON.stringify(payload)}`)
      }
      const after = await fixture.storedGroup(db, group._id)
      t.same(after, stored.before, `${label}: nothing stored changed`)
      t.equal(after.room?.updated_at.getTime(), stored.before.room?.updated_at.getTime())
      t.same(after.messages, [], `${label}: no system message`)
      t.same(await fixture.auditAfterCreate(db, group._id), [], `${label}: no audit row`)
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
  const remover = { roles: ['user', await fixture.roleGranting(db, 'kick-user-from-any-p-room')] }
  const { app, owner, group: joined, ...users } = await fixture.groupFixture(t, db, { remover })
  const notJoined = await fixture.createTestGroup(app, owner)
  const stored = [
    await fixture.snapshotGroup(db, joined._id),
    await fixture.snapshotGroup(db, notJoined._id),
  ]

  for (const group of [joined, notJoined]) {
    for (const payload of [
      { roomId: group._id, username: 'no-such-user' },
      { roomId: group._id, userId: 'no-such-user-id' },
    ]) {
      const response = await api(app, users.remover).post('groups.kick', payload)
      assertReply(t, response, 400, refused.invalidUser, JSON.stringify(payload))
    }
  }
  await assertUnchanged(t, ...stored)
})
