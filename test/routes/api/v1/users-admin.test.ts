import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { randomId } from '../../../../domain/ids.js'
import {
  assertInvariants,
  buildApp,
  createTestGroup,
  createTestUser,
  storedGroup,
  TEST_PASSWORD,
  type TestUser,
  testConfig,
  testDatabase,
} from '../../../helper.js'
import {
  api,
  assertRefused,
  assertReply,
  assertUnchanged,
  invalidParams,
  invalidUser,
  notAllowed,
  notLoggedIn,
  refusal,
  snapshot,
  unauthorized,
  userParamNotProvided,
} from '../../../support/api.js'
import {
  auditFromNow,
  onlyActiveAdmins,
  ownedGroup,
  setRoomRoles,
} from '../../../support/fixtures.js'

const db = await testDatabase(t)

const admin = () => createTestUser(db, { roles: ['admin', 'user'] })

/** The user as users.info shows them to themselves or an admin, read from the database. */
async function fullView(userId: string) {
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .executeTakeFirstOrThrow()
  const roles = await db
    .selectFrom('user_roles')
    .select('role_id')
    .where('user_id', '=', userId)
    .orderBy('role_id')
    .execute()
  return {
    _id: user.id,
    username: user.username,
    name: user.name,
    emails: user.email ? [{ address: user.email, verified: false }] : [],
    roles: roles.map((row) => row.role_id),
    active: user.active,
    status: user.status,
    type: 'user',
    createdAt: user.created_at.toISOString(),
    _updatedAt: user.updated_at.toISOString(),
  }
}

async function publicView(userId: string) {
  const { _id, username, name, status, active, type } = await fullView(userId)
  return { _id, username, name, status, active, type }
}

async function storedUser(userId: string) {
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
}

async function tokensOf(userId: string) {
  return db.selectFrom('login_tokens').select('user_id').where('user_id', '=', userId).execute()
}

function login(app: FastifyInstance, user: string, password: string) {
  return api(app, null).post('login', { user, password })
}

t.test('users.info', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const other = await createTestUser(db, { roles: ['user', 'bot'] })
  const boss = await admin()

  t.test('about oneself: the full record, never the password hash', async (t) => {
    const response = await api(app, user).get('users.info', { userId: user.id })
    assertReply(t, response, 200, { user: await fullView(user.id), success: true })
    t.notMatch(response.body, /password|argon2/)
  })

  t.test('about another user, by username in any case: the public fields', async (t) => {
    const response = await api(app, user).get('users.info', {
      username: other.username.toUpperCase(),
    })
    assertReply(t, response, 200, { user: await publicView(other.id), success: true })
  })

  t.test('to view-full-other-user-info: emails, roles and dates too', async (t) => {
    const response = await api(app, boss).get('users.info', { userId: other.id })
    assertReply(t, response, 200, { user: await fullView(other.id), success: true })
    t.same(response.json().user.roles, ['bot', 'user'])
    t.notMatch(response.body, /password|argon2/)
  })

  t.test('a deactivated user is still found', async (t) => {
    const gone = await createTestUser(db, { active: false })
    const response = await api(app, user).get('users.info', { userId: gone.id })
    t.equal(response.statusCode, 200)
    t.same(response.json().user, { ...(await publicView(gone.id)), active: false })
  })

  t.test('refusals', async (t) => {
    const none = await api(app, user).get('users.info')
    assertReply(t, none, 400, userParamNotProvided)

    const unknown = await api(app, user).get('users.info', { username: 'nobody-at-all' })
    assertReply(t, unknown, 400, { success: false, error: 'User not found.' })

    const anonymous = await api(app, null).get('users.info', { userId: user.id })
    assertReply(t, anonymous, 401, notLoggedIn)
  })
})

