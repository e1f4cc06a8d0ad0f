import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import { deleteExpiredLoginFailures } from '../db/queries/login-failures.js'
import { fixture, refused } from './helper.js'

const db = await fixture.testDatabase(t)

/** 3 failures per name, 5 per address, in the default window. */
const guarded = (overrides: Record<string, string> = {}) =>
  fixture.testConfig({
    LOGIN_MAX_FAILURES_PER_USER: '3',
    LOGIN_MAX_FAILURES_PER_IP: '5',
    ...overrides,
  })

const BLOCKED_FOR_USER = {
  success: false,
  status: 'error',
  error: 'error-login-blocked-for-user',
  message: 'Login has been temporarily blocked For User',
}
const BLOCKED_FOR_IP = {
  success: false,
  status: 'error',
  error: 'error-login-blocked-for-ip',
  message: 'Login has been temporarily blocked For IP',
}

// Each test logs in from addresses of its own, so address counts never carry over.
let lastAddress = 0
const newAddress = () => {
  lastAddress += 1
  return `192.0.2.${lastAddress}`
}

function login(app: FastifyInstance, remoteAddress: string, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/v1/login', remoteAddress, payload })
}

const wrongPassword = (user: fixture.TestUser) => ({
  user: user.username,
  password: 'not the password',
})
const rightPassword = (user: fixture.TestUser) => ({
  user: user.username,
  password: fixture.TEST_PASSWORD,
})

async function times(count: number, send: () => Promise<LightMyRequestResponse>) {
  const responses: LightMyRequestResponse[] = []
  for (let i = 0; i < count; i += 1) responses.push(await send())
  return responses
}

const bodies = (responses: LightMyRequestResponse[]) =>
  responses.map((response) => [response.statusCode, response.json()])

const tokenCount = async (user: fixture.TestUser) =>
  (
    await db
      .selectFrom('login_tokens')
      .select(sql<number>`count(*)`.as('n'))
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow()
  ).n

t.test('after the failures allowed for a name, even the right password is refused', async (t) => {
  const app = await fixture.buildApp(t, db, guarded())
  const user = await fixture.createTestUser(db)
  const ip = newAddress()
  const tokensBefore = await tokenCount(user)

  const failures = await times(3, () => login(app, ip, wrongPassword(user)))
  t.same(bodies(failures), Array(3).fill([401, refused.loginFailed]))

  const blocked = await login(app, ip, rightPassword(user))
  t.equal(blocked.statusCode, 401)
  t.same(blocked.json(), BLOCKED_FOR_USER)
  t.equal(await tokenCount(user), tokensBefore, 'no token issued')

  const elsewhere = await login(app, newAddress(), rightPassword(user))
  t.same(elsewhere.json(), BLOCKED_FOR_USER, 'the name is blocked from every address')
  t.equal(
    (await login(app, ip, rightPassword(await fixture.createTestUser(db)))).statusCode,
    200,
    'another name may still log in from the same address',
  )
})

t.test('an unknown name is counted and blocked exactly like a wrong password', async (t) => {
  const app = await fixture.buildApp(t, db, guarded())
  const user = await fixture.createTestUser(db)
  const ip = newAddress()
  const unknown = { user: `nobody-${user.username}`, password: 'not the password' }

  const known = await times(5, () => login(app, ip, wrongPassword(user)))
  const ipForUnknown = newAddress()
  const unknowns = await times(5, () => login(app, ipForUnknown, unknown))

  t.same(bodies(known), bodies(unknowns))
  t.same(bodies(known), [
    [401, refused.loginFailed],
    [401, refused.loginFailed],
    [401, refused.loginFailed],
    [401, BLOCKED_FOR_USER],
    [401, BLOCKED_FOR_USER],
  ])
})

t.test('the name is counted case-insensitively, whichever field carries it', async (t) => {
  const app = await fixture.buildApp(t, db, guarded())
  const user = await fixture.createTestUser(db)
  const ip = newAddress()

  await login(app, ip, { user: user.username.toUpperCase(), password: 'wrong' })
  await login(app, ip, { username: user.username, password: 'wrong' })
  await login(app, ip, { username: ` ${user.username}`, password: 'wrong' })
  t.same((await login(app, ip, rightPassword(user))).json(), BLOCKED_FOR_USER)
})

t.test('a success resets the count of its name', async (t) => {
  const app = await fixture.buildApp(t, db, guarded())
  const user = await fixture.createTestUser(db)
  const ip = newAddress()

  await times(2, () => login(app, ip, wrongPassword(user)))
  t.equal((await login(app, ip, rightPassword(user))).statusCode, 200)
  t.same(
    await db
      .selectFrom('login_failures')
      .select('key')
      .where('key', '=', `user:${user.username}`)
      .execute(),
    [],
    'the failures of the name are forgotten',
  )

  const again = await times(4, () => login(app, newAddress(), wrongPassword(user)))
  t.same(bodies(again), [
    [401, refused.loginFailed],
    [401, refused.loginFailed],
    [401, refused.loginFailed],
    [401, BLOCKED_FOR_USER],
  ])
})

