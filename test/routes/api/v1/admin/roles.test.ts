import t from 'tap'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

const BOT_ROLE = {
  _id: 'bot',
  name: 'bot',
  scope: 'Users',
  description: 'Bot',
  protected: true,
  mandatory2fa: false,
}
const ADMIN_ROLE = { ...BOT_ROLE, _id: 'admin', name: 'admin', description: 'Administrator' }

const rolesOf = (userId: string) => fixture.storedUserRoles(db, userId)

t.test('roles.list: every role, to any logged-in user', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)

  const response = await api(app, user).get('roles.list')

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
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)

  const list = await api(app, null).get('roles.list')
  assertReply(t, list, 401, refused.notLoggedIn)
  for (const endpoint of ['roles.addUserToRole', 'roles.removeUserFromRole']) {
    const response = await api(app, null).post(endpoint, { roleId: 'bot', userId: user.id })
    assertReply(t, response, 401, refused.notLoggedIn, endpoint)
  }
  t.same(await rolesOf(user.id), ['user'])
})

t.test('roles.addUserToRole: an admin gives a global role, audited', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const user = await fixture.createTestUser(db)
  const audit = await fixture.auditFromNow(db)

  const response = await api(app, admin).post('roles.addUserToRole', {
    roleId: 'bot',
    username: user.username,
  })

  assertReply(t, response, 200, { role: BOT_ROLE, success: true })
  t.same(await rolesOf(user.id), ['bot', 'user'])
  t.same(await audit.read(), [
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
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const user = await fixture.createTestUser(db, { active: false })

  const response = await api(app, admin).post('roles.addUserToRole', {
    roleName: 'admin',
    userId: user.id,
  })

  assertReply(t, response, 200, { role: ADMIN_ROLE, success: true })
  t.same(await rolesOf(user.id), ['admin', 'user'])
})

t.test('roles.addUserToRole and removeUserFromRole need assign-roles: 403', async (t) => {
  const app = await fixture.buildApp(t, db)
  const moderator = await fixture.createTestUser(db, { roles: ['user', 'bot'] })
  const user = await fixture.createTestUser(db, { roles: ['user', 'guest'] })
  const audit = await fixture.auditFromNow(db)

  const add = await api(app, moderator).post('roles.addUserToRole', {
    roleId: 'admin',
    userId: user.id,
  })
  const remove = await api(app, moderator).post('roles.removeUserFromRole', {
    roleId: 'guest',
    userId: user.id,
  })
  const self = await api(app, moderator).post('roles.addUserToRole', {
    roleId: 'admin',
    userId: moderator.id,
  })

  for (const response of [add, remove, self]) {
    assertReply(t, response, 403, refused.unauthorized)
  }
  t.same(await rolesOf(user.id), ['guest', 'user'])
  t.same(await rolesOf(moderator.id), ['bot', 'user'])
  await assertUnchanged(t, audit)
})

t.test('roles.addUserToRole refusals change nothing', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const user = await fixture.createTestUser(db)
  const audit = await fixture.auditFromNow(db)

  const cases: Array<[string, object, object]> = [
    [
      'no role',
      { userId: user.id },
      refused.as(
        'error-invalid-role-properties',
        'The parameter "roleId" or "roleName" is required',
      ),
    ],
    ['no user', { roleId: 'bot' }, refused.userParamNotProvided],
    ['an unknown user', { roleId: 'bot', username: 'nobody-here' }, refused.invalidUser],
    [
      'an unknown role',
      { roleId: 'pilot', userId: user.id },
      refused.as('error-role-not-found', 'Role not found'),
    ],
    [
      'a room role',
      { roleId: 'owner', userId: user.id },
      refused.as(
        'error-invalid-role',
        'owner is a room role: change it with groups.addOwner, groups.addModerator or groups.addLeader',
      ),
    ],
    [
      'a role the user holds',
      { roleId: 'user', userId: user.id },
      refused.as('error-user-already-in-role', 'User already in role'),
    ],
  ]
  for (const [name, payload, expected] of cases) {
    const response = await api(app, admin).post('roles.addUserToRole', payload)
    assertReply(t, response, 400, expected, name)
  }
  const extra = await api(app, admin).post('roles.addUserToRole', {
    roleId: 'bot',
    userId: user.id,
    roomId: 'GENERAL',
  })
  assertReply(t, extra, 400, refused.invalidParams('roomId is not allowed here'))
  t.same(await rolesOf(user.id), ['user'])
  await assertUnchanged(t, audit)
})

t.test('roles.removeUserFromRole: an admin takes a global role, audited', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const user = await fixture.createTestUser(db, { roles: ['bot', 'user'] })
  const audit = await fixture.auditFromNow(db)

  const response = await api(app, admin).post('roles.removeUserFromRole', {
    roleId: 'bot',
    username: user.username.toUpperCase(),
  })

  assertReply(t, response, 200, { role: BOT_ROLE, success: true })
  t.same(await rolesOf(user.id), ['user'])
  t.same(await audit.read(), [
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
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const user = await fixture.createTestUser(db)
  const audit = await fixture.auditFromNow(db)

  const cases: Array<[string, object, object]> = [
    [
      'an unknown role',
      { roleId: 'pilot', userId: user.id },
      refused.as('error-invalid-roleId', 'This role does not exist'),
    ],
    [
      'a role the user does not hold',
      { roleId: 'bot', userId: user.id },
      refused.as('error-user-not-in-role', 'User is not in this role'),
    ],
    ['an unknown user', { roleId: 'user', userId: 'no-such-id' }, refused.invalidUser],
  ]
  for (const [name, payload, expected] of cases) {
    const response = await api(app, admin).post('roles.removeUserFromRole', payload)
    assertReply(t, response, 400, expected, name)
  }
  t.same(await rolesOf(user.id), ['user'])
  await assertUnchanged(t, audit)
})

t.test('the last active admin keeps the admin role', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const retired = await fixture.createTestUser(db, { roles: ['admin', 'user'], active: false })
  await fixture.onlyActiveAdmins(t, db, [admin])
  const audit = await fixture.auditFromNow(db)

  const self = await api(app, admin).post('roles.removeUserFromRole', {
    roleId: 'admin',
    userId: admin.id,
  })
  assertReply(
    t,
    self,
    400,
    refused.as('error-action-not-allowed', 'Leaving the app without admins is not allowed'),
  )
  t.same(await rolesOf(admin.id), ['admin', 'user'])
  await assertUnchanged(t, audit)

  const inactive = await api(app, admin).post('roles.removeUserFromRole', {
    roleId: 'admin',
    userId: retired.id,
  })
  t.equal(inactive.statusCode, 200, 'a deactivated admin may lose the role')
  t.same(await rolesOf(retired.id), ['user'])

  const second = await fixture.createTestUser(db, { roles: ['admin', 'user'] })
  const withAnother = await api(app, admin).post('roles.removeUserFromRole', {
    roleId: 'admin',
    userId: admin.id,
  })
  t.equal(withAnother.statusCode, 200, 'with another active admin, an admin may step down')
  t.same(await rolesOf(admin.id), ['user'])

  const afterwards = await api(app, admin).post('roles.addUserToRole', {
    roleId: 'bot',
    userId: second.id,
  })
  assertReply(
    t,
    afterwards,
    403,
    refused.unauthorized,
    'the role change holds from the next request',
  )
})