t.test('users.list', async (t) => {
  const app = await buildApp(t, db)
  const viewer = await createTestUser(db)
  const boss = await admin()
  const prefix = `lst${randomId().slice(0, 6).toLowerCase()}`
  // Names and usernames sort the same way in every collation: lowercase letters and digits.
  const carol = await createTestUser(db, { username: `${prefix}c` })
  const alice = await createTestUser(db, { username: `${prefix}a` })
  const bob = await createTestUser(db, { username: `${prefix}b`, active: false })
  await db.updateTable('users').set({ name: 'zed' }).where('id', '=', alice.id).execute()
  await db.updateTable('users').set({ name: 'yan' }).where('id', '=', bob.id).execute()
  await db.updateTable('users').set({ name: 'xia' }).where('id', '=', carol.id).execute()
  const ours = JSON.stringify({ username: { $regex: `^${prefix}` } })
  const list = (user: TestUser | null, query: Record<string, string>) =>
    api(app, user).get('users.list', query)

  t.test('to anyone logged in: public fields, by username, with count/offset/total', async (t) => {
    const response = await list(viewer, { query: ours })
    assertReply(t, response, 200, {
      users: [await publicView(alice.id), await publicView(bob.id), await publicView(carol.id)],
      count: 3,
      offset: 0,
      total: 3,
      success: true,
    })
  })

  t.test('to view-full-other-user-info: the full records', async (t) => {
    const response = await list(boss, { query: ours, count: '1', offset: '1' })
    assertReply(t, response, 200, {
      users: [await fullView(bob.id)],
      count: 1,
      offset: 1,
      total: 3,
      success: true,
    })
  })

  t.test('sort by name, createdAt, or several fields', async (t) => {
    const names = async (sort: object) => {
      const response = await list(viewer, { query: ours, sort: JSON.stringify(sort) })
      t.equal(response.statusCode, 200, JSON.stringify(sort))
      return response.json().users.map((user: { username: string }) => user.username)
    }
    t.same(await names({ name: 1 }), [carol.username, bob.username, alice.username])
    t.same(await names({ name: -1 }), [alice.username, bob.username, carol.username])
    t.same(await names({ createdAt: 1 }), [carol.username, alice.username, bob.username])
    t.same(await names({ username: -1 }), [carol.username, bob.username, alice.username])
    t.same(await names({}), [alice.username, bob.username, carol.username], '{} keeps the default')
  })

  t.test('query: equality, case, active, $and and $or', async (t) => {
    const found = async (query: object) => {
      const response = await list(viewer, { query: JSON.stringify(query) })
      t.equal(response.statusCode, 200, JSON.stringify(query))
      return response.json().users.map((user: { username: string }) => user.username)
    }
    t.same(await found({ username: alice.username }), [alice.username])
    t.same(await found({ username: { $regex: `^${prefix.toUpperCase()}A$` } }), [], 'case counts')
    t.same(
      await found({ username: { $regex: `^${prefix.toUpperCase()}A$`, $options: 'i' } }),
      [alice.username],
      'unless $options is i',
    )
    t.same(await found({ $and: [JSON.parse(ours), { active: false }] }), [bob.username])
    t.same(
      await found({
        $and: [JSON.parse(ours), { $or: [{ name: 'zed' }, { name: { $regex: '^x' } }] }],
      }),
      [alice.username, carol.username],
    )
  })

  t.test('count defaults to 50 and is cut to 100', async (t) => {
    const many = `many${randomId().slice(0, 6).toLowerCase()}`
    await db
      .insertInto('users')
      .values(
        Array.from({ length: 105 }, (_, i) => ({
          id: randomId(),
          username: `${many}${String(i).padStart(3, '0')}`,
          name: `Many ${i}`,
          email: null,
          password_hash: '$argon2id$v=19$m=19456,t=2,p=1$unused$unused',
        })),
      )
      .execute()
    const query = JSON.stringify({ username: { $regex: `^${many}` } })

    const byDefault = await list(viewer, { query })
    t.equal(byDefault.statusCode, 200)
    t.match(byDefault.json(), { count: 50, offset: 0, total: 105 })
    t.equal(byDefault.json().users.length, 50)

    const tooMany = await list(viewer, { query, count: '500', offset: '2' })
    t.equal(tooMany.statusCode, 200)
    t.match(tooMany.json(), { count: 100, offset: 2, total: 105 })
    t.equal(tooMany.json().users[0].username, `${many}002`)
  })

  t.test('a sort that is not JSON, or not 1/-1 on a known field: error-invalid-sort', async (t) => {
    for (const sort of ['{username:1}', '{"username":2}', '{"password_hash":1}', '[1]', '"x"']) {
      const response = await list(viewer, { sort })
      assertReply(
        t,
        response,
        400,
        refusal('error-invalid-sort', `Invalid sort parameter provided: "${sort}"`),
        sort,
      )
    }
  })

  t.test('a query outside what lists support: error-invalid-query', async (t) => {
    const queries = [
      '{"username":',
      '{"email":"a@b.c"}',
      '{"password_hash":{"$regex":"."}}',
      '{"$where":"1"}',
      '{"username":{"$ne":"a"}}',
      '{"active":"yes"}',
      '{"name":{"$regex":"("}}',
      `{"name":{"$regex":"${'a'.repeat(129)}"}}`,
      '{"name":{"$regex":"a","$options":"x"}}',
      '{"name":"a\\u0000b"}',
      '{"$or":[]}',
      '{"name":{"$regex":"[]"}}',
    ]
    for (const query of queries) {
      const response = await list(viewer, { query })
      assertReply(
        t,
        response,
        400,
        refusal('error-invalid-query', `Invalid query parameter provided: "${query}"`),
        query,
      )
    }
  })

  t.test('not logged in: 401', async (t) => {
    const response = await list(null, {})
    assertReply(t, response, 401, notLoggedIn)
  })
})

