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
const roomNotFound = refusal(
  'error-room-not-found',
  'The required "roomId" or "roomName" param provided does not match any group',
)
const notLoggedIn = {
  success: false,
  status: 'error',
  message: 'You must be logged in to do this.',
  error: 'You must be logged in to do this.',
}

const roleEndpoints = [
  {
    role: 'moderator',
    add: 'groups.addModerator',
    remove: 'groups.removeModerator',
    noun: 'a moderator',
  },
  { role: 'leader', add: 'groups.addLeader', remove: 'groups.removeLeader', noun: 'a leader' },
] as const

function post(app: FastifyInstance, endpoint: string, caller: TestUser, payload: object) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/${endpoint}`,
    headers: caller.headers,
    payload,
  })
}

function get(
  app: FastifyInstance,
  endpoint: string,
  caller: TestUser,
  query: Record<string, string>,
) {
  return app.inject({ method: 'GET', url: `/api/v1/${endpoint}`, headers: caller.headers, query })
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

for (const { role, add, remove, noun } of roleEndpoints) {
  t.test(`${add} then ${remove}: 200, the role, messages and audit rows`, async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const member = await createTestUser(db)
    const group = await createTestGroup(app, owner, [member])

    const added = await post(app, add, owner, { roomId: group._id, userId: member.id })
    t.equal(added.statusCode, 200)
    t.same(added.json(), { success: true })
    t.same(await rolesOf(group._id, member), [role])

    const removed = await post(app, remove, owner, {
      roomName: group.name,
      username: member.username,
    })
    t.equal(removed.statusCode, 200)
    t.same(removed.json(), { success: true })
    t.same(await rolesOf(group._id, member), [])
    t.same(await rolesOf(group._id, owner), ['owner'], "the owner's role is untouched")

    const stored = await storedGroup(db, group._id)
    t.same(stored.messages, [
      { type: 'subscription-role-added', msg: member.username, username: owner.username, role },
      { type: 'subscription-role-removed', msg: member.username, username: owner.username, role },
    ])
    t.equal(stored.room?.msgs, 2)
    t.equal(stored.room?.users_count, 2)
    t.same(await auditAfterCreate(group._id), [
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

    const history = await get(app, 'groups.history', member, { roomId: group._id })
    t.match(history.json().messages, [
      { t: 'subscription-role-removed', msg: member.username, role },
      { t: 'subscription-role-added', msg: member.username, role },
    ])
  })

  t.test(`${add} keeps other room roles; an owner may take the role too`, async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const group = await createTestGroup(app, owner)

    const response = await post(app, add, owner, { roomId: group._id, userId: owner.id })

    t.equal(response.statusCode, 200)
    t.same(await rolesOf(group._id, owner), ['owner', role])
  })

  t.test(`${add} on a holder and ${remove} on a non-holder are refused`, async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const holder = await createTestUser(db)
    const member = await createTestUser(db)
    const group = await createTestGroup(app, owner, [holder, member])
    await setRoles(group._id, holder, [role])
    const before = await storedGroup(db, group._id)

    const again = await post(app, add, owner, { roomId: group._id, userId: holder.id })
    t.equal(again.statusCode, 400)
    t.same(again.json(), refusal(`error-user-already-${role}`, `User is already ${noun}`))

    const notHolder = await post(app, remove, owner, { roomId: group._id, userId: member.id })
    t.equal(notHolder.statusCode, 400)
    t.same(notHolder.json(), refusal(`error-user-not-${role}`, `User is not ${noun}`))

    t.same(await storedGroup(db, group._id), before)
    t.same(await auditAfterCreate(group._id), [], 'refusals leave no audit row')
  })

  t.test(`${add} and ${remove} need set-${role}: members and moderators are refused`, async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const member = await createTestUser(db)
    const moderator = await createTestUser(db)
    const holder = await createTestUser(db)
    const group = await createTestGroup(app, owner, [member, moderator, holder])
    await setRoles(group._id, moderator, ['moderator'])
    await setRoles(group._id, holder, [role])
    const before = await storedGroup(db, group._id)

    for (const caller of [member, moderator]) {
      const adding = await post(app, add, caller, { roomId: group._id, userId: member.id })
      t.equal(adding.statusCode, 400, `${add} by ${caller.username}`)
      t.same(adding.json(), notAllowed)
      const removing = await post(app, remove, caller, { roomId: group._id, userId: holder.id })
      t.equal(removing.statusCode, 400, `${remove} by ${caller.username}`)
      t.same(removing.json(), notAllowed)
    }
    t.same(await storedGroup(db, group._id), before)
    t.same(await auditAfterCreate(group._id), [])
  })

  t.test(`a global admin who is a member may ${add}; one who is not gets not-found`, async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const memberAdmin = await createTestUser(db, { roles: ['admin'] })
    const outsideAdmin = await createTestUser(db, { roles: ['admin'] })
    const member = await createTestUser(db)
    const group = await createTestGroup(app, owner, [memberAdmin, member])

    const outside = await post(app, add, outsideAdmin, { roomId: group._id, userId: member.id })
    t.equal(outside.statusCode, 400)
    t.same(outside.json(), roomNotFound)
    t.same(await rolesOf(group._id, member), [])

    const inside = await post(app, add, memberAdmin, { roomId: group._id, userId: member.id })
    t.equal(inside.statusCode, 200)
    t.same(await rolesOf(group._id, member), [role])
    t.same(
      (await auditAfterCreate(group._id)).map((row) => [row.actor_username, row.action]),
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
      const response = await post(app, endpoint, owner, { roomId: group._id, userId: outsider.id })
      t.equal(response.statusCode, 400, endpoint)
      t.same(response.json(), refusal('error-user-not-in-room', 'User is not in this room'))
    }
  }
  t.same(await auditAfterCreate(group._id), [])
})

t.test('role changes with a missing or unknown user, or no room', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  for (const { add, remove } of roleEndpoints) {
    for (const endpoint of [add, remove]) {
      const missing = await post(app, endpoint, owner, { roomId: group._id })
      t.equal(missing.statusCode, 400, endpoint)
      t.same(
        missing.json(),
        refusal(
          'error-user-param-not-provided',
          'The required "userId" or "username" param was not provided',
        ),
      )
      const unknown = await post(app, endpoint, owner, { roomId: group._id, username: 'nobody-x' })
      t.same(unknown.json(), refusal('error-invalid-user', 'Invalid user'))
      const noRoom = await post(app, endpoint, owner, { userId: member.id })
      t.same(
        noRoom.json(),
        refusal(
          'error-room-param-not-provided',
          'The parameter "roomId" or "roomName" is required',
        ),
      )
      const extra = await post(app, endpoint, owner, {
        roomId: group._id,
        userId: member.id,
        role: 'owner',
      })
      t.equal(extra.statusCode, 400)
      t.same(extra.json(), refusal('invalid-params', 'must NOT have additional properties'))
    }
  }
  t.same(await auditAfterCreate(group._id), [])
})

t.test('role changes in an archived group: error-room-archived', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  await db.updateTable('rooms').set({ archived: true }).where('id', '=', group._id).execute()
  const before = await storedGroup(db, group._id)

  for (const endpoint of ['groups.addModerator', 'groups.addLeader', 'groups.addOwner']) {
    const response = await post(app, endpoint, owner, { roomId: group._id, userId: member.id })
    t.equal(response.statusCode, 400, endpoint)
    t.same(
      response.json(),
      refusal('error-room-archived', `The private group, ${group.name}, is archived`),
    )
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await auditAfterCreate(group._id), [])
})

t.test('the last owner keeps the role: error-remove-last-owner, no audit row', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  t.equal(
    (await post(app, 'groups.addModerator', owner, { roomId: group._id, userId: owner.id }))
      .statusCode,
    200,
  )

  const response = await post(app, 'groups.removeOwner', owner, {
    roomId: group._id,
    userId: owner.id,
  })

  t.equal(response.statusCode, 400)
  t.same(
    response.json(),
    refusal(
      'error-remove-last-owner',
      'This is the last owner. Please set a new owner before removing this one.',
    ),
  )
  t.same(await rolesOf(group._id, owner), ['owner', 'moderator'])
  t.same(
    (await auditAfterCreate(group._id)).map((row) => row.action),
    ['groups.addModerator'],
  )
})

t.test('role changes when not logged in: 401', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  for (const { add, remove } of roleEndpoints) {
    for (const endpoint of [add, remove]) {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/${endpoint}`,
        payload: { roomId: group._id, userId: member.id },
      })
      t.equal(response.statusCode, 401, endpoint)
      t.same(response.json(), notLoggedIn)
    }
  }
  t.same(await rolesOf(group._id, member), [])
})

