import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { api, assertReply, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

let counter = 0

/** A users.create body with a username and email no other test uses. */
function newUserBody(overrides: Record<string, unknown> = {}) {
  counter += 1
  const username = `new${counter}-${randomUUID().slice(0, 8)}`
  return {
    email: `${username}@example.org`,
    name: `New User ${counter}`,
    password: `secret ${randomUUID()}`,
    username,
    ...overrides,
  }
}

async function usersNamed(username: string) {
  return db
    .selectFrom('users')
    .select(['id', 'username'])
    .where(sql`lower(username)`, '=', username.toLowerCase())
    .execute()
}

async function usersWithEmail(email: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email'])
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .execute()
}

t.test('an admin creates a user: 200 with the new user, who gets the user role', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const body = newUserBody()

  const response = await api(app, admin).post('users.create', body)

  t.equal(response.statusCode, 200)
  const result = response.json()
  t.same(Object.keys(result).sort(), ['success', 'user'])
  t.equal(result.success, true)
  const stored = await db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', body.username)
    .executeTakeFirstOrThrow()
  t.same(result.user, {
    _id: stored.id,
    username: body.username,
    name: body.name,
    emails: [{ address: body.email, verified: false }],
    roles: ['user'],
    active: true,
    status: 'offline',
    type: 'user',
    createdAt: stored.created_at.toISOString(),
    _updatedAt: stored.updated_at.toISOString(),
  })
  t.match(result.user.createdAt, fixture.ISO_TIMESTAMP)
  t.match(result.user._id, /^[23456789A-Za-z]{17}$/)
  t.equal(stored.email, body.email)
  t.equal(stored.active, true)
  t.match(stored.password_hash, /^\$argon2id\$/)
  t.notOk(stored.password_hash?.includes(body.password), 'the password is not stored in clear')
  t.same(await fixture.storedUserRoles(db, stored.id), ['user'])
})

t.test('the created user can log in with the password given', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const body = newUserBody()
  const created = (await api(app, admin).post('users.create', body)).json().user

  const response = await api(app, null).post('login', {
    user: body.username,
    password: body.password,
  })

  t.equal(response.statusCode, 200)
  const { data } = response.json()
  t.equal(data.userId, created._id)
  t.same(data.me, created)
  const me = await api(app, {
    headers: { 'x-user-id': data.userId, 'x-auth-token': data.authToken },
  }).get('me')
  t.equal(me.statusCode, 200)
  t.equal(me.json().username, body.username)
})

t.test('roles and active are honoured', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const body = newUserBody({ roles: ['bot', 'user'], active: false })

  const response = await api(app, admin).post('users.create', body)

  t.equal(response.statusCode, 200)
  const { user } = response.json()
  t.same(user.roles, ['bot', 'user'])
  t.equal(user.active, false)
  t.same(await fixture.storedUserRoles(db, user._id), ['bot', 'user'])

  const login = await api(app, null).post('login', {
    username: body.username,
    password: body.password,
  })
  t.equal(login.statusCode, 401, 'an inactive user cannot log in')
  t.equal(login.json().error, 'error-user-is-not-activated')
})

t.test('an admin can create another admin', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const body = newUserBody({ roles: ['admin'] })

  const response = await api(app, admin).post('users.create', body)

  t.equal(response.statusCode, 200)
  t.same(response.json().user.roles, ['admin'])
})

t.test('a user without create-user: 400 error-action-not-allowed, nothing stored', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const body = newUserBody()

  const response = await api(app, user).post('users.create', body)

  assertReply(
    t,
    response,
    400,
    refused.as('error-action-not-allowed', 'Adding user is not allowed'),
  )
  t.same(await usersNamed(body.username), [])
})

t.test('not logged in: 401, nothing stored', async (t) => {
  const app = await fixture.buildApp(t, db)
  const body = newUserBody()

  const response = await api(app, null).post('users.create', body)

  assertReply(t, response, 401, refused.notLoggedIn)
  t.same(await usersNamed(body.username), [])
})

t.test('a username outside [0-9a-zA-Z-_.]: error-input-is-not-a-valid-field', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)

  for (const username of ['with space', 'émile', 'a@b', 'semi;colon', 'slash/name']) {
    const body = newUserBody({ username })
    const response = await api(app, admin).post('users.create', body)
    assertReply(
      t,
      response,
      400,
      refused.as('error-input-is-not-a-valid-field', `${username} is not a valid username`),
      username,
    )
    t.same(await usersWithEmail(body.email), [], 'nothing stored')
  }
})