t.test('users.update', async (t) => {
  const app = await buildApp(t, db)

  t.test('oneself: name, username, email and password, audited', async (t) => {
    const user = await createTestUser(db)
    const group = await createTestGroup(app, user)
    const username = `renamed${randomId().slice(0, 6).toLowerCase()}`
    const before = await storedUser(user.id)
    const audit = await auditFromNow(db)

    const response = await api(app, user).post('users.update', {
      userId: user.id,
      data: {
        name: 'New Name',
        username,
        email: `${username}@example.net`,
        password: 'new secret',
      },
    })

    assertReply(t, response, 200, { user: await fullView(user.id), success: true })
    t.match(response.json().user, {
      username,
      name: 'New Name',
      emails: [{ address: `${username}@example.net` }],
    })
    const after = await storedUser(user.id)
    t.not(after?.password_hash, before?.password_hash)
    t.ok((after?.updated_at ?? 0) > (before?.updated_at ?? 0), 'updated_at moved')
    t.equal((await login(app, username, 'new secret')).statusCode, 200, 'the new password works')
    t.equal((await login(app, username, TEST_PASSWORD)).statusCode, 401, 'the old one does not')
    const { room, messages } = await storedGroup(db, group._id)
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
    const user = await createTestUser(db)
    const other = await createTestUser(db)
    const stored = await snapshot(() => storedUser(other.id))
    const audit = await auditFromNow(db)

    const response = await api(app, user).post('users.update', {
      userId: other.id,
      data: { name: 'Hijacked' },
    })

    await assertRefused(
      t,
      response,
      400,
      refusal('error-action-not-allowed', 'Editing user is not allowed'),
      stored,
      audit,
    )
  })

  t.test('an admin changes another user, and sets their roles', async (t) => {
    const boss = await admin()
    const user = await createTestUser(db)
    const audit = await auditFromNow(db)

    const response = await api(app, boss).post('users.update', {
      userId: user.id,
      data: { name: 'Renamed By Admin', roles: ['user', 'bot', 'bot'] },
    })

    assertReply(t, response, 200, { user: await fullView(user.id), success: true })
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
    const user = await createTestUser(db)
    const audit = await auditFromNow(db)

    const promote = await api(app, user).post('users.update', {
      userId: user.id,
      data: { roles: ['user', 'admin'] },
    })
    assertReply(t, promote, 400, refusal('error-action-not-allowed', 'Assign roles is not allowed'))

    const same = await api(app, user).post('users.update', {
      userId: user.id,
      data: { roles: ['user'] },
    })
    t.equal(same.statusCode, 200)
    t.same(same.json().user.roles, ['user'])
    t.same(await audit.read(), [], 'no change, no audit row')
  })

  t.test('deactivating: admins only; it logs the user out', async (t) => {
    const boss = await admin()
    const user = await createTestUser(db)

    const self = await api(app, user).post('users.update', {
      userId: user.id,
      data: { active: false },
    })
    assertReply(t, self, 400, notAllowed)
    t.equal((await storedUser(user.id))?.active, true)

    const audit = await auditFromNow(db)
    const response = await api(app, boss).post('users.update', {
      userId: user.id,
      data: { active: false },
    })
    t.equal(response.statusCode, 200)
    t.equal(response.json().user.active, false)
    t.same(await tokensOf(user.id), [])
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
    const boss = await admin()
    const user = await createTestUser(db)
    const other = await createTestUser(db)
    const stored = await snapshot(() => storedUser(user.id))
    const audit = await auditFromNow(db)

    const cases: Array<[object, object]> = [
      [
        { username: 'with space' },
        refusal('error-input-is-not-a-valid-field', 'with space is not a valid username'),
      ],
      [
        { username: 'Here' },
        refusal('error-blocked-username', "Here is blocked and can't be used!"),
      ],
      [
        { username: other.username.toUpperCase() },
        refusal('error-field-unavailable', `${other.username.toUpperCase()} is already in use :(`),
      ],
      [
        { email: `${other.username}@EXAMPLE.com` },
        refusal('error-field-unavailable', `${other.username}@EXAMPLE.com is already in use :(`),
      ],
      [{ roles: ['user', 'owner'] }, refusal('error-invalid-role', 'Role owner does not exist')],
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
      assertReply(t, response, 400, invalidParams(message), message)
    }
    const unknown = await api(app, boss).post('users.update', { userId: 'no-such-user', data: {} })
    assertReply(t, unknown, 400, invalidUser)

    await assertUnchanged(t, stored, audit)
  })

  t.test('keeping one active admin', async (t) => {
    const boss = await admin()
    await onlyActiveAdmins(t, db, [boss])
    const audit = await auditFromNow(db)

    const deactivate = await api(app, boss).post('users.update', {
      userId: boss.id,
      data: { active: false },
    })
    assertReply(
      t,
      deactivate,
      400,
      refusal('error-action-not-allowed', 'Leaving the app without an active admin is not allowed'),
    )
    const demote = await api(app, boss).post('users.update', {
      userId: boss.id,
      data: { roles: ['user'] },
    })
    assertReply(
      t,
      demote,
      400,
      refusal('error-action-not-allowed', 'Leaving the app without admins is not allowed'),
    )
    t.same(await fullView(boss.id), {
      ...(await fullView(boss.id)),
      active: true,
      roles: ['admin', 'user'],
    })
    await assertUnchanged(t, audit)
  })

  t.test(
    'deactivating the only owner of a group with other members: user-last-owner',
    async (t) => {
      const boss = await admin()
      const { owner, group } = await ownedGroup(app, db)

      const response = await api(app, boss).post('users.update', {
        userId: owner.id,
        data: { active: false },
      })

      assertReply(
        t,
        response,
        400,
        refusal(
          'user-last-owner',
          `The user is the last owner of ${group.name}. Set new owners before deactivating the user.`,
        ),
      )
      t.equal((await storedUser(owner.id))?.active, true)
      t.equal((await tokensOf(owner.id)).length, 1)
    },
  )

  t.test('not logged in: 401', async (t) => {
    const user = await createTestUser(db)
    const response = await api(app, null).post('users.update', {
      userId: user.id,
      data: { name: 'x' },
    })
    assertReply(t, response, 401, notLoggedIn)
  })
})

