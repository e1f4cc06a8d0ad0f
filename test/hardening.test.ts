import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import app from '../app.js'
import type { Config } from '../config.js'
import type { Db } from '../db/database.js'
import { serverOptions } from '../server-options.js'
import {
  api,
  buildApp,
  createTestUser,
  groupName,
  TEST_PASSWORD,
  testConfig,
  testDatabase,
} from './helper.js'

const db = await testDatabase(t)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The app with its log lines kept in memory, at the most talkative level. */
async function buildLoggedApp(t: Test, database: Db, config: Config = testConfig()) {
  const lines: string[] = []
  const logged = { ...config, LOG_LEVEL: 'trace' as const }
  const server = Fastify(
    serverOptions(logged, { write: (line) => lines.push(line) }),
  ).withTypeProvider<TypeBoxTypeProvider>()
  await server.register(app, { config: logged, db: database })
  await server.ready()
  t.teardown(() => server.close())
  return { app: server as unknown as FastifyInstance, lines }
}

const logEntries = (lines: string[]) => lines.map((line) => JSON.parse(line))

/** Anything that would give away the server's internals. */
function assertNoInternals(t: Test, response: LightMyRequestResponse) {
  t.notMatch(response.body, /"stack"|\n\s+at |\.ts:\d+|\.js:\d+|node_modules/, 'no stack trace')
  t.notMatch(response.body, /\b(select|insert|update|delete|from|where)\b/i, 'no SQL')
  t.notMatch(response.body, /relation|column|does not exist|syntax error|42P01/i, 'no SQL error')
}

t.test('JSON answers carry security headers for an API', async (t) => {
  const server = await buildApp(t, db)
  const user = await createTestUser(db)
  const answers = [
    await server.inject({ method: 'GET', url: '/api/info' }),
    await server.inject({ method: 'GET', url: '/api/v1/me', headers: user.headers }),
    await server.inject({ method: 'GET', url: '/api/v1/me' }),
    await server.inject({ method: 'GET', url: '/api/v1/no.such.endpoint' }),
  ]
  t.same(
    answers.map((response) => response.statusCode),
    [200, 200, 401, 404],
  )
  for (const response of answers) {
    t.match(response.headers, {
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'strict-transport-security': /^max-age=\d+/,
      'referrer-policy': 'no-referrer',
      'cross-origin-resource-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'x-dns-prefetch-control': 'off',
      'cache-control': 'no-store',
    })
    t.notOk(response.headers['x-powered-by'])
    t.notOk(response.headers['access-control-allow-origin'], 'no CORS unless configured')
  }
})

t.test('the documentation page gets a policy that lets it run', async (t) => {
  const server = await buildApp(t, db)
  let page = await server.inject({ method: 'GET', url: '/api/docs' })
  if (page.statusCode === 302) {
    const target = new URL(String(page.headers.location), 'http://localhost/api/docs')
    page = await server.inject({ method: 'GET', url: target.pathname })
  }
  t.equal(page.statusCode, 200)
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, /default-src 'self'/)
  t.match(csp, /script-src 'self'/)
  t.match(csp, /style-src 'self' https: 'unsafe-inline'/)
  t.match(csp, /img-src 'self' data:/)
  t.notMatch(csp, /upgrade-insecure-requests/, 'the page also works over plain HTTP')
  t.equal(page.headers['x-frame-options'], 'SAMEORIGIN')

  const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1])
  t.ok(scripts.length > 0, 'the page loads its scripts from the server itself')
  for (const script of scripts) {
    const url = new URL(String(script), 'http://localhost/api/docs/')
    t.notOk(/^https?:/.test(String(script)) && url.host !== 'localhost', `${script} is local`)
    const response = await server.inject({ method: 'GET', url: url.pathname })
    t.equal(response.statusCode, 200, `${url.pathname} loads`)
  }
  t.equal((await server.inject({ method: 'GET', url: '/api/docs/json' })).statusCode, 200)
})

t.test('CORS is off unless CORS_ORIGIN is set', async (t) => {
  const server = await buildApp(t, db)
  const preflight = await server.inject({
    method: 'OPTIONS',
    url: '/api/v1/me',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
  })
  t.equal(preflight.statusCode, 404)
  t.same(preflight.json(), {
    success: false,
    error: 'API endpoint not found: use GET for me [error-not-found]',
    errorType: 'error-not-found',
  })
  t.notOk(preflight.headers['access-control-allow-origin'])
  const get = await server.inject({
    method: 'GET',
    url: '/api/info',
    headers: { origin: 'https://app.example' },
  })
  t.notOk(get.headers['access-control-allow-origin'])
})