t.test('the blocked usernames all and here: error-blocked-username', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)

  for (const username of ['all', 'here', 'ALL', 'Here']) {
    const body = newUserBody({ username })
    const response = await api(app, admin).post('users.create', body)
    assertReply(
      t,
      response,
      400,
      refused.as('error-blocked-username', `${username} is blocked and can't be used!`),
      username,
    )
    t.same(await usersNamed(username), [], 'nothing stored')
  }
})

t.test('a taken username, in any case: error-field-unavailable', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const existing = await fixture.createTestUser(db)
  const taken = existing.username.toUpperCase()
  const body = newUserBody({ username: taken })

  const response = await api(app, admin).post('users.create', body)

  assertReply(
    t,
    response,
    400,
    refused.as('error-field-unavailable', `${taken} is already in use :(`),
  )
  t.same(await usersNamed(existing.username), [{ id: existing.id, username: existing.username }])
  t.same(await usersWithEmail(body.email), [])
})

t.test('a taken email, in any case: error-field-unavailable', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const existing = await fixture.createTestUser(db)
  const email = `${existing.username}@EXAMPLE.COM`
  const body = newUserBody({ email })

  const response = await api(app, admin).post('users.create', body)

  assertReply(
    t,
    response,
    400,
    refused.as('error-field-unavailable', `${email} is already in use :(`),
  )
  t.same(await usersNamed(body.username), [])
})

t.test('a username created through the API is taken for the next create', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const first = newUserBody()
  t.equal((await api(app, admin).post('users.create', first)).statusCode, 200)

  const again = await api(app, admin).post(
    'users.create',
    newUserBody({ username: first.username }),
  )

  assertReply(
    t,
    again,
    400,
    refused.as('error-field-unavailable', `${first.username} is already in use :(`),
  )
  t.equal((await usersNamed(first.username)).length, 1)
})

t.test('an unknown role, or a room role, is refused and nothing is stored', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)

  for (const role of ['superuser', 'owner']) {
    const body = newUserBody({ roles: ['user', role] })
    const response = await api(app, admin).post('users.create', body)
    assertReply(
      t,
      response,
      400,
      refused.as('error-invalid-role', `Role ${role} does not exist`),
      role,
    )
    t.same(await usersNamed(body.username), [])
  }
})

t.test('a missing required field: 400 invalid-params, nothing stored', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)

  for (const field of ['email', 'name', 'password', 'username'] as const) {
    const body: Record<string, unknown> = newUserBody()
    delete body[field]
    const response = await api(app, admin).post('users.create', body)
    assertReply(
      t,
      response,
      400,
      {
        success: false,
        error: `must have required property '${field}' [invalid-params]`,
        errorType: 'invalid-params',
      },
      field,
    )
    if (typeof body.username === 'string') t.same(await usersNamed(body.username), [])
    if (typeof body.email === 'string') t.same(await usersWithEmail(body.email), [])
  }
})

t.test('unknown keys: 400 invalid-params, nothing stored', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const body = newUserBody({ isAdmin: true })

  const response = await api(app, admin).post('users.create', body)

  assertReply(t, response, 400, refused.invalidParams('isAdmin is not allowed here'))
  t.same(await usersNamed(body.username), [])
})

t.test('a malformed email: 400 invalid-params, nothing stored', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)
  const body = newUserBody({ email: 'not-an-email' })

  const response = await api(app, admin).post('users.create', body)

  assertReply(t, response, 400, refused.invalidParams('email must match format "email"'))
  t.same(await usersNamed(body.username), [])
})

t.test('wrong types are refused, not coerced: 400 invalid-params', async (t) => {
  const { app, admin } = await fixture.appWithAdmin(t, db)

  const cases: Array<[Record<string, unknown>, string]> = [
    [newUserBody({ active: 'false' }), 'active must be boolean'],
    [newUserBody({ roles: 'admin' }), 'roles must be array'],
    [newUserBody({ name: 42 }), 'name must be string'],
  ]
  for (const [body, message] of cases) {
    const response = await api(app, admin).post('users.create', body)
    assertReply(t, response, 400, refused.invalidParams(message), message)
    t.same(await usersNamed(String(body.username)), [])
  }
})
