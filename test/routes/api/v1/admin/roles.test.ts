import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp, createTestUser, type TestUser, testDatabase } from '../../../../helper.js'

const db = await testDatabase(t)

const NOT_LOGGED_IN = {
  success: false,
  status: 'error',
  message: 'You must be logged in to do this.',
  error: 'You must be logged in to do this.',
}

function refusal(errorType: string, message: string) {
  return { success: false, error: `${message} [${errorType}]`, errorType }
}

const UNAUTHORIZED = refusal(
  'error-unauthorized',
  'User does not have the permissions required for this action',
)

const BOT_ROLE = {
  _id: 'bot',
  name: 'bot',
  scope: 'Users',
  description: 'Bot',
  protected: true,
  mandatory2fa: false,
}
const ADMIN_ROLE = { ...BOT_ROLE, _id: 'admin', name: 'admin', description: 'Administrator' }

function post(app: FastifyInstance, endpoint: string, user: TestUser | null, payload: object) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/${endpoint}`,
    headers: user?.headers ?? {},
    payload,
  })
}

async function rolesOf(userId: string) {
  const rows = await db
    .selectFrom('user_roles')
    .select('role_id')
    .where('user_id', '=', userId)
    .orderBy('role_id')
    .execute()
  return rows.map((row) => row.role_id)
}

async function lastAuditId() {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst()
  return Number(row?.id ?? 0)
}

async function auditRowsAfter(id: number) {
  return db
    .selectFrom('audit_log')
    .select(['actor_id', 'actor_username', 'room_id', 'action', 'before', 'after'])
    .where('id', '>', id)
    .orderBy('id')
    .execute()
}

/** Leaves `keep` as the only active admins for the test, restoring the others afterwards. */
async function onlyActiveAdmins(t: Test, keep: TestUser[]) {
  const others = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('users.id')
    .where('user_roles.role_id', '=', 'admin')
    .where('users.active', '=', true)
    .where(
      'users.id',
      'not in',
      keep.map((user) => user.id),
    )
    .execute()
  const ids = others.map((row) => row.id)
  if (ids.length === 0) return
  await db.updateTable('users').set({ active: false }).where('id', 'in', ids).execute()
  t.teardown(async () => {
    await db.updateTable('users').set({ active: true }).where('id', 'in', ids).execute()
  })
}

t.test('roles.list: every role, to any logged-in user', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/roles.list',
    headers: user.headers,
  })

  t.equal(response.statusCode, 200)
  const stored = await db.selectFrom('roles').selectAll().orderBy('id').execute()
  t.same(response.json(), {
    roles: stored.map((role) => ({
      _id: role.id,
      name: role.id,
      scope: role.scope,
      description: role.description,
      protected: role.protected,
      mandatory2fa: false,
    })),
    success: true,
  })
  const roles = response.json().roles as Array<{ _id: string; scope: string }>
  t.same(
    roles.map((role) => `${role._id}:${role.scope}`),
    [
      'admin:Users',
      'anonymous:Users',
      'app:Users',
      'bot:Users',
      'guest:Users',
      'leader:Subscriptions',
      'moderator:Subscriptions',
      'owner:Subscriptions',
      'user:Users',
    ],
  )
  t.same(
    roles.find((role) => role._id === 'admin'),
    ADMIN_ROLE,
  )
})

t.test('roles.*: not logged in is 401', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  const list = await app.inject({ method: 'GET', url: '/api/v1/roles.list' })
  t.equal(list.statusCode, 401)
  t.same(list.json(), NOT_LOGGED_IN)
  for (const endpoint of ['roles.addUserToRole', 'roles.removeUserFromRole']) {
    const response = await post(app, endpoint, null, { roleId: 'bot', userId: user.id })
    t.equal(response.statusCode, 401, endpoint)
    t.same(response.json(), NOT_LOGGED_IN)
  }
  t.same(await rolesOf(user.id), ['user'])
})

t.test('roles.addUserToRole: an admin gives a global role, audited', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })
  const user = await createTestUser(db)
  const auditId = await lastAuditId()

  const response = await post(app, 'roles.addUserToRole', admin, {
    roleId: 'bot',
    username: user.username,
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { role: BOT_ROLE, success: true })
  t.same(await rolesOf(user.id), ['bot', 'user'])
  t.same(await auditRowsAfter(auditId), [
    {
      actor_id: admin.id,
      actor_username: admin.username,
      room_id: null,
      action: 'roles.addUserToRole',
      before: { userId: user.id, username: user.username, roles: ['user'] },
      after: { userId: user.id, username: user.username, roles: ['bot', 'user'] },
    },
  ])
})

t.test('roles.addUserToRole: by roleName and userId, also to a deactivated user', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })
  const user = await createTestUser(db, { active: false })

  const response = await post(app, 'roles.addUserToRole', admin, {
    roleName: 'admin',
    userId: user.id,
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { role: ADMIN_ROLE, success: true })
  t.same(await rolesOf(user.id), ['admin', 'user'])
})

t.test('roles.addUserToRole and removeUserFromRole need assign-roles: 403', async (t) => {
  const app = await buildApp(t, db)
  const moderator = await createTestUser(db, { roles: ['user', 'bot'] })
  const user = await createTestUser(db, { roles: ['user', 'guest'] })
  const auditId = await lastAuditId()

  const add = await post(app, 'roles.addUserToRole', moderator, {
    roleId: 'admin',
    userId: user.id,
  })
  const remove = await post(app, 'roles.removeUserFromRole', moderator, {
    roleId: 'guest',
    userId: user.id,
  })
  const self = await post(app, 'roles.addUserToRole', moderator, {
    roleId: 'admin',
    userId: moderator.id,
  })

  for (const response of [add, remove, self]) {
    t.equal(response.statusCode, 403)
    t.same(response.json(), UNAUTHORIZED)
  }
  t.same(await rolesOf(user.id), ['guest', 'user'])
  t.same(await rolesOf(moderator.id), ['bot', 'user'])
  t.same(await auditRowsAfter(auditId), [])
})

t.test('roles.addUserToRole refusals change nothing', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })
  const user = await createTestUser(db)
  const auditId = await lastAuditId()

  const cases: Array<[string, object, object]> = [
    [
      'no role',
      { userId: user.id },
      refusal('error-invalid-role-properties', 'The parameter "roleId" or "roleName" is required'),
    ],
    [
      'no user',
      { roleId: 'bot' },
      refusal(
        'error-user-param-not-provided',
        'The required "userId" or "username" param was not provided',
      ),
    ],
    [
      'an unknown user',
      { roleId: 'bot', username: 'nobody-here' },
      refusal('error-invalid-user', 'Invalid user'),
    ],
    [
      'an unknown role',
      { roleId: 'pilot', userId: user.id },
      refusal('error-role-not-found', 'Role not found'),
    ],
    [
      'a room role',
      { roleId: 'owner', userId: user.id },
      refusal(
        'error-invalid-role',
        'owner is a room role: change it with groups.addOwner, groups.addModerator or groups.addLeader',
      ),
    ],
    [
      'a role the user holds',
      { roleId: 'user', userId: user.id },
      refusal('error-user-already-in-role', 'User already in role'),
    ],
  ]
  for (const [name, payload, expected] of cases) {
    const response = await post(app, 'roles.addUserToRole', admin, payload)
    t.equal(response.statusCode, 400, name)
    t.same(response.json(), expected, name)
  }
  const extra = await post(app, 'roles.addUserToRole', admin, {
    roleId: 'bot',
    userId: user.id,
    roomId: 'GENERAL',
  })
  t.equal(extra.statusCode, 400)
  t.same(extra.json(), {
    success: false,
    error: 'must NOT have additional properties [invalid-params]',
    errorType: 'invalid-params',
  })
  t.same(await rolesOf(user.id), ['user'])
  t.same(await auditRowsAfter(auditId), [])
})

t.test('roles.removeUserFromRole: an admin takes a global role, audited', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })
  const user = await createTestUser(db, { roles: ['bot', 'user'] })
  const auditId = await lastAuditId()

  const response = await post(app, 'roles.removeUserFromRole', admin, {
    roleId: 'bot',
    username: user.username.toUpperCase(),
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { role: BOT_ROLE, success: true })
  t.same(await rolesOf(user.id), ['user'])
  t.same(await auditRowsAfter(auditId), [
    {
      actor_id: admin.id,
      actor_username: admin.username,
      room_id: null,
      action: 'roles.removeUserFromRole',
      before: { userId: user.id, username: user.username, roles: ['bot', 'user'] },
      after: { userId: user.id, username: user.username, roles: ['user'] },
    },
  ])
})

t.test('roles.removeUserFromRole refusals change nothing', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })
  const user = await createTestUser(db)
  const auditId = await lastAuditId()

  const cases: Array<[string, object, object]> = [
    [
      'an unknown role',
      { roleId: 'pilot', userId: user.id },
      refusal('error-invalid-roleId', 'This role does not exist'),
    ],
    [
      'a role the user does not hold',
      { roleId: 'bot', userId: user.id },
      refusal('error-user-not-in-role', 'User is not in this role'),
    ],
    [
      'an unknown user',
      { roleId: 'user', userId: 'no-such-id' },
      refusal('error-invalid-user', 'Invalid user'),
    ],
  ]
  for (const [name, payload, expected] of cases) {
    const response = await post(app, 'roles.removeUserFromRole', admin, payload)
    t.equal(response.statusCode, 400, name)
    t.same(response.json(), expected, name)
  }
  t.same(await rolesOf(user.id), ['user'])
  t.same(await auditRowsAfter(auditId), [])
})

t.test('the last active admin keeps the admin role', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })
  const retired = await createTestUser(db, { roles: ['admin', 'user'], active: false })
  await onlyActiveAdmins(t, [admin])
  const auditId = await lastAuditId()

  const self = await post(app, 'roles.removeUserFromRole', admin, {
    roleId: 'admin',
    userId: admin.id,
  })
  t.equal(self.statusCode, 400)
  t.same(
    self.json(),
    refusal('error-action-not-allowed', 'Leaving the app without admins is not allowed'),
  )
  t.same(await rolesOf(admin.id), ['admin', 'user'])
  t.same(await auditRowsAfter(auditId), [])

  const inactive = await post(app, 'roles.removeUserFromRole', admin, {
    roleId: 'admin',
    userId: retired.id,
  })
  t.equal(inactive.statusCode, 200, 'a deactivated admin may lose the role')
  t.same(await rolesOf(retired.id), ['user'])

  const second = await createTestUser(db, { roles: ['admin', 'user'] })
  const withAnother = await post(app, 'roles.removeUserFromRole', admin, {
    roleId: 'admin',
    userId: admin.id,
  })
  t.equal(withAnother.statusCode, 200, 'with another active admin, an admin may step down')
  t.same(await rolesOf(admin.id), ['user'])

  const afterwards = await post(app, 'roles.addUserToRole', admin, {
    roleId: 'bot',
    userId: second.id,
  })
  t.equal(afterwards.statusCode, 403, 'the role change holds from the next request')
  t.same(afterwards.json(), UNAUTHORIZED)
})
