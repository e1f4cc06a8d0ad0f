import t, { type Test } from 'tap'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

/** Every permission as stored: id, sorted roles and update time. */
async function storedPermissions() {
  const permissions = await db.selectFrom('permissions').selectAll().orderBy('id').execute()
  const grants = await db.selectFrom('permission_roles').selectAll().execute()
  return permissions.map((permission) => ({
    _id: permission.id,
    roles: grants
      .filter((grant) => grant.permission_id === permission.id)
      .map((grant) => grant.role_id)
      .sort(),
    _updatedAt: permission.updated_at.toISOString(),
  }))
}

async function rolesOf(permission: string) {
  const rows = await db
    .selectFrom('permission_roles')
    .select('role_id')
    .where('permission_id', '=', permission)
    .orderBy('role_id')
    .execute()
  return rows.map((row) => row.role_id)
}

/** Puts a permission's roles back after a test changed them. */
function restoreAfter(t: Test, permission: string, roles: string[]) {
  t.teardown(async () => {
    await db.deleteFrom('permission_roles').where('permission_id', '=', permission).execute()
    if (roles.length === 0) return
    await db
      .insertInto('permission_roles')
      .values(roles.map((role) => ({ permission_id: permission, role_id: role })))
      .execute()
  })
}

t.test('permissions.listAll: every permission with its roles, to any logged-in user', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)

  const response = await api(app, user).get('permissions.listAll')

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(body, { update: await storedPermissions(), remove: [], success: true })
  const byId = (id: string) =>
    body.update.find((permission: { _id: string }) => permission._id === id)
  t.same(byId('edit-room').roles, ['admin', 'moderator', 'owner'])
  t.match(body.update[0]._updatedAt, fixture.ISO_TIMESTAMP)
  t.same(byId('add-user-to-any-p-room').roles, [])
})

t.test('permissions.listAll with updatedSince: only permissions changed after it', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const saved = await db.selectFrom('permissions').select(['id', 'updated_at']).execute()
  t.teardown(async () => {
    for (const row of saved) {
      await db
        .updateTable('permissions')
        .set({ updated_at: row.updated_at })
        .where('id', '=', row.id)
        .execute()
    }
  })
  await db
    .updateTable('permissions')
    .set({ updated_at: new Date('2020-01-01T00:00:00.000Z') })
    .execute()
  await db
    .updateTable('permissions')
    .set({ updated_at: new Date('2021-06-01T12:00:00.123Z') })
    .where('id', 'in', ['delete-p', 'set-leader'])
    .execute()

  const since = await api(app, user).get('permissions.listAll', {
    updatedSince: '2021-01-01T00:00:00.000Z',
  })
  assertReply(t, since, 200, {
    update: [
      { _id: 'delete-p', roles: ['admin', 'owner'], _updatedAt: '2021-06-01T12:00:00.123Z' },
      { _id: 'set-leader', roles: ['admin', 'owner'], _updatedAt: '2021-06-01T12:00:00.123Z' },
    ],
    remove: [],
    success: true,
  })

  const atLastChange = await api(app, user).get('permissions.listAll', {
    updatedSince: '2021-06-01T12:00:00.123Z',
  })
  t.same(atLastChange.json(), { update: [], remove: [], success: true }, 'strictly after')
})

t.test('permissions.listAll: an updatedSince that is not a date is refused', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)

  const response = await api(app, user).get('permissions.listAll', {
    updatedSince: 'yesterday-ish',
  })

  assertReply(
    t,
    response,
    400,
    refused.as(
      'error-roomId-param-invalid',
      'The "updatedSince" query parameter must be a valid date.',
    ),
  )
})

t.test('permissions.listAll and permissions.update: not logged in is 401', async (t) => {
  const app = await fixture.buildApp(t, db)
  const permissions = await fixture.snapshot(storedPermissions)

  const list = await api(app, null).get('permissions.listAll')
  const change = await api(app, null).post('permissions.update', {
    permissions: [{ _id: 'edit-room', roles: [] }],
  })

  assertReply(t, list, 401, refused.notLoggedIn)
  assertReply(t, change, 401, refused.notLoggedIn)
  await assertUnchanged(t, permissions)
})

t.test('permissions.update: an admin replaces the roles, with one audit row each', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  restoreAfter(t, 'set-leader', ['admin', 'owner'])
  restoreAfter(t, 'kick-user-from-any-p-room', [])
  const permissions = await fixture.snapshot(storedPermissions)
  const audit = await fixture.auditFromNow(db)

  const response = await api(app, admin).post('permissions.update', {
    permissions: [
      { _id: 'set-leader', roles: ['owner', 'moderator', 'admin'] },
      { _id: 'kick-user-from-any-p-room', roles: ['bot'] },
    ],
  })

  t.equal(response.statusCode, 200)
  const after = await storedPermissions()
  t.same(response.json(), { permissions: after, success: true })
  t.same(await rolesOf('set-leader'), ['admin', 'moderator', 'owner'])
  t.same(await rolesOf('kick-user-from-any-p-room'), ['bot'])
  for (const id of ['set-leader', 'kick-user-from-any-p-room']) {
    const old = permissions.before.find((permission) => permission._id === id)
    const now = after.find((permission) => permission._id === id)
    t.ok(new Date(now?._updatedAt ?? 0) > new Date(old?._updatedAt ?? 0), `${id}: _updatedAt moved`)
  }
  const untouched = (list: typeof permissions.before) =>
    list.filter(
      (permission) => !['set-leader', 'kick-user-from-any-p-room'].includes(permission._id),
    )
  t.same(untouched(after), untouched(permissions.before), 'the others are untouched')
  t.same(await audit.read(), [
    {
      actor_id: admin.id,
      actor_username: admin.username,
      room_id: null,
      action: 'permissions.update',
      before: { permission: 'set-leader', roles: ['admin', 'owner'] },
      after: { permission: 'set-leader', roles: ['admin', 'moderator', 'owner'] },
    },
    {
      actor_id: admin.id,
      actor_username: admin.username,
      room_id: null,
      action: 'permissions.update',
      before: { permission: 'kick-user-from-any-p-room', roles: [] },
      after: { permission: 'kick-user-from-any-p-room', roles: ['bot'] },
    },
  ])
})

