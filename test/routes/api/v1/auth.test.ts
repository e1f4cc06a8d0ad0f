import { createHash } from 'node:crypto'
import t from 'tap'
import { api, assertReply, fixture, refused } from '../../../helper.js'

const db = await fixture.testDatabase(t)

function sha256Base64(token: string) {
  return createHash('sha256').update(token).digest('base64')
}

/** The profile Rocket.Chat's clients expect for a user made by fixture.createTestUser. */
async function expectedProfile(user: fixture.TestUser) {
  const row = await db
    .selectFrom('users')
    .select(['created_at', 'updated_at'])
    .where('id', '=', user.id)
    .executeTakeFirstOrThrow()
  return {
    _id: user.id,
    username: user.username,
    name: `Name of ${user.username}`,
    emails: [{ address: `${user.username}@example.com`, verified: false }],
    roles: ['user'],
    active: true,
    status: 'offline',
    type: 'user',
    createdAt: row.created_at.toISOString(),
    _updatedAt: row.updated_at.toISOString(),
  }
}

async function storedTokens(userId: string) {
  return db.selectFrom('login_tokens').selectAll().where('user_id', '=', userId).execute()
}

async function setActive(userId: string, active: boolean) {
  await db.updateTable('users').set({ active }).where('id', '=', userId).execute()
  await fixture.loginChangesHeard(db)
}

const loginForms: Array<[string, (user: fixture.TestUser) => Record<string, string>]> = [
  ['user as a username', (user) => ({ user: user.username, password: fixture.TEST_PASSWORD })],
  [
    'user as an email',
    (user) => ({ user: `${user.username}@example.com`, password: fixture.TEST_PASSWORD }),
  ],
  ['username', (user) => ({ username: user.username, password: fixture.TEST_PASSWORD })],
  ['email', (user) => ({ email: `${user.username}@example.com`, password: fixture.TEST_PASSWORD })],
  [
    'username in another case',
    (user) => ({ username: user.username.toUpperCase(), password: fixture.TEST_PASSWORD }),
  ],
  [
    'email in another case',
    (user) => ({
      email: `${user.username}@EXAMPLE.com`.toUpperCase(),
      password: fixture.TEST_PASSWORD,
    }),
  ],
  [
    'user as an email in another case',
    (user) => ({
      user: `${user.username}@Example.COM`.toUpperCase(),
      password: fixture.TEST_PASSWORD,
    }),
  ],
]

for (const [form, body] of loginForms) {
  t.test(`login with ${form}: 200 with the user id, a new token and the profile`, async (t) => {
    const app = await fixture.buildApp(t, db)
    const user = await fixture.createTestUser(db)

    const response = await api(app).post('login', body(user))

    t.equal(response.statusCode, 200)
    const result = response.json()
    t.same(Object.keys(result).sort(), ['data', 'status', 'success'])
    t.equal(result.status, 'success')
    t.equal(result.success, true)
    t.same(Object.keys(result.data).sort(), ['authToken', 'me', 'userId'])
    t.equal(result.data.userId, user.id)
    t.match(result.data.authToken, /^[A-Za-z0-9_-]{43}$/)
    t.not(result.data.authToken, user.headers['x-auth-token'])
    t.same(result.data.me, await expectedProfile(user))
    t.equal(response.headers['cache-control'], 'no-store')
  })
}

t.test('the token a login returns works for GET /api/v1/me', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const { data } = (await fixture.login(app, user.username, fixture.TEST_PASSWORD)).json()

  const response = await api(app, {
    headers: { 'x-user-id': data.userId, 'x-auth-token': data.authToken },
  }).get('me')

  assertReply(t, response, 200, { ...(await expectedProfile(user)), success: true })
})

t.test('only the SHA-256 hash of a login token is stored, bound to its user', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const before = await storedTokens(user.id)

  const { data } = (
    await api(app).post('login', { username: user.username, password: fixture.TEST_PASSWORD })
  ).json()

  const after = await storedTokens(user.id)
  t.equal(after.length, before.length + 1)
  const added = after.filter((row) => !before.some((old) => old.hashed_token === row.hashed_token))
  t.equal(added.length, 1)
  t.equal(added[0]?.hashed_token, sha256Base64(data.authToken))
  t.equal(added[0]?.user_id, user.id)

  const everyToken = await db.selectFrom('login_tokens').selectAll().execute()
  t.notOk(
    JSON.stringify(everyToken).includes(data.authToken),
    'the plaintext token is nowhere in login_tokens',
  )
})

t.test('passwords are stored as argon2id hashes, never in clear', async (t) => {
  const user = await fixture.createTestUser(db)
  const row = await fixture.storedUser(db, user.id)
  t.match(row?.password_hash, /^\$argon2id\$/)
  t.notOk(row?.password_hash?.includes(fixture.TEST_PASSWORD))
})

t.test('login with resume: 200 with the same token and the profile', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const tokensBefore = await storedTokens(user.id)

  const response = await api(app).post('login', { resume: user.headers['x-auth-token'] })

  assertReply(t, response, 200, {
    status: 'success',
    data: {
      userId: user.id,
      authToken: user.headers['x-auth-token'],
      me: await expectedProfile(user),
    },
    success: true,
  })
  t.same(await storedTokens(user.id), tokensBefore, 'resuming stores no new token')
})

t.test('login with resume of an unknown or logged-out token: 401 Unauthorized', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  await api(app, user).post('logout')

  for (const resume of ['not-a-token', user.headers['x-auth-token']]) {
    const response = await api(app).post('login', { resume })
    assertReply(t, response, 401, refused.loginFailed)
  }
})

