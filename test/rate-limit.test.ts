import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { deleteExpiredRateLimits } from '../db/queries/rate-limits.js'
import { ddp, fixture } from './helper.js'
import { fetchEvents } from './realtime/event-stream-client.js'

const db = await fixture.testDatabase(t)

const WINDOW_MS = 60_000
const limited = (max: number) =>
  fixture.testConfig({ RATE_LIMIT_MAX: String(max), RATE_LIMIT_WINDOW_MS: String(WINDOW_MS) })

const TOO_MANY =
  /^Error, too many requests\. Please slow down\. You must wait (\d+) seconds before trying this endpoint again\. \[error-too-many-requests\]$/

const me = (app: FastifyInstance, user: fixture.TestUser) =>
  app.inject({ method: 'GET', url: '/api/v1/me', headers: user.headers })

async function times(count: number, send: () => Promise<LightMyRequestResponse>) {
  const responses: LightMyRequestResponse[] = []
  for (let i = 0; i < count; i += 1) responses.push(await send())
  return responses
}

function assertTooManyRequests(t: Test, response: LightMyRequestResponse, max: number) {
  t.equal(response.statusCode, 429)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['error', 'errorType', 'success'])
  t.equal(body.success, false)
  t.equal(body.errorType, 'error-too-many-requests')
  const seconds = Number(TOO_MANY.exec(body.error)?.[1])
  t.ok(seconds >= 1 && seconds <= WINDOW_MS / 1000, `waits ${seconds} s, within the window`)
  t.equal(response.headers['x-ratelimit-limit'], String(max))
  t.equal(response.headers['x-ratelimit-remaining'], '0')
  t.equal(response.headers['retry-after'], String(seconds))
  const reset = Number(response.headers['x-ratelimit-reset'])
  t.ok(reset > Date.now() && reset <= Date.now() + WINDOW_MS, 'reset is when the window closes')
}

const counters = () =>
  db.selectFrom('rate_limits').select(['key', 'count']).orderBy('key').execute()

t.test('over the limit an endpoint answers 429 with the headers Rocket.Chat sends', async (t) => {
  const app = await fixture.buildApp(t, db, limited(3))
  const user = await fixture.createTestUser(db)

  const [first, second, third, fourth, fifth] = await times(5, () => me(app, user))

  for (const [response, remaining] of [
    [first, 2],
    [second, 1],
    [third, 0],
  ] as const) {
    t.equal(response?.statusCode, 200)
    t.equal(response?.headers['x-ratelimit-limit'], '3')
    t.equal(response?.headers['x-ratelimit-remaining'], String(remaining))
    const reset = Number(response?.headers['x-ratelimit-reset'])
    t.ok(reset > Date.now() && reset <= Date.now() + WINDOW_MS, 'reset in epoch milliseconds')
    t.notOk(response?.headers['retry-after'])
  }
  assertTooManyRequests(t, fourth as LightMyRequestResponse, 3)
  assertTooManyRequests(t, fifth as LightMyRequestResponse, 3)
  t.same(
    (await counters()).filter((row) => row.key.endsWith(user.id)),
    [{ key: `GET /api/v1/me user:${user.id}`, count: 5 }],
  )
})

t.test('the limit is per endpoint and per user', async (t) => {
  const app = await fixture.buildApp(t, db, limited(2))
  const [alice, bob] = [await fixture.createTestUser(db), await fixture.createTestUser(db)]

  await times(2, () => me(app, alice))
  t.equal((await me(app, alice)).statusCode, 429, 'alice used up /me')

  const list = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: alice.headers,
  })
  t.equal(list.statusCode, 200, 'another endpoint still answers alice')
  t.equal(list.headers['x-ratelimit-remaining'], '1')
  const other = await me(app, bob)
  t.equal(other.statusCode, 200, 'another user still gets /me')
  t.equal(other.headers['x-ratelimit-remaining'], '1')
})