t.test(
  'permissions.update: an empty list of roles takes the permission from everyone',
  async (t) => {
    const { app, admin } = await fixture.appWithAdmin(t, db)
    restoreAfter(t, 'unarchive-room', ['admin'])

    const response = await api(app, admin).post('permissions.update', {
      permissions: [{ _id: 'unarchive-room', roles: [] }],
    })

    t.equal(response.statusCode, 200)
    t.same(await rolesOf('unarchive-room'), [])
  },
)

t.test('permissions.update without access-permissions: 403, nothing changes', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db, { roles: ['user', 'bot'] })
  const permissions = await fixture.snapshot(storedPermissions)
  const audit = await fixture.auditFromNow(db)

  const response = await api(app, user).post('permissions.update', {
    permissions: [{ _id: 'access-permissions', roles: ['admin', 'user'] }],
  })

  assertReply(t, response, 403, refused.unauthorized)
  await assertUnchanged(t, permissions, audit)
})

t.test('permissions.update refusals leave every permission as it was', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const permissions = await fixture.snapshot(storedPermissions)
  const audit = await fixture.auditFromNow(db)

  const cases: Array<[string, object, object]> = [
    [
      'an unknown permission, after a valid one',
      {
        permissions: [
          { _id: 'edit-room', roles: ['admin'] },
          { _id: 'fly-to-the-moon', roles: ['admin'] },
        ],
      },
      refused.as('error-invalid-permission', 'Invalid permission'),
    ],
    [
      'the same permission twice',
      {
        permissions: [
          { _id: 'edit-room', roles: ['admin'] },
          { _id: 'edit-room', roles: ['owner'] },
        ],
      },
      refused.as('error-invalid-permission', 'Invalid permission'),
    ],
    [
      'an unknown role',
      { permissions: [{ _id: 'edit-room', roles: ['admin', 'superuser'] }] },
      refused.as('error-invalid-role', 'Invalid role'),
    ],
  ]
  for (const [name, payload, expected] of cases) {
    const response = await api(app, admin).post('permissions.update', payload)
    assertReply(t, response, 400, expected, name)
  }
  await assertUnchanged(t, permissions, audit)
})

t.test('permissions.update: malformed bodies are 400 invalid-params', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const permissions = await fixture.snapshot(storedPermissions)

  const cases: Array<[object, string]> = [
    [{}, "must have required property 'permissions'"],
    [{ permissions: [] }, 'permissions must NOT have fewer than 1 items'],
    [{ permissions: [{ _id: 'edit-room' }] }, "permissions.0 must have required property 'roles'"],
    [
      { permissions: [{ _id: 'edit-room', roles: ['admin', 'admin'] }] },
      'permissions.0.roles must NOT have duplicate items (items ## 1 and 0 are identical)',
    ],
    [
      { permissions: [{ _id: 'edit-room', roles: [], level: 'x' }] },
      'permissions.0.level is not allowed here',
    ],
  ]
  for (const [payload, message] of cases) {
    const response = await api(app, admin).post('permissions.update', payload)
    assertReply(t, response, 400, refused.invalidParams(message), message)
  }
  await assertUnchanged(t, permissions)
})

t.test('a permission change holds from the next request, in every process', async (t) => {
  // Two app instances on one database stand for two server processes.
  const adminProcess = await fixture.buildApp(t, db)
  const ownerProcess = await fixture.buildApp(t, db)
  const admin = await fixture.createTestUser(db, { roles: ['admin', 'user'] })
  const owner = await fixture.createTestUser(db)
  const member = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(ownerProcess, owner, [member])
  restoreAfter(t, 'edit-room', ['admin', 'moderator', 'owner'])
  const rename = (name: string) =>
    api(ownerProcess, owner).on(group).post('groups.rename', { name })
  const firstName = fixture.groupName('first')
  t.equal((await rename(firstName)).statusCode, 200, 'the owner may rename at first')

  const taken = await api(adminProcess, admin).post('permissions.update', {
    permissions: [{ _id: 'edit-room', roles: ['admin', 'moderator'] }],
  })
  t.equal(taken.statusCode, 200)

  const withoutEditRoom = await rename(fixture.groupName('refused'))
  assertReply(t, withoutEditRoom, 400, refused.editingNotAllowed)
  t.equal(
    (await fixture.storedGroup(db, group._id)).room?.name,
    firstName,
    'the name did not change',
  )

  const given = await api(adminProcess, admin).post('permissions.update', {
    permissions: [{ _id: 'edit-room', roles: ['admin', 'moderator', 'owner'] }],
  })
  t.equal(given.statusCode, 200)

  const secondName = fixture.groupName('second')
  const renamed = await rename(secondName)
  t.equal(renamed.statusCode, 200)
  t.equal(renamed.json().group.name, secondName)
  t.equal((await fixture.storedGroup(db, group._id)).room?.name, secondName)
})