t.test('users.delete', async (t) => {
  const app = await buildApp(t, db)

  t.test('removes the user, their memberships and tokens; groups count one less', async (t) => {
    const boss = await admin()
    const { owner, member: doomed, group: shared } = await ownedGroup(app, db)
    const solo = await createTestGroup(app, doomed)
    const sharedBefore = await storedGroup(db, shared._id)
    const soloBefore = await storedGroup(db, solo._id)
    const audit = await auditFromNow(db)

    const response = await api(app, boss).post('users.delete', { userId: doomed.id })

    assertReply(t, response, 200, { success: true })
    t.equal(await storedUser(doomed.id), undefined)
    t.same(await tokensOf(doomed.id), [])
    const sharedAfter = await storedGroup(db, shared._id)
    t.same(sharedAfter.members, [{ username: owner.username, roles: ['owner'] }])
    t.equal(sharedAfter.room?.users_count, 2 - 1)
    t.equal(sharedAfter.room?.msgs, sharedBefore.room?.msgs, 'messages stay')
    t.same(sharedAfter.messages, sharedBefore.messages)
    const soloAfter = await storedGroup(db, solo._id)
    t.same(soloAfter.members, [])
    t.equal(soloAfter.room?.users_count, 0)
    t.equal(soloAfter.room?.msgs, soloBefore.room?.msgs)
    const info = await api(app, owner).get('groups.info', { roomId: shared._id })
    t.same(info.json().group.usernames, [owner.username])
    const rows = await audit.read()
    const roomRows = rows.filter((row) => row.room_id !== null)
    t.same(
      roomRows.sort((a, b) => String(a.room_id).localeCompare(String(b.room_id))),
      [
        { room: shared._id, roles: [] },
        { room: solo._id, roles: ['owner'] },
      ]
        .map(({ room, roles }) => ({
          actor_id: boss.id,
          actor_username: boss.username,
          room_id: room,
          action: 'users.delete',
          before: { member: doomed.username, roles },
          after: null,
        }))
        .sort((a, b) => a.room_id.localeCompare(b.room_id)),
    )
    t.same(rows.at(-1), {
      actor_id: boss.id,
      actor_username: boss.username,
      room_id: null,
      action: 'users.delete',
      before: {
        userId: doomed.id,
        username: doomed.username,
        name: `Name of ${doomed.username}`,
        email: `${doomed.username}@example.com`,
        roles: ['user'],
        active: true,
      },
      after: null,
    })
    t.equal(rows.length, 3)
    const me = await api(app, doomed).get('me')
    t.equal(me.statusCode, 401)
    await assertInvariants(t, db)
  })

  t.test('the only owner of a group with other members: user-last-owner', async (t) => {
    const boss = await admin()
    const { owner, member, group: first } = await ownedGroup(app, db)
    const second = await createTestGroup(app, owner, [member])
    const audit = await auditFromNow(db)
    const before = [await storedGroup(db, first._id), await storedGroup(db, second._id)]

    const response = await api(app, boss).post('users.delete', { username: owner.username })

    t.equal(response.statusCode, 400)
    const names = [first.name, second.name].sort()
    t.same(
      response.json(),
      refusal(
        'user-last-owner',
        `The user is the last owner of ${names.join(', ')}. Set new owners before deleting the user.`,
      ),
    )
    t.ok(await storedUser(owner.id))
    t.same([await storedGroup(db, first._id), await storedGroup(db, second._id)], before)
    await assertUnchanged(t, audit)

    await setRoomRoles(db, first._id, member.id, ['owner'])
    await setRoomRoles(db, second._id, member.id, ['owner'])
    const withCoOwners = await api(app, boss).post('users.delete', { username: owner.username })
    t.equal(withCoOwners.statusCode, 200, 'with another owner everywhere, the user may go')
    t.same((await storedGroup(db, first._id)).members, [
      { username: member.username, roles: ['owner'] },
    ])
    await assertInvariants(t, db)
  })

  t.test('a deactivated user, by username', async (t) => {
    const boss = await admin()
    const gone = await createTestUser(db, { active: false })
    const response = await api(app, boss).post('users.delete', { username: gone.username })
    t.equal(response.statusCode, 200)
    t.equal(await storedUser(gone.id), undefined)
  })

  t.test('the last active admin: error-action-not-allowed', async (t) => {
    const boss = await admin()
    await onlyActiveAdmins(t, db, [boss])
    const audit = await auditFromNow(db)

    const response = await api(app, boss).post('users.delete', { userId: boss.id })

    assertReply(
      t,
      response,
      400,
      refusal('error-action-not-allowed', 'Leaving the app without admins is not allowed'),
    )
    t.ok(await storedUser(boss.id))
    await assertUnchanged(t, audit)
  })

  t.test('refusals: 403 without delete-user, unknown or missing user', async (t) => {
    const boss = await admin()
    const user = await createTestUser(db)
    const victim = await createTestUser(db)
    const audit = await auditFromNow(db)

    const forbidden = await api(app, user).post('users.delete', { userId: victim.id })
    assertReply(t, forbidden, 403, unauthorized)

    const unknown = await api(app, boss).post('users.delete', { userId: 'no-such-user' })
    assertReply(t, unknown, 400, invalidUser)

    const missing = await api(app, boss).post('users.delete', {})
    assertReply(t, missing, 400, userParamNotProvided)

    const anonymous = await api(app, null).post('users.delete', { userId: victim.id })
    assertReply(t, anonymous, 401, notLoggedIn)

    t.ok(await storedUser(victim.id))
    await assertUnchanged(t, audit)
  })
})