t.test('anonymous requests are limited per client address', async (t) => {
  const app = await fixture.buildApp(t, db, limited(2))
  const user = await fixture.createTestUser(db)
  const login = (remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/login',
      remoteAddress,
      payload: { user: user.username, password: fixture.TEST_PASSWORD },
    })

  const answers = await times(3, () => login('198.51.100.7'))
  t.same(
    answers.map((response) => response.statusCode),
    [200, 200, 429],
  )
  assertTooManyRequests(t, answers[2] as LightMyRequestResponse, 2)
  t.equal((await login('198.51.100.8')).statusCode, 200, 'another address may still log in')
  t.ok(
    (await counters()).some((row) => row.key === 'POST /api/v1/login ip:198.51.100.7'),
    'counted by address',
  )
})

t.test('behind a trusted proxy the forwarded address is the client', async (t) => {
  const app = await fixture.buildApp(
    t,
    db,
    fixture.testConfig({ RATE_LIMIT_MAX: '1', TRUST_PROXY: '1' }),
  )
  const login = (forwardedFor: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/login',
      remoteAddress: '10.0.0.1',
      headers: { 'x-forwarded-for': forwardedFor },
      payload: { user: 'nobody', password: 'wrong' },
    })

  t.equal((await login('203.0.113.10')).statusCode, 401)
  t.equal((await login('203.0.113.10')).statusCode, 429)
  t.equal((await login('203.0.113.11')).statusCode, 401, 'another client behind the proxy')
  t.ok((await counters()).some((row) => row.key === 'POST /api/v1/login ip:203.0.113.11'))
})

t.test('roles granted api-bypass-rate-limit are never limited', async (t) => {
  const app = await fixture.buildApp(t, db, limited(2))
  const admin = await fixture.createTestUser(db, { roles: ['admin', 'user'] })
  const bot = await fixture.createTestUser(db, { roles: ['bot'] })
  const before = await counters()

  for (const user of [admin, bot]) {
    const answers = await times(4, () => me(app, user))
    t.same(
      answers.map((response) => response.statusCode),
      [200, 200, 200, 200],
    )
    t.notOk(answers[3]?.headers['x-ratelimit-limit'], 'exempt answers carry no limit headers')
  }
  t.same(await counters(), before, 'exempt requests are not counted')
})

t.test('the exemption follows the permission, not a role name', async (t) => {
  const app = await fixture.buildApp(t, db, limited(2))
  const user = await fixture.createTestUser(db)
  t.equal((await times(3, () => me(app, user)))[2]?.statusCode, 429)

  await db
    .insertInto('permission_roles')
    .values({ permission_id: 'api-bypass-rate-limit', role_id: 'user' })
    .execute()
  await fixture.loginChangesHeard(db)
  t.teardown(() =>
    db
      .deleteFrom('permission_roles')
      .where('permission_id', '=', 'api-bypass-rate-limit')
      .where('role_id', '=', 'user')
      .execute(),
  )
  t.equal((await me(app, user)).statusCode, 200, 'granted to `user`, the user is exempt')
})

t.test('server info, probes and the documentation are never limited', async (t) => {
  const app = await fixture.buildApp(t, db, limited(1))
  const before = await counters()
  for (const url of ['/api/info', '/livez', '/readyz', '/api/docs/json']) {
    const answers = await times(3, () => app.inject({ method: 'GET', url }))
    t.same(
      answers.map((response) => response.statusCode),
      [200, 200, 200],
      url,
    )
    t.notOk(answers[2]?.headers['x-ratelimit-limit'], `${url} carries no limit headers`)
  }
  t.same(await counters(), before)
})

t.test('requests refused before login are not counted', async (t) => {
  const app = await fixture.buildApp(t, db, limited(1))
  const before = await counters()
  const answers = await times(3, () =>
    app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { 'x-user-id': 'nobody', 'x-auth-token': 'wrong' },
    }),
  )
  t.same(
    answers.map((response) => response.statusCode),
    [401, 401, 401],
  )
  t.same(await counters(), before)
})

t.test('RATE_LIMIT_MAX=0 turns the limiter off', async (t) => {
  const app = await fixture.buildApp(t, db, limited(0))
  const user = await fixture.createTestUser(db)
  const answers = await times(12, () => me(app, user))
  t.ok(answers.every((response) => response.statusCode === 200))
  t.notOk(answers[11]?.headers['x-ratelimit-limit'])
  t.notOk((await counters()).some((row) => row.key.endsWith(user.id)))
})

