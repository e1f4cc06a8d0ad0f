import type { FastifyInstance } from 'fastify'
import t from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  storedGroup,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

function refusal(errorType: string, message: string) {
  return { success: false, error: `${message} [${errorType}]`, errorType }
}

const notAllowed = refusal('error-not-allowed', 'Not allowed')

function post(app: FastifyInstance, endpoint: string, caller: TestUser, payload: object) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/${endpoint}`,
    headers: caller.headers,
    payload,
  })
}

async function rolesOf(roomId: string, user: TestUser) {
  const row = await db
    .selectFrom('room_members')
    .select('roles')
    .where('room_id', '=', roomId)
    .where('user_id', '=', user.id)
    .executeTakeFirst()
  return row?.roles
}

async function setRoles(roomId: string, user: TestUser, roles: string[]) {
  await db
    .updateTable('room_members')
    .set({ roles })
    .where('room_id', '=', roomId)
    .where('user_id', '=', user.id)
    .execute()
}

/** The audit rows of a group after its creation, oldest first. */
async function auditAfterCreate(roomId: string) {
  return db
    .selectFrom('audit_log')
    .select(['actor_username', 'action', 'before', 'after'])
    .where('room_id', '=', roomId)
    .where('action', '!=', 'groups.create')
    .orderBy('id')
    .execute()
}

t.test('groups.addOwner: 200, the role stored, a subscription-role-added message', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const response = await post(app, 'groups.addOwner', owner, {
    roomId: group._id,
    userId: member.id,
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })
  t.same(await rolesOf(group._id, member), ['owner'])
  t.same(await rolesOf(group._id, owner), ['owner'])
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
  t.same(await auditAfterCreate(group._id), [
    {
      actor_username: owner.username,
      action: 'groups.addOwner',
      before: { member: member.username, roles: [] },
      after: { member: member.username, roles: ['owner'] },
    },
  ])

  const history = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.history',
    headers: member.headers,
    query: { roomId: group._id },
  })
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
  const owner = await createTestUser(db)
  const moderator = await createTestUser(db)
  const group = await createTestGroup(app, owner, [moderator])
  await setRoles(group._id, moderator, ['moderator'])

  const response = await post(app, 'groups.addOwner', owner, {
    roomName: group.name,
    username: moderator.username,
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })
  t.same(await rolesOf(group._id, moderator), ['moderator', 'owner'])
})

t.test('a global admin who is a member can add an owner', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [admin, member])

  const response = await post(app, 'groups.addOwner', admin, {
    roomId: group._id,
    userId: member.id,
  })

  t.equal(response.statusCode, 200)
  t.same(await rolesOf(group._id, member), ['owner'])
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

t.test('groups.addOwner on an owner: error-user-already-owner', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const response = await post(app, 'groups.addOwner', owner, {
    roomId: group._id,
    userId: owner.id,
  })

  t.equal(response.statusCode, 400)
  t.same(response.json(), refusal('error-user-already-owner', 'User is already an owner'))
  t.same(await storedGroup(db, group._id), before)
  t.same(await auditAfterCreate(group._id), [], 'no audit row')
})

t.test('groups.removeOwner: 200, the role gone, a subscription-role-removed message', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const coOwner = await createTestUser(db)
  const group = await createTestGroup(app, owner, [coOwner])
  await setRoles(group._id, coOwner, ['moderator', 'owner'])

  const response = await post(app, 'groups.removeOwner', owner, {
    roomId: group._id,
    userId: coOwner.id,
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })
  t.same(await rolesOf(group._id, coOwner), ['moderator'], 'other room roles stay')
  t.same(await rolesOf(group._id, owner), ['owner'])
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
  t.same(await auditAfterCreate(group._id), [
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
  const owner = await createTestUser(db)
  const coOwner = await createTestUser(db)
  const group = await createTestGroup(app, owner, [coOwner])
  t.equal(
    (await post(app, 'groups.addOwner', owner, { roomId: group._id, userId: coOwner.id }))
      .statusCode,
    200,
  )

  const response = await post(app, 'groups.removeOwner', owner, {
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

t.test('groups.removeOwner on a member who is no owner: error-user-not-owner', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const before = await storedGroup(db, group._id)

  const response = await post(app, 'groups.removeOwner', owner, {
    roomId: group._id,
    userId: member.id,
  })

  t.equal(response.statusCode, 400)
  t.same(response.json(), refusal('error-user-not-owner', 'User is not an owner'))
  t.same(await storedGroup(db, group._id), before)
  t.same(await auditAfterCreate(group._id), [], 'no audit row')
})

t.test('the last owner cannot be removed: error-remove-last-owner', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner, [admin])
  const before = await storedGroup(db, group._id)

  for (const caller of [owner, admin]) {
    const response = await post(app, 'groups.removeOwner', caller, {
      roomId: group._id,
      userId: owner.id,
    })
    t.equal(response.statusCode, 400, caller.username)
    t.same(
      response.json(),
      refusal(
        'error-remove-last-owner',
        'This is the last owner. Please set a new owner before removing this one.',
      ),
    )
  }
  t.same(await rolesOf(group._id, owner), ['owner'], 'the owner stays owner')
  t.same(await storedGroup(db, group._id), before)
  t.same(await auditAfterCreate(group._id), [], 'no audit row')
})

t.test('a target outside the group: error-user-not-in-room', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const outsider = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  const before = await storedGroup(db, group._id)

  for (const endpoint of ['groups.addOwner', 'groups.removeOwner']) {
    const response = await post(app, endpoint, owner, { roomId: group._id, userId: outsider.id })
    t.equal(response.statusCode, 400, endpoint)
    t.same(response.json(), refusal('error-user-not-in-room', 'User is not in this room'))
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('an unknown or missing target user', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)

  for (const endpoint of ['groups.addOwner', 'groups.removeOwner']) {
    const unknown = await post(app, endpoint, owner, {
      roomId: group._id,
      username: 'no-such-user',
    })
    t.equal(unknown.statusCode, 400, endpoint)
    t.same(unknown.json(), refusal('error-invalid-user', 'Invalid user'))

    const missing = await post(app, endpoint, owner, { roomId: group._id })
    t.equal(missing.statusCode, 400, endpoint)
    t.same(
      missing.json(),
      refusal(
        'error-user-param-not-provided',
        'The required "userId" or "username" param was not provided',
      ),
    )
  }
})

t.test('a plain member or a moderator cannot change owners: error-not-allowed', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const moderator = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member, moderator])
  await setRoles(group._id, moderator, ['moderator'])
  const before = await storedGroup(db, group._id)

  for (const caller of [member, moderator]) {
    const add = await post(app, 'groups.addOwner', caller, {
      roomId: group._id,
      userId: caller.id,
    })
    t.equal(add.statusCode, 400, `addOwner by ${caller.username}`)
    t.same(add.json(), notAllowed)

    const remove = await post(app, 'groups.removeOwner', caller, {
      roomId: group._id,
      userId: owner.id,
    })
    t.equal(remove.statusCode, 400, `removeOwner by ${caller.username}`)
    t.same(remove.json(), notAllowed)
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await auditAfterCreate(group._id), [], 'no audit row')
})

t.test('addOwner and removeOwner when not logged in: 401', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  for (const endpoint of ['groups.addOwner', 'groups.removeOwner']) {
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/${endpoint}`,
      headers: { 'x-user-id': member.id, 'x-auth-token': owner.headers['x-auth-token'] },
      payload: { roomId: group._id, userId: member.id },
    })
    t.equal(response.statusCode, 401, endpoint)
    t.same(response.json(), {
      success: false,
      status: 'error',
      message: 'You must be logged in to do this.',
      error: 'You must be logged in to do this.',
    })
  }
  t.same(await rolesOf(group._id, member), [])
})

t.test('after addOwner the previous sole owner can leave', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const refused = await post(app, 'groups.leave', owner, { roomId: group._id })
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().errorType, 'error-you-are-last-owner')

  const promoted = await post(app, 'groups.addOwner', owner, {
    roomId: group._id,
    userId: member.id,
  })
  t.equal(promoted.statusCode, 200)

  const left = await post(app, 'groups.leave', owner, { roomId: group._id })
  t.equal(left.statusCode, 200)
  t.same(left.json().group.usernames, [member.username])
  const stored = await storedGroup(db, group._id)
  t.same(stored.members, [{ username: member.username, roles: ['owner'] }])
  t.same(
    stored.messages.map((message) => message.type),
    ['subscription-role-added', 'ul'],
  )
})