t.test('with CORS_ORIGIN, only the origins it names are allowed', async (t) => {
  const server = await buildApp(
    t,
    db,
    testConfig({ CORS_ORIGIN: 'https://app.example, https://admin.example' }),
  )
  const user = await createTestUser(db)
  const preflight = await server.inject({
    method: 'OPTIONS',
    url: '/api/v1/groups.create',
    headers: {
      origin: 'https://admin.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-user-id,x-auth-token',
    },
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'https://admin.example')
  t.equal(preflight.headers['access-control-allow-methods'], 'GET, POST')
  t.match(String(preflight.headers['access-control-allow-headers']), /X-Auth-Token/)

  const get = await server.inject({
    method: 'GET',
    url: '/api/v1/me',
    headers: { ...user.headers, origin: 'https://app.example' },
  })
  t.equal(get.statusCode, 200)
  t.equal(get.headers['access-control-allow-origin'], 'https://app.example')
  t.match(String(get.headers['access-control-expose-headers']), /X-RateLimit-Reset/)

  const stranger = await server.inject({
    method: 'GET',
    url: '/api/info',
    headers: { origin: 'https://evil.example' },
  })
  t.notOk(stranger.headers['access-control-allow-origin'], 'an unnamed origin is not allowed')
})

t.test('server limits: body size and timeouts are set', async (t) => {
  const server = await buildApp(t, db, testConfig({ BODY_LIMIT: '2048' }))
  const user = await createTestUser(db)
  const tooLarge = await server.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: user.headers,
    payload: { name: groupName(), members: ['x'.repeat(4096)] },
  })
  t.equal(tooLarge.statusCode, 413)
  t.same(tooLarge.json(), {
    success: false,
    error: 'Request body is too large [error-payload-too-large]',
    errorType: 'error-payload-too-large',
  })
  t.match(server.initialConfig, {
    bodyLimit: 2048,
    requestTimeout: 30_000,
    connectionTimeout: 75_000,
    keepAliveTimeout: 65_000,
  })
})

t.test('no answer gives away a stack trace or SQL', async (t) => {
  const { app: server, lines } = await buildLoggedApp(t, db)
  const user = await createTestUser(db)
  const hostile: Record<string, string>[] = [
    { roomName: "x' or 1=1 --" },
    { roomName: 'x"; drop table rooms; --' },
    { roomId: '__proto__' },
    { roomName: 'r\u00f6\u00f6m-\u{1f4a5}' },
    { roomId: 'a'.repeat(5000) },
  ]
  for (const query of hostile) {
    const response = await server.inject({
      method: 'GET',
      url: '/api/v1/groups.info',
      headers: user.headers,
      query,
    })
    t.ok(response.statusCode >= 400 && response.statusCode < 500, `${response.statusCode}`)
    t.equal(response.json().success, false)
    assertNoInternals(t, response)
  }
  const badJson = await server.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: { ...user.headers, 'content-type': 'application/json' },
    payload: '{"name": "x",',
  })
  t.equal(badJson.statusCode, 400)
  assertNoInternals(t, badJson)

  // A broken schema makes every query on the table fail: the client learns nothing of it.
  await sql`alter table rooms rename to rooms_hidden`.execute(db)
  t.teardown(() => sql`alter table rooms_hidden rename to rooms`.execute(db))
  const failed = await server.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: { ...user.headers, 'x-request-id': 'broken-schema-1' },
  })
  t.equal(failed.statusCode, 500)
  t.same(failed.json(), { success: false, error: 'Internal server error' })
  assertNoInternals(t, failed)
  const logged = logEntries(lines).find(
    (entry) => entry.reqId === 'broken-schema-1' && entry.level === 50,
  )
  t.match(logged, { msg: 'request failed', err: { message: /rooms/ } }, 'the log has the details')
})

t.test('request ids: kept from X-Request-Id when plain, echoed and logged', async (t) => {
  const { app: server, lines } = await buildLoggedApp(t, db)
  const send = (headers: Record<string, string> = {}) =>
    server.inject({ method: 'GET', url: '/api/info', headers })

  const given = await send({ 'x-request-id': 'client-req.42:a_b' })
  t.equal(given.headers['x-request-id'], 'client-req.42:a_b')

  const generated = await send()
  t.match(generated.headers['x-request-id'], UUID)
  const another = await send()
  t.not(another.headers['x-request-id'], generated.headers['x-request-id'])

  for (const forged of ['two words', 'x'.repeat(129), 'line\\nbreak', '{"level":60}']) {
    const response = await send({ 'x-request-id': forged })
    t.match(response.headers['x-request-id'], UUID, `${forged.slice(0, 20)} is replaced`)
  }

  const entries = logEntries(lines)
  for (const id of ['client-req.42:a_b', generated.headers['x-request-id']]) {
    const mine = entries.filter((entry) => entry.reqId === id)
    t.same(
      mine.map((entry) => entry.msg),
      ['incoming request', 'request completed'],
      `the log lines of ${id} carry it`,
    )
  }
})

