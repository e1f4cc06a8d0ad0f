import t from 'tap'
import { randomId } from '../../../../../domain/ids.js'
import { api, assertReply, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

t.test('users.info', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const other = await fixture.createTestUser(db, { roles: ['user', 'bot'] })
  const boss = await fixture.createAdmin(db)

  t.test('about oneself: the full record, never the password hash', async (t) => {
    const response = await api(app, user).get('users.info', { userId: user.id })
    assertReply(t, response, 200, { user: await fixture.fullView(db, user.id), success: true })
    t.notMatch(response.body, /password|argon2/)
  })

  t.test('about another user, by username in any case: the public fields', async (t) => {
    const response = await api(app, user).get('users.info', {
      username: other.username.toUpperCase(),
    })
    assertReply(t, response, 200, { user: await fixture.publicView(db, other.id), success: true })
  })

  t.test('to view-full-other-user-info: emails, roles and dates too', async (t) => {
    const response = await api(app, boss).get('users.info', { userId: other.id })
    assertReply(t, response, 200, { user: await fixture.fullView(db, other.id), success: true })
    t.same(response.json().user.roles, ['bot', 'user'])
    t.notMatch(response.body, /password|argon2/)
  })

  t.test('a deactivated user is still found', async (t) => {
    const gone = await fixture.createTestUser(db, { active: false })
    const response = await api(app, user).get('users.info', { userId: gone.id })
    t.equal(response.statusCode, 200)
    t.same(response.json().user, { ...(await fixture.publicView(db, gone.id)), active: false })
  })

  t.test('refusals', async (t) => {
    const none = await api(app, user).get('users.info')
    assertReply(t, none, 400, refused.userParamNotProvided)

    const unknown = await api(app, user).get('users.info', { username: 'nobody-at-all' })
    assertReply(t, unknown, 400, { success: false, error: 'User not found.' })

    const anonymous = await api(app, null).get('users.info', { userId: user.id })
    assertReply(t, anonymous, 401, refused.notLoggedIn)
  })
})

t.test('users.list', async (t) => {
  const app = await fixture.buildApp(t, db)
  const viewer = await fixture.createTestUser(db)
  const boss = await fixture.createAdmin(db)
  const prefix = `lst${randomId().slice(0, 6).toLowerCase()}`
  // Names and usernames sort the same way in every collation: lowercase letters and digits.
  const carol = await fixture.createTestUser(db, { username: `${prefix}c` })
  const alice = await fixture.createTestUser(db, { username: `${prefix}a` })
  const bob = await fixture.createTestUser(db, { username: `${prefix}b`, active: false })
  await db.updateTable('users').set({ name: 'zed' }).where('id', '=', alice.id).execute()
  await db.updateTable('users').set({ name: 'yan' }).where('id', '=', bob.id).execute()
  await db.updateTable('users').set({ name: 'xia' }).where('id', '=', carol.id).execute()
  const ours = JSON.stringify({ username: { $regex: `^${prefix}` } })
  const list = (user: fixture.TestUser | null, query: Record<string, string>) =>
    api(app, user).get('users.list', query)

  t.test('to anyone logged in: public fields, by username, with count/offset/total', async (t) => {
    const response = await list(viewer, { query: ours })
    assertReply(t, response, 200, {
      users: [
        await fixture.publicView(db, alice.id),
        await fixture.publicView(db, bob.id),
        await fixture.publicView(db, carol.id),
      ],
      count: 3,
      offset: 0,
      total: 3,
      success: true,
    })
  })

  t.test('to view-full-other-user-info: the full records', async (t) => {
    const response = await list(boss, { query: ours, count: '1', offset: '1' })
    assertReply(t, response, 200, {
      users: [await fixture.fullView(db, bob.id)],
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
      assertReply(t, response, 400, refused.invalidSort(sort), sort)
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
      assertReply(t, response, 400, refused.invalidQuery(query), query)
    }
  })

  t.test('not logged in: 401', async (t) => {
    const response = await list(null, {})
    assertReply(t, response, 401, refused.notLoggedIn)
  })
})