t.test('users.register', async (t) => {
  const registration = (username: string) => ({
    username,
    email: `${username}@example.org`,
    pass: 'a long secret',
    name: `Person ${username}`,
  })
  const fresh = () => `reg${randomId().slice(0, 8).toLowerCase()}`

  t.test('off by default: error-user-registration-disabled, nothing stored', async (t) => {
    const app = await buildApp(t, db)
    const body = registration(fresh())
    const audit = await auditFromNow(db)

    const response = await api(app, null).post('users.register', body)

    assertReply(
      t,
      response,
      400,
      refusal('error-user-registration-disabled', 'User registration is disabled'),
    )
    const stored = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', body.username)
      .execute()
    t.same(stored, [])
    await assertUnchanged(t, audit)
  })

  t.test('with ALLOW_REGISTRATION=true: an active user with the user role', async (t) => {
    const app = await buildApp(t, db, testConfig({ ALLOW_REGISTRATION: 'true' }))
    const body = registration(fresh())
    const audit = await auditFromNow(db)

    const response = await api(app, null).post('users.register', body)

    t.equal(response.statusCode, 200)
    const { user } = response.json()
    t.same(response.json(), { user: await fullView(user._id), success: true })
    t.match(user, {
      username: body.username,
      name: body.name,
      emails: [{ address: body.email, verified: false }],
      roles: ['user'],
      active: true,
    })
    const loggedIn = await login(app, body.username, body.pass)
    t.equal(loggedIn.statusCode, 200)
    t.same(await audit.read(), [
      {
        actor_id: user._id,
        actor_username: body.username,
        room_id: null,
        action: 'users.register',
        before: null,
        after: { userId: user._id, username: body.username, roles: ['user'] },
      },
    ])
  })

  t.test('refusals when on', async (t) => {
    const app = await buildApp(t, db, testConfig({ ALLOW_REGISTRATION: 'true' }))
    const existing = await createTestUser(db)

    const cases: Array<[object, object]> = [
      [
        registration(existing.username.toUpperCase()),
        { success: false, error: 'Username is already in use' },
      ],
      [
        { ...registration(fresh()), email: `${existing.username}@example.com` },
        refusal('error-field-unavailable', `${existing.username}@example.com is already in use :(`),
      ],
      [
        { ...registration(fresh()), username: 'bad name' },
        refusal('error-input-is-not-a-valid-field', 'bad name is not a valid username'),
      ],
      [registration('all'), refusal('error-blocked-username', "all is blocked and can't be used!")],
      [
        { ...registration(fresh()), pass: undefined },
        invalidParams("must have required property 'pass'"),
      ],
      [{ ...registration(fresh()), roles: ['admin'] }, invalidParams('roles is not allowed here')],
    ]
    const audit = await auditFromNow(db)
    for (const [payload, expected] of cases) {
      const response = await api(app, null).post('users.register', payload)
      assertReply(t, response, 400, expected, JSON.stringify(payload))
    }
    await assertUnchanged(t, audit)
  })
})