t.test('passwords and tokens never reach the log', async (t) => {
  const { app: server, lines } = await buildLoggedApp(t, db)
  const user = await createTestUser(db)
  const wrongPassword = 'Wr0ng-pa55word-for-the-log-test'

  const login = await server.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { user: user.username, password: TEST_PASSWORD },
  })
  t.equal(login.statusCode, 200)
  const { userId, authToken } = login.json().data
  const headers = { 'x-user-id': userId, 'x-auth-token': authToken }

  const created = await server.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers,
    payload: { name: groupName() },
  })
  t.equal(created.statusCode, 200)
  t.equal((await server.inject({ method: 'GET', url: '/api/v1/me', headers })).statusCode, 200)
  const resumed = await server.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { resume: user.headers['x-auth-token'] },
  })
  t.equal(resumed.statusCode, 200)
  const wrong = await server.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { user: user.username, password: wrongPassword },
  })
  t.equal(wrong.statusCode, 401)
  const badToken = await server.inject({
    method: 'GET',
    url: '/api/v1/me',
    headers: { 'x-user-id': userId, 'x-auth-token': `${authToken}-forged` },
  })
  t.equal(badToken.statusCode, 401)
  const badJson = await server.inject({
    method: 'POST',
    url: '/api/v1/login',
    headers: { 'content-type': 'application/json' },
    payload: `{"user":"${user.username}","password":"${wrongPassword}"`,
  })
  t.equal(badJson.statusCode, 400)
  t.equal((await server.inject({ method: 'POST', url: '/api/v1/logout', headers })).statusCode, 200)

  const log = lines.join('')
  t.ok(lines.length >= 16, `the requests were logged (${lines.length} lines)`)
  t.equal(
    logEntries(lines).filter((entry) => entry.msg === 'incoming request').length,
    8,
    'every request was logged',
  )
  for (const [what, secret] of [
    ['the password', TEST_PASSWORD],
    ['a wrong password', wrongPassword],
    ['the token from login', authToken],
    ['the token sent to resume', user.headers['x-auth-token']],
  ] as const) {
    t.notOk(log.includes(secret), `${what} is not in the log`)
  }
})

t.test('an event-stream ticket in a query string never reaches the log', async (t) => {
  const { app: server, lines } = await buildLoggedApp(t, db)
  const user = await createTestUser(db)
  const issued = await api(server, user).post('events.ticket')
  t.equal(issued.statusCode, 200)
  const { ticket } = issued.json()
  // Refused before the ticket is used, so it would still open a stream.
  const refused = await server.inject({
    method: 'GET',
    url: `/api/v1/events?lastEventId=${'1'.repeat(1025)}&ticket=${ticket}`,
  })
  t.equal(refused.statusCode, 400)
  const requests = logEntries(lines).filter((entry) => entry.msg === 'incoming request')
  t.match(requests.at(-1)?.req, { url: /^\/api\/v1\/events\?lastEventId=1+&ticket=\[redacted\]$/ })
  t.notOk(lines.join('').includes(ticket), 'the ticket is not in the log')
})

t.test('credentials handed to a log call are redacted', async (t) => {
  const { app: server, lines } = await buildLoggedApp(t, db)
  server.log.warn(
    {
      password: 'secret-1',
      authToken: 'secret-2',
      body: { user: 'someone', password: 'secret-3', resume: 'secret-4' },
      headers: { 'x-user-id': 'abc', 'x-auth-token': 'secret-5' },
      data: { userId: 'abc', authToken: 'secret-6' },
    },
    'diagnostics',
  )
  const entry = logEntries(lines).find((logged) => logged.msg === 'diagnostics')
  t.match(entry, {
    password: '[redacted]',
    authToken: '[redacted]',
    body: { user: 'someone', password: '[redacted]', resume: '[redacted]' },
    headers: { 'x-user-id': 'abc', 'x-auth-token': '[redacted]' },
    data: { userId: 'abc', authToken: '[redacted]' },
  })
  t.notMatch(lines.join(''), /secret-\d/)
})