t.test('a closed window starts a new count, and expired counters are swept', async (t) => {
  const app = await fixture.buildApp(t, db, limited(2))
  const user = await fixture.createTestUser(db)
  const key = `GET /api/v1/me user:${user.id}`
  t.equal((await times(3, () => me(app, user)))[2]?.statusCode, 429)

  await db
    .updateTable('rate_limits')
    .set({ reset_at: sql<Date>`now() - interval '1 second'` })
    .where('key', '=', key)
    .execute()
  const reopened = await me(app, user)
  t.equal(reopened.statusCode, 200)
  t.equal(reopened.headers['x-ratelimit-remaining'], '1')
  t.same(await db.selectFrom('rate_limits').select('count').where('key', '=', key).execute(), [
    { count: 1 },
  ])

  await db
    .updateTable('rate_limits')
    .set({ reset_at: sql<Date>`now() - interval '1 second'` })
    .where('key', '=', key)
    .execute()
  await deleteExpiredRateLimits(db)
  t.same(await db.selectFrom('rate_limits').select('key').where('key', '=', key).execute(), [])
})

t.test('two servers on one database share the counters', async (t) => {
  const first = await fixture.buildApp(t, db, limited(3))
  const second = await fixture.buildApp(t, db, limited(3))
  const user = await fixture.createTestUser(db)

  const statuses = [
    (await me(first, user)).statusCode,
    (await me(second, user)).statusCode,
    (await me(first, user)).statusCode,
    (await me(second, user)).statusCode,
    (await me(first, user)).statusCode,
  ]
  t.same(statuses, [200, 200, 200, 429, 429])
})

t.test('30 concurrent requests with a limit of 10: exactly 10 get through', async (t) => {
  const first = await fixture.buildApp(t, db, limited(10))
  const second = await fixture.buildApp(t, db, limited(10))
  const user = await fixture.createTestUser(db)

  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) => me(i % 2 === 0 ? first : second, user)),
  )
  const statuses = answers.map((response) => response.statusCode)
  t.equal(statuses.filter((status) => status === 200).length, 10)
  t.equal(statuses.filter((status) => status === 429).length, 20)
  const remaining = answers
    .filter((response) => response.statusCode === 200)
    .map((response) => Number(response.headers['x-ratelimit-remaining']))
    .sort((a, b) => a - b)
  t.same(remaining, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'each success saw its own count')
})

t.test('with limits on, the API documents the 429 answer', async (t) => {
  const app = await fixture.buildApp(t, db, limited(5))
  const doc = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json()
  t.ok(doc.paths['/api/v1/groups.leave'].post.responses['429'], 'a limited route lists 429')
  t.notOk(doc.paths['/api/info'].get.responses['429'], 'server info does not')
})

t.test('event streams are limited per user, and spare exempt roles', async (t) => {
  // Behind a balancer every stream comes from its address: the count must follow the login.
  const { base } = await ddp.listeningApp(t, db, {
    RATE_LIMIT_MAX: '2',
    RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
  })
  const admin = await fixture.createTestUser(db, { roles: ['admin', 'user'] })
  const [alice, bob] = [await fixture.createTestUser(db), await fixture.createTestUser(db)]
  const before = await counters()
  const open = async (user: fixture.TestUser) => {
    const controller = new AbortController()
    const response = await fetchEvents(base, { user, signal: controller.signal })
    const answer = response.status === 429 ? (await response.json()).errorType : response.status
    controller.abort()
    return answer
  }

  t.same(await Promise.all([1, 2, 3, 4].map(() => open(admin))), [200, 200, 200, 200])
  t.same(await counters(), before, 'the admin is not counted')
  t.same(
    [await open(alice), await open(alice), await open(alice)],
    [200, 200, 'error-too-many-requests'],
  )
  t.equal(await open(bob), 200, 'another user from the same address is not refused')
  t.same(
    // Both sides in one order of our own: the database's collation and localeCompare differ.
    (await counters())
      .filter((row) => row.key.startsWith('GET /api/v1/events '))
      .sort((a, b) => (a.key < b.key ? -1 : 1)),
    [
      { key: `GET /api/v1/events user:${alice.id}`, count: 3 },
      { key: `GET /api/v1/events user:${bob.id}`, count: 1 },
    ].sort((a, b) => (a.key < b.key ? -1 : 1)),
  )
})
