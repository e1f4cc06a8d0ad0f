import { readFileSync } from 'node:fs'
import type { LightMyRequestResponse } from 'fastify'
import { PostgresDialect } from 'kysely'
import pg from 'pg'
import t, { type Test } from 'tap'
import { Db } from '../db/database.js'
import { ensureAdmin } from '../domain/users/create.js'
import {
  brokenDatabaseConfig,
  buildApp,
  createTestUser,
  projectFile,
  refused,
  storedUser,
  testConfig,
  testDatabase,
  userIdsNamed,
} from './helper.js'

const db = await testDatabase(t)

const manifest = JSON.parse(readFileSync(projectFile('package.json'), 'utf8'))
const majorMinor = (manifest.version as string).split('.').slice(0, 2).join('.')

/** Anything that would give away the server's internals: a stack frame or a stack property. */
function assertNoInternals(t: Test, response: LightMyRequestResponse) {
  t.notMatch(response.body, /"stack"|\n\s+at |\.ts:\d+|\.js:\d+|node_modules/, 'no stack trace')
}

// First start means no admin yet: this test runs first, and no other test in this file makes an
// admin, so what ensureAdmin does cannot be hidden by an admin that already exists.
t.test('first start: ensureAdmin creates the configured admin once', async (t) => {
  const app = await buildApp(t, db)
  const admin = {
    username: 'firstadmin',
    password: 'first start password',
    email: 'firstadmin@example.net',
    name: 'First Admin',
  }
  const admins = () =>
    db
      .selectFrom('user_roles')
      .innerJoin('users', 'users.id', 'user_roles.user_id')
      .select('users.username')
      .where('role_id', '=', 'admin')
      .execute()

  t.same(await admins(), [], 'no admin yet')

  t.equal(await ensureAdmin(db, { ...admin, password: '' }), undefined)
  t.same(await userIdsNamed(db, admin.username), [], 'without a password no user is created')

  const created = await ensureAdmin(db, admin)

  t.match(created, {
    username: 'firstadmin',
    name: 'First Admin',
    emails: [{ address: 'firstadmin@example.net', verified: false }],
    roles: ['admin', 'user'],
    active: true,
  })
  t.same(await admins(), [{ username: 'firstadmin' }])
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { user: admin.username, password: admin.password },
  })
  t.equal(login.statusCode, 200)
  const { data } = login.json()
  t.equal(data.userId, created?._id)
  t.same(data.me.roles, ['admin', 'user'])
  t.match((await storedUser(db, data.userId))?.password_hash, /^\$argon2id\$/)

  const createsUsers = await app.inject({
    method: 'POST',
    url: '/api/v1/users.create',
    headers: { 'x-user-id': data.userId, 'x-auth-token': data.authToken },
    payload: {
      email: 'made-by-first-admin@example.net',
      name: 'Made By Admin',
      password: 'another password',
      username: 'made-by-first-admin',
    },
  })
  t.equal(createsUsers.statusCode, 200, 'the admin holds create-user')

  t.equal(await ensureAdmin(db, { ...admin, username: 'secondadmin' }), undefined)
  t.same(await admins(), [{ username: 'firstadmin' }], 'a second call creates nothing')
})

t.test('GET /api/info answers without a login', async (t) => {
  const app = await buildApp(t, db)

  const response = await app.inject({ method: 'GET', url: '/api/info' })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { version: majorMinor, success: true })
  t.match(response.headers['content-type'], /^application\/json/)
  t.equal(response.headers['cache-control'], 'no-store')
})

t.test('JSON responses carry Cache-Control: no-store, refusals included', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  const responses = [
    await app.inject({ method: 'GET', url: '/api/v1/me', headers: user.headers }),
    await app.inject({ method: 'GET', url: '/api/v1/me' }),
    await app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { user: 'x', password: 'y' },
    }),
    await app.inject({ method: 'GET', url: '/api/v1/no-such-endpoint' }),
  ]

  t.same(
    responses.map((response) => response.statusCode),
    [200, 401, 401, 404],
  )
  for (const response of responses) {
    t.match(response.headers['content-type'], /^application\/json/)
    t.equal(response.headers['cache-control'], 'no-store')
  }
})

t.test('an unknown route: 404 error-not-found envelope', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  for (const [method, url] of [
    ['GET', '/api/v1/groups.nothing'],
    ['POST', '/api/v1/groups.nothing'],
    ['GET', '/nowhere'],
  ] as const) {
    const response = await app.inject({ method, url, headers: user.headers })
    t.equal(response.statusCode, 404, `${method} ${url}`)
    t.same(response.json(), {
      success: false,
      error: 'API endpoint not found [error-not-found]',
      errorType: 'error-not-found',
    })
  }
})

