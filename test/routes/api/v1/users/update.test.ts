import t from 'tap'
import { randomId } from '../../../../../domain/ids.js'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

t.test('users.update', async (t) => {
  const app = await fixture.buildApp(t, db)

  t.test('oneself: name, username, email and password, audited', async (t) => {
    const user = await fixture.createTestUser(db)
    const group = await fixture.createTestGroup(app, user)
    const username = `renamed${randomId().slice(0, 6).toLowerCase()}`
    const before = await fixture.storedUser(db, user.id)
    const audit = await fixture.auditFromNow(db)

    const response = await api(app, user).post('users.update', {
      userId: user.id,
      data: {
        name: 'New Name',
        username,
        email: `${username}@example.net`,
        password: 'new secret',
      },
    })

    assertReply(t, response, 200, { user: await fixture.fullView(db, user.id), success: true })
    t.match(response.json().user, {
      username,
      name: 'New Name',
      emails: [{ address: `${username}@example.net` }],
    })
    const after = await fixture.storedUser(db, user.id)
    t.not(after?.password_hash, before?.password_hash)
    t.ok((after?.updated_at ?? 0) > (before?.updated_at ?? 0), 'updated_at moved')
    t.equal(
      (await fixture.login(app, username, 'new secret')).statusCode,
      200,
      'the new password works',
    )
    t.equal(
      (await fixture.login(app, username, fixture.TEST_PASSWORD)).statusCode,
      401,
      'the old one does not',
    )
    const { room, messages } = await fixture.storedGroup(db, group._id)
    t.equal(room?.creator_username, username, 'the group shows the new username')
    t.ok(messages.every((message) => message.username === username))
    t.same(await audit.read(), [
      {
        actor_id: user.id,
        actor_username: user.username,
        room_id: null,
        action: 'users.update',
        before: {
          userId: user.id,
          username: user.username,
          name: before?.name,
          email: before?.email,
        },
        after: {
          userId: user.id,
          username,
          name: 'New Name',
          email: `${username}@example.net`,
          passwordChanged: true,
        },
      },
    ])
  })

  t.test('another user needs edit-other-user-info: error-action-not-allowed', async (t) => {
    const user = await fixture.createTestUser(db)
    const other = await fixture.createTestUser(db)
    const stored = await fixture.snapshot(() => fixture.storedUser(db, other.id))
    const audit = await fixture.auditFromNow(db)

    const response = await api(app, user).post('users.update', {
      userId: other.id,
      data: { name: 'Hijacked' },
    })

    assertReply(
      t,
      response,
      400,
      refused.as('error-action-not-allowed', 'Editing user is not allowed'),
    )
    await assertUnchanged(t, stored, audit)
  })

  t.test('an admin changes another user, and sets their roles', async (t) => {
    const boss = await fixture.createAdmin(db)
    const user = await fixture.createTestUser(db)
    const audit = await fixture.auditFromNow(db)

    const response = await api(app, boss).post('users.update', {
      userId: user.id,
      data: { name: 'Renamed By Admin', roles: ['user', 'bot', 'bot'] },
    })

    assertReply(t, response, 200, { user: await fixture.fullView(db, user.id), success: true })
    t.same(response.json().user.roles, ['bot', 'user'])
    t.same(await audit.read(), [
      {
        actor_id: boss.id,
        actor_username: boss.username,
        room_id: null,
        action: 'users.update',
        before: { userId: user.id, name: `Name of ${user.username}`, roles: ['user'] },
        after: { userId: user.id, name: 'Renamed By Admin', roles: ['bot', 'user'] },
      },
    ])
  })

  t.test('roles: a different set needs assign-roles, the same set does not', async (t) => {
    const user = await fixture.createTestUser(db)
    const audit = await fixture.auditFromNow(db)

    const promote = await api(app, user).post('users.update', {
      userId: user.id,
      data: { roles: ['user', 'admin'] },
    })
    assertReply(
      t,
      promote,
      400,
      refused.as('error-action-not-allowed', 'Assign roles is not allowed'),
    )

    const same = await api(app, user).post('users.update', {
      userId: user.id,
      data: { roles: ['user'] },
    })
    t.equal(same.statusCode, 200)
    t.same(same.json().user.roles, ['user'])
    t.same(await audit.read(), [], 'no change, no audit row')
  })

  t.test('deactivating: admins only; it logs the user out', async (t) => {
    const boss = await fixture.createAdmin(db)
    const user = await fixture.createTestUser(db)

    const self = await api(app, user).post('users.update', {
      userId: user.id,
      data: { active: false },
    })
    assertReply(t, self, 400, refused.notAllowed)
    t.equal((await fixture.storedUser(db, user.id))?.active, true)

    const audit = await fixture.auditFromNow(db)
    const response = await api(app, boss).post('users.update', {
      userId: user.id,
      data: { active: false },
    })
    t.equal(response.statusCode, 200)
    t.equal(response.json().user.active, false)
    t.same(await fixture.tokensOf(db, user.id), [])
    const me = await api(app, user).get('me')
    t.equal(me.statusCode, 401, 'the old token no longer works')
    t.same(await audit.read(), [
      {
        actor_id: boss.id,
        actor_username: boss.username,
        room_id: null,
        action: 'users.update',
        before: { userId: user.id, active: true },
        after: { userId: user.id, active: false },
      },
    ])

    const back = await api(app, boss).post('users.update', {
      userId: user.id,
      data: { active: true },
    })
    t.equal(back.statusCode, 200)
    t.equal(back.json().user.active, true)
  })

  t.test('values are checked as in users.create; nothing changes', async (t) => {
    const boss = await fixture.createAdmin(db)
    const user = await fixture.createTestUser(db)
    const other = await fixture.createTestUser(db)
    const stored = await fixture.snapshot(() => fixture.storedUser(db, user.id))
    const audit = await fixture.auditFromNow(db)

    const cases: Array<[object, object]> = [
      [
        { username: 'with space' },
        refused.as('error-input-is-not-a-valid-field', 'with space is not a valid username'),
      ],
      [
        { username: 'Here' },
        refused.as('error-blocked-username', "Here is blocked and can't be used!"),
      ],
      [
        { username: other.username.toUpperCase() },
        refused.as(
          'error-field-unavailable',
          `${other.username.toUpperCase()} is already in use :(`,
        ),
      ],
      [
        { email: `${other.username}@EXAMPLE.com` },
        refused.as('error-field-unavailable', `${other.username}@EXAMPLE.com is already in use :(`),
      ],
      [{ roles: ['user', 'owner'] }, refused.as('error-invalid-role', 'Role owner does not exist')],
    ]
    for (const [data, expected] of cases) {
      const response = await api(app, boss).post('users.update', { userId: user.id, data })
      assertReply(t, response, 400, expected, JSON.stringify(data))
    }
    const schema: Array<[object, string]> = [
      [{ userId: user.id, data: { isAdmin: true } }, 'data.isAdmin is not allowed here'],
      [{ userId: user.id, data: { email: 'nope' } }, 'data.email must match format "email"'],
      [{ data: { name: 'x' } }, "must have required property 'userId'"],
    ]
    for (const [payload, message] of schema) {
      const response = await api(app, boss).post('users.update', payload)
      assertReply(t, response, 400, refused.invalidParams(message), message)
    }
    const unknown = await api(app, boss).post('users.update', { userId: 'no-such-user', data: {} })
    assertReply(t, unknown, 400, refused.invalidUser)

    await assertUnchanged(t, stored, audit)
  })

  t.test('keeping one active admin', async (t) => {
    const boss = await fixture.createAdmin(db)
    await fixture.onlyActiveAdmins(t, db, [boss])
    const audit = await fixture.auditFromNow(db)

    const lastAdmin: Array<[object, string]> = [
      [{ active: false }, 'Leaving the app without an active admin is not allowed'],
      [{ roles: ['user'] }, 'Leaving the app without admins is not allowed'],
    ]
    for (const [data, message] of lastAdmin) {
      const response = await api(app, boss).post('users.update', { userId: boss.id, data })
      const expected = refused.as('error-action-not-allowed', message)
      assertReply(t, response, 400, expected, JSON.stringify(data))
    }
    t.same(await fixture.fullView(db, boss.id), {
      ...(await fixture.fullView(db, boss.id)),
      active: true,
      roles: ['admin', 'user'],
    })
    await assertUnchanged(t, audit)
  })

  t.test(
    'deactivating the only owner of a group with other members: user-last-owner',
    async (t) => {
      const boss = await fixture.createAdmin(db)
      const { owner, group } = await fixture.ownedGroup(app, db)

      const response = await api(app, boss).post('users.update', {
        userId: owner.id,
        data: { active: false },
      })

      assertReply(
        t,
        response,
        400,
        refused.as(
          'user-last-owner',
          `The user is the last owner of ${group.name}. Set new owners before deactivating the user.`,
        ),
      )
      t.equal((await fixture.storedUser(db, owner.id))?.active, true)
      t.equal((await fixture.tokensOf(db, owner.id)).length, 1)
    },
  )

  t.test('not logged in: 401', async (t) => {
    const user = await fixture.createTestUser(db)
    const response = await api(app, null).post('users.update', {
      userId: user.id,
      data: { name: 'x' },
    })
    assertReply(t, response, 401, refused.notLoggedIn)
  })
})