t.test('after the failures allowed for an address, every login from it is refused', async (t) => {
  const app = await fixture.buildApp(t, db, guarded())
  const ip = newAddress()
  const users = await Promise.all(Array.from({ length: 5 }, () => fixture.createTestUser(db)))
  const victim = await fixture.createTestUser(db)

  for (const user of users)
    t.same((await login(app, ip, wrongPassword(user))).json(), refused.loginFailed)

  const blocked = await login(app, ip, rightPassword(victim))
  t.equal(blocked.statusCode, 401)
  t.same(blocked.json(), BLOCKED_FOR_IP)
  t.equal((await login(app, newAddress(), rightPassword(victim))).statusCode, 200)
})

t.test('successful logins do not use up the attempts of an address', async (t) => {
  const app = await fixture.buildApp(t, db, guarded())
  const ip = newAddress()
  const user = await fixture.createTestUser(db)

  const answers = await times(8, () => login(app, ip, rightPassword(user)))
  t.ok(answers.every((response) => response.statusCode === 200))
  t.same(
    await db.selectFrom('login_failures').select('count').where('key', '=', `ip:${ip}`).execute(),
    [{ count: 0 }],
  )
})

t.test('once the window closes, logins are accepted again', async (t) => {
  const app = await fixture.buildApp(t, db, guarded())
  const user = await fixture.createTestUser(db)
  const ip = newAddress()
  await times(3, () => login(app, ip, wrongPassword(user)))
  t.same((await login(app, ip, rightPassword(user))).json(), BLOCKED_FOR_USER)

  await db
    .updateTable('login_failures')
    .set({ reset_at: sql<Date>`now() - interval '1 second'` })
    .where('key', 'in', [`user:${user.username}`, `ip:${ip}`])
    .execute()
  t.equal((await login(app, ip, rightPassword(user))).statusCode, 200)

  await db
    .updateTable('login_failures')
    .set({ reset_at: sql<Date>`now() - interval '1 second'` })
    .where('key', '=', `ip:${ip}`)
    .execute()
  await deleteExpiredLoginFailures(db)
  t.same(
    await db.selectFrom('login_failures').select('key').where('key', '=', `ip:${ip}`).execute(),
    [],
    'expired counters are swept',
  )
})

t.test('two servers on one database share the counts', async (t) => {
  const first = await fixture.buildApp(t, db, guarded())
  const second = await fixture.buildApp(t, db, guarded())
  const user = await fixture.createTestUser(db)
  const ip = newAddress()

  await login(first, ip, wrongPassword(user))
  await login(second, ip, wrongPassword(user))
  await login(first, ip, wrongPassword(user))
  t.same((await login(second, ip, rightPassword(user))).json(), BLOCKED_FOR_USER)
})

t.test('parallel guesses get no more tries than sequential ones', async (t) => {
  const first = await fixture.buildApp(t, db, guarded({ LOGIN_MAX_FAILURES_PER_IP: '100' }))
  const second = await fixture.buildApp(t, db, guarded({ LOGIN_MAX_FAILURES_PER_IP: '100' }))
  const user = await fixture.createTestUser(db)
  const ip = newAddress()

  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      login(i % 2 === 0 ? first : second, ip, wrongPassword(user)),
    ),
  )
  const errors = answers.map((response) => response.json().error)
  t.equal(errors.filter((error) => error === 'Unauthorized').length, 3, 'three passwords checked')
  t.equal(errors.filter((error) => error === 'error-login-blocked-for-user').length, 17)
})

t.test('limits of 0 turn the protection off', async (t) => {
  const app = await fixture.buildApp(
    t,
    db,
    guarded({ LOGIN_MAX_FAILURES_PER_USER: '0', LOGIN_MAX_FAILURES_PER_IP: '0' }),
  )
  const user = await fixture.createTestUser(db)
  const ip = newAddress()
  const failures = await times(8, () => login(app, ip, wrongPassword(user)))
  t.same(bodies(failures), Array(8).fill([401, refused.loginFailed]))
  t.equal((await login(app, ip, rightPassword(user))).statusCode, 200)
  t.same(
    await db
      .selectFrom('login_failures')
      .select('key')
      .where('key', 'in', [`user:${user.username}`, `ip:${ip}`])
      .execute(),
    [],
  )
})

t.test('a token login (resume) is neither counted nor blocked', async (t) => {
  const app = await fixture.buildApp(t, db, guarded())
  const user = await fixture.createTestUser(db)
  const ip = newAddress()
  await times(5, () => login(app, ip, wrongPassword(user)))
  t.same((await login(app, ip, rightPassword(user))).json(), BLOCKED_FOR_IP)

  const resumed = await login(app, ip, { resume: user.headers['x-auth-token'] })
  t.equal(resumed.statusCode, 200)
  t.equal(resumed.json().data.userId, user.id)
})

t.test('the defaults are those of Rocket.Chat: 10 per name, 50 per address', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const ip = newAddress()
  const answers = await times(11, () => login(app, ip, wrongPassword(user)))
  t.same(answers[9]?.json(), refused.loginFailed)
  t.same(answers[10]?.json(), BLOCKED_FOR_USER)

  const crowd = newAddress()
  const users = await Promise.all(Array.from({ length: 50 }, () => fixture.createTestUser(db)))
  for (const other of users) await login(app, crowd, wrongPassword(other))
  t.same(
    (await login(app, crowd, rightPassword(await fixture.createTestUser(db)))).json(),
    BLOCKED_FOR_IP,
  )
})