t.test('a method an endpoint does not take: 404, saying which it takes', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  for (const [method, url, expected] of [
    ['GET', '/api/v1/groups.leave', 'use POST for groups.leave'],
    ['DELETE', '/api/v1/login', 'use POST for login'],
    ['POST', '/api/v1/groups.info?roomId=x', 'use GET for groups.info'],
    ['PUT', '/api/info', 'use GET for /api/info'],
  ] as const) {
    const response = await app.inject({ method, url, headers: user.headers })
    t.equal(response.statusCode, 404, `${method} ${url}`)
    t.same(response.json(), {
      success: false,
      error: `API endpoint not found: ${expected} [error-not-found]`,
      errorType: 'error-not-found',
    })
  }
})

t.test('schema refusals name the parameter at fault', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const invalid = (message: string) => ({
    success: false,
    error: `${message} [invalid-params]`,
    errorType: 'invalid-params',
  })

  for (const [payload, expected] of [
    [{ room: 'abc' }, 'room is not allowed here'],
    [{ roomId: 5 }, 'roomId must be string'],
    [[], 'body must be object'],
    ['"text"', 'body must be object'],
  ] as const) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/groups.leave',
      headers: { ...user.headers, 'content-type': 'application/json' },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    })
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.same(response.json(), invalid(expected))
  }
})

t.test('malformed JSON: 400 invalid-params envelope', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  for (const [url, headers] of [
    ['/api/v1/login', {}],
    ['/api/v1/groups.create', user.headers],
  ] as const) {
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{"user": "x", ',
    })
    t.equal(response.statusCode, 400, url)
    t.same(response.json(), refused.invalidParams('Body is not valid JSON'))
    assertNoInternals(t, response)
  }
})

t.test('an empty body declared as JSON is read as {}', async (t) => {
  const app = await buildApp(t, db)
  const send = (payload: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/login',
      headers: { 'content-type': 'application/json' },
      payload,
    })

  const empty = await send('')
  const braces = await send('{}')

  t.equal(empty.statusCode, braces.statusCode)
  t.same(empty.json(), braces.json())
})

t.test('a body that is not JSON: 415 envelope', async (t) => {
  const app = await buildApp(t, db)

  for (const contentType of ['application/x-www-form-urlencoded', 'text/xml']) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/login',
      headers: { 'content-type': contentType },
      payload: 'user=admin&password=secret',
    })
    t.equal(response.statusCode, 415, contentType)
    t.same(
      response.json(),
      refused.as('error-unsupported-media-type', 'Unsupported content type; send application/json'),
    )
    assertNoInternals(t, response)
  }
})

t.test('a body over BODY_LIMIT: 413 envelope; one under it is read', async (t) => {
  const app = await buildApp(t, db, testConfig({ BODY_LIMIT: '2048' }))

  const tooLarge = await app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { user: 'someone', password: 'x'.repeat(3000) },
  })
  t.equal(tooLarge.statusCode, 413)
  t.same(tooLarge.json(), {
    success: false,
    error: 'Request body is too large [error-payload-too-large]',
    errorType: 'error-payload-too-large',
  })
  assertNoInternals(t, tooLarge)

  const fits = await app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { user: 'someone', password: 'x'.repeat(1000) },
  })
  t.equal(fits.statusCode, 401, 'a body under the limit reaches the login check')
})

t.test('an unexpected failure: 500 with no detail of the cause', async (t) => {
  const secret = 'connection to secret-host.internal:5432 failed'
  const broken = new Db({
    dialect: new PostgresDialect({ pool: new pg.Pool() }),
    plugins: [
      {
        transformQuery() {
          throw new Error(secret)
        },
        async transformResult(args) {
          return args.result
        },
      },
    ],
  })
  const app = await buildApp(t, broken, brokenDatabaseConfig())
  const user = await createTestUser(db)

  const response = await app.inject({ method: 'GET', url: '/api/v1/me', headers: user.headers })

  t.equal(response.statusCode, 500)
  t.same(response.json(), { success: false, error: 'Internal server error' })
  t.notMatch(response.body, /secret-host/)
  assertNoInternals(t, response)
})

t.test('schema refusals carry no stack trace', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)

  const responses = [
    await app.inject({ method: 'POST', url: '/api/v1/login', payload: { user: 1 } }),
    await app.inject({
      method: 'POST',
      url: '/api/v1/groups.create',
      headers: user.headers,
      payload: { name: 'x', members: 'not-a-list' },
    }),
    await app.inject({
      method: 'GET',
      url: '/api/v1/groups.members?count=abc',
      headers: user.headers,
    }),
  ]

  for (const response of responses) {
    t.equal(response.statusCode, 400)
    t.equal(response.json().errorType, 'invalid-params')
    assertNoInternals(t, response)
  }
})