t.test('groups.roles lists the members holding room roles, by username', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db, { username: `b-owner-${Date.now()}` })
  const moderator = await createTestUser(db, { username: `a-mod-${Date.now()}` })
  const leader = await createTestUser(db, { username: `c-lead-${Date.now()}` })
  const plain = await createTestUser(db)
  const group = await createTestGroup(app, owner, [moderator, leader, plain])
  await post(app, 'groups.addModerator', owner, { roomId: group._id, userId: moderator.id })
  await post(app, 'groups.addLeader', owner, { roomId: group._id, userId: leader.id })
  await post(app, 'groups.addModerator', owner, { roomId: group._id, userId: leader.id })

  const queries: Array<Record<string, string>> = [{ roomId: group._id }, { roomName: group.name }]
  for (const query of queries) {
    const response = await get(app, 'groups.roles', plain, query)
    t.equal(response.statusCode, 200)
    t.same(response.json(), {
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

  const none = await get(app, 'groups.moderators', leader, { roomId: group._id })
  t.equal(none.statusCode, 200)
  t.same(none.json(), { moderators: [], success: true })

  await post(app, 'groups.addModerator', owner, { roomId: group._id, userId: moderator.id })
  await post(app, 'groups.addLeader', owner, { roomId: group._id, userId: leader.id })
  const response = await get(app, 'groups.moderators', leader, { roomName: group.name })
  t.equal(response.statusCode, 200)
  t.same(response.json(), {
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
      const response = await get(app, endpoint, caller, { roomId: group._id })
      t.equal(response.statusCode, 400, `${endpoint} by ${caller.username}`)
      t.same(response.json(), roomNotFound)
    }
    const unknown = await get(app, endpoint, owner, { roomName: 'no-such-group' })
    t.same(unknown.json(), roomNotFound)
    const noRoom = await get(app, endpoint, owner, {})
    t.equal(noRoom.statusCode, 400)
    t.same(
      noRoom.json(),
      refusal('error-room-param-not-provided', 'The parameter "roomId" or "roomName" is required'),
    )
    const anonymous = await app.inject({
      method: 'GET',
      url: `/api/v1/${endpoint}`,
      query: { roomId: group._id },
    })
    t.equal(anonymous.statusCode, 401)
    t.same(anonymous.json(), notLoggedIn)
  }
})