// On PGlite requests run one after another; on PostgreSQL these run truly at once.
t.test('deleting an owner while the other owner leaves never orphans the group', async (t) => {
  const app = await buildApp(t, db)
  const boss = await admin()
  for (let round = 0; round < 10; round++) {
    const doomed = await createTestUser(db)
    const leaving = await createTestUser(db)
    const member = await createTestUser(db)
    const group = await createTestGroup(app, doomed, [leaving, member])
    await setRoomRoles(db, group._id, leaving.id, ['owner'])

    const [deleted, left] = await Promise.all([
      api(app, boss).post('users.delete', { userId: doomed.id }),
      api(app, leaving).post('groups.leave', { roomId: group._id }),
    ])

    t.same(
      [deleted.statusCode, left.statusCode].sort(),
      [200, 400],
      `round ${round}: exactly one succeeds`,
    )
    const { members } = await storedGroup(db, group._id)
    t.equal(members.filter((m) => m.roles.includes('owner')).length, 1, `round ${round}: an owner`)
  }
  await assertInvariants(t, db)
})

t.test('two admins deleting each other at once leave one admin', async (t) => {
  const app = await buildApp(t, db)
  for (let round = 0; round < 10; round++) {
    const first = await admin()
    const second = await admin()
    await onlyActiveAdmins(t, db, [first, second])

    const responses = await Promise.all([
      api(app, first).post('users.delete', { userId: second.id }),
      api(app, second).post('users.delete', { userId: first.id }),
    ])

    const statuses = responses.map((response) => response.statusCode).sort()
    t.ok(
      statuses[0] === 200 && statuses[1] !== 200,
      `round ${round}: exactly one deletion succeeds (${statuses})`,
    )
    const left = await db
      .selectFrom('users')
      .select('id')
      .where('id', 'in', [first.id, second.id])
      .execute()
    t.equal(left.length, 1, `round ${round}: one admin is left`)
  }
})