t.test('unknown user and wrong password get the identical 401 body', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const tokensBefore = await storedTokens(user.id)

  const unknown = await api(app).post('login', {
    user: `nobody-${user.username}`,
    password: fixture.TEST_PASSWORD,
  })
  const unknownEmail = await api(app).post('login', {
    email: `nobody-${user.username}@example.com`,
    password: fixture.TEST_PASSWORD,
  })
  const wrong = await api(app).post('login', {
    user: user.username,
    password: `${fixture.TEST_PASSWORD}!`,
  })

  for (const response of [unknown, unknownEmail, wrong]) {
    assertReply(t, response, 401, refused.loginFailed)
  }
  t.equal(unknown.body, wrong.body)
  t.same(await storedTokens(user.id), tokensBefore, 'no token is issued')
})

t.test('login without a password, or without a user: 401 Unauthorized', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)

  for (const body of [
    { user: user.username },
    { username: user.username },
    { email: `${user.username}@example.com` },
    { password: fixture.TEST_PASSWORD },
    {},
  ]) {
    const response = await api(app).post('login', body)
    assertReply(t, response, 401, refused.loginFailed, JSON.stringify(body))
  }
})

t.test('a deactivated user with the right password: 401 error-user-is-not-activated', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db, { active: false })
  const tokensBefore = await storedTokens(user.id)

  const response = await api(app).post('login', {
    user: user.username,
    password: fixture.TEST_PASSWORD,
  })

  assertReply(t, response, 401, {
    success: false,
    status: 'error',
    error: 'error-user-is-not-activated',
    message: 'User is not activated',
  })
  t.same(await storedTokens(user.id), tokensBefore, 'no token is issued')
})

t.test('a deactivated user with a wrong password looks like any failed login', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db, { active: false })

  const response = await api(app).post('login', { user: user.username, password: 'wrong' })

  assertReply(t, response, 401, refused.loginFailed)
})

t.test('a deactivated user: their existing token no longer works', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  t.equal((await api(app, user).get('me')).statusCode, 200)

  await setActive(user.id, false)

  const me = await api(app, user).get('me')
  assertReply(t, me, 401, refused.notLoggedIn)
  const resumed = await api(app).post('login', { resume: user.headers['x-auth-token'] })
  assertReply(t, resumed, 401, refused.loginFailed)
})

t.test('login with unknown keys or wrong types: 400 invalid-params', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)

  const unknownKey = await api(app).post('login', {
    user: user.username,
    password: fixture.TEST_PASSWORD,
    totp: '123456',
  })
  assertReply(t, unknownKey, 400, refused.invalidParams('totp is not allowed here'))

  const wrongType = await api(app).post('login', { user: user.username, password: 1234 })
  assertReply(t, wrongType, 400, refused.invalidParams('password must be string'))
})

t.test('logout: 200, and that token stops working', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)

  const response = await api(app, user).post('logout')

  assertReply(t, response, 200, {
    status: 'success',
    data: { message: "You've been logged out!" },
    success: true,
  })
  const me = await api(app, user).get('me')
  assertReply(t, me, 401, refused.notLoggedIn)
  const again = await api(app, user).post('logout')
  assertReply(t, again, 401, refused.notLoggedIn)
  t.notOk(
    (await storedTokens(user.id)).some(
      (row) => row.hashed_token === sha256Base64(user.headers['x-auth-token']),
    ),
    'the token is deleted',
  )
})

t.test('logout ends only that token: another token of the same user still works', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const { data } = (await fixture.login(app, user.username, fixture.TEST_PASSWORD)).json()
  const otherLogin = { headers: { 'x-user-id': user.id, 'x-auth-token': data.authToken } }

  const response = await api(app, otherLogin).post('logout')
  t.equal(response.statusCode, 200)

  t.equal((await api(app, otherLogin).get('me')).statusCode, 401)
  const me = await api(app, user).get('me')
  t.equal(me.statusCode, 200)
  t.equal(me.json()._id, user.id)
})

t.test('logout by one user leaves the tokens of other users alone', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const other = await fixture.createTestUser(db)

  await api(app, user).post('logout')

  t.equal((await api(app, other).get('me')).statusCode, 200)
})

t.test('logout without being logged in: 401', async (t) => {
  const app = await fixture.buildApp(t, db)

  const response = await api(app, null).post('logout')

  assertReply(t, response, 401, refused.notLoggedIn)
})

t.test('me: the caller profile with success true', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db, { roles: ['admin', 'user'] })

  const response = await api(app, user).get('me')

  assertReply(t, response, 200, {
    ...(await expectedProfile(user)),
    roles: ['admin', 'user'],
    success: true,
  })
  t.equal(response.headers['cache-control'], 'no-store')
})

t.test('me without a valid login: 401 with the not-logged-in body', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const other = await fixture.createTestUser(db)
  const cases: Array<[string, Record<string, string>]> = [
    ['no headers', {}],
    ['a wrong token', { 'x-user-id': user.id, 'x-auth-token': 'wrong-token' }],
    [
      "another user's id with this token",
      { 'x-user-id': other.id, 'x-auth-token': user.headers['x-auth-token'] },
    ],
    ['an unknown user id', { 'x-user-id': 'NoSuchUserId12345', 'x-auth-token': 'x' }],
    ['only the user id', { 'x-user-id': user.id }],
    ['only the token', { 'x-auth-token': user.headers['x-auth-token'] }],
    ['empty headers', { 'x-user-id': '', 'x-auth-token': '' }],
    [
      'the stored hash sent as the token',
      { 'x-user-id': user.id, 'x-auth-token': sha256Base64(user.headers['x-auth-token']) },
    ],
  ]

  for (const [name, headers] of cases) {
    const response = await api(app, { headers }).get('me')
    assertReply(t, response, 401, refused.notLoggedIn, name)
  }
})
