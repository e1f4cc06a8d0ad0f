import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import type { Db } from '../db/database.js'
import type { Actor } from '../domain/actor.js'
import { LoginCache } from '../domain/auth/login-cache.js'
import { hashLoginToken } from '../domain/ids.js'
import { resetPassword } from '../domain/users/reset-password.js'
import {
  api,
  buildApp,
  createTestGroup,
  createTestUser,
  eventually,
  groupName,
  onlyOnPostgres,
  otherProcessDatabase,
  refused,
  type TestUser,
  testConfig,
  testDatabase,
} from './helper.js'

const db = await testDatabase(t)
const { editingNotAllowed, notLoggedIn, unauthorized } = refused

const actor = (id: string): Actor => ({ id, username: id, name: id, roles: ['user'] })
const never = async (): Promise<never> => {
  throw new Error('loaded although cached')
}

/** The cached actor of a user's token, or undefined when a lookup would go to the database. */
async function cachedActor(database: Db, user: TestUser) {
  const { cache } = database.logins
  if (!cache) return undefined
  return cache.actor(hashLoginToken(user.headers['x-auth-token']), async () => undefined)
}

t.test('the cache keeps the most recently used logins, up to its size', async (t) => {
  const cache = new LoginCache({ ttlMs: 60_000, maxTokens: 2 })
  cache.setLive(true)
  await cache.actor('a', async () => actor('A'))
  await cache.actor('b', async () => actor('B'))
  t.same(await cache.actor('a', never), actor('A'), 'a hit')
  await cache.actor('c', async () => actor('C'))
  t.same(await cache.actor('a', never), actor('A'), 'used last, still kept')
  t.same(await cache.actor('c', never), actor('C'))
  t.equal(await cache.actor('b', async () => undefined), undefined, 'least recently used: gone')
})

t.test('the cache serves an entry for its time to live only', async (t) => {
  let now = 1_000
  const cache = new LoginCache({ ttlMs: 500, maxTokens: 10 }, () => now)
  cache.setLive(true)
  await cache.actor('a', async () => actor('A'))
  now += 499
  t.same(await cache.actor('a', never), actor('A'))
  now += 1
  t.same(await cache.actor('a', async () => actor('A2')), actor('A2'), 'expired: loaded again')
})

t.test('the cache stores nothing while not live, and forgets all when it stops', async (t) => {
  const cache = new LoginCache({ ttlMs: 60_000, maxTokens: 10 })
  let loads = 0
  const load = async () => {
    loads++
    return actor('A')
  }
  await cache.actor('a', load)
  await cache.actor('a', load)
  t.equal(loads, 2, 'not live: every lookup loads')
  cache.setLive(true)
  await cache.actor('a', load)
  await cache.actor('a', load)
  t.equal(loads, 3)
  cache.setLive(false)
  cache.setLive(true)
  await cache.actor('a', load)
  t.equal(loads, 4, 'what was known before is gone')
})

t.test('a value read before a change is not stored after it', async (t) => {
  const cache = new LoginCache({ ttlMs: 60_000, maxTokens: 10 })
  cache.setLive(true)
  let release: (value: Actor) => void = () => {}
  const pending = cache.actor('a', () => new Promise<Actor>((resolve) => (release = resolve)))
  cache.forgetUser('someone else')
  release(actor('stale'))
  t.same(await pending, actor('stale'), 'the lookup still answers')
  t.same(await cache.actor('a', async () => actor('fresh')), actor('fresh'), 'but did not store')

  let grantsRelease: (value: Map<string, Set<string>>) => void = () => {}
  const grants = cache.grants(() => new Promise((resolve) => (grantsRelease = resolve)))
  cache.forgetGrants()
  grantsRelease(new Map([['p', new Set(['old'])]]))
  await grants
  const fresh = new Map([['p', new Set(['new'])]])
  t.equal(await cache.grants(async () => fresh), fresh)
})

t.test('forgetting a user drops each of their tokens, and only theirs', async (t) => {
  const cache = new LoginCache({ ttlMs: 60_000, maxTokens: 10 })
  cache.setLive(true)
  await cache.actor('a1', async () => actor('A'))
  await cache.actor('a2', async () => actor('A'))
  await cache.actor('b1', async () => actor('B'))
  cache.forgetUser('A')
  t.equal(await cache.actor('a1', async () => undefined), undefined)
  t.equal(await cache.actor('a2', async () => undefined), undefined)
  t.same(await cache.actor('b1', never), actor('B'))
  cache.forgetToken('b1')
  t.equal(await cache.actor('b1', async () => undefined), undefined)
})

t.test('a login is served from the cache after its first use', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  // Creating the user notifies (its roles); a notification heard during the first read would
  // rightly keep that read out of the cache, so let it arrive first.
  await db.logins.settled()
  t.equal(await cachedActor(db, user), undefined, 'not cached before it is used')
  t.equal((await api(app, user).get('me')).statusCode, 200)
  t.match(await cachedActor(db, user), { id: user.id, username: user.username, roles: ['user'] })
  t.equal(
    (await api(app, { headers: { ...user.headers, 'x-user-id': 'someone-else' } }).get('me'))
      .statusCode,
    401,
    'the token with another user id is refused',
  )
})

t.test('AUTH_CACHE_TTL_MS=0: no cache', async (t) => {
  const app = await buildApp(t, db, testConfig({ AUTH_CACHE_TTL_MS: '0' }))
  const user = await createTestUser(db)
  t.equal((await api(app, user).get('me')).statusCode, 200)
  t.equal(db.logins.cache, undefined)
})

t.test('same process: each change holds from the next request', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })

  t.test('logout', async (t) => {
    const user = await createTestUser(db)
    t.equal((await api(app, user).get('me')).statusCode, 200)
    t.equal((await api(app, user).post('logout')).statusCode, 200)
    t.same((await api(app, user).get('me')).json(), notLoggedIn)
  })

  t.test('a global role taken away', async (t) => {
    const user = await createTestUser(db, { roles: ['admin', 'user'] })
    t.equal((await api(app, user).get('groups.listAll')).statusCode, 200)
    const removed = await api(app, admin).post('roles.removeUserFromRole', {
      roleName: 'admin',
      username: user.username,
    })
    t.equal(removed.statusCode, 200)
    const refused = await api(app, user).get('groups.listAll')
    t.equal(refused.statusCode, 403)
    t.same(refused.json(), unauthorized)
  })

  t.test('a permission taken from a role', async (t) => {
    const owner = await createTestUser(db)
    const group = await createTestGroup(app, owner)
    t.teardown(() => setPermission(admin, app, 'edit-room', ['admin', 'moderator', 'owner']))
    const rename = () =>
      api(app, owner).post('groups.rename', { roomId: group._id, name: groupName('cached') })
    t.equal((await rename()).statusCode, 200)
    t.equal((await setPermission(admin, app, 'edit-room', ['admin', 'moderator'])).statusCode, 200)
    t.same((await rename()).json(), editingNotAllowed)
  })

  t.test('a user deactivated', async (t) => {
    const user = await createTestUser(db)
    t.equal((await api(app, user).get('me')).statusCode, 200)
    const updated = await api(app, admin).post('users.update', {
      userId: user.id,
      data: { active: false },
    })
    t.equal(updated.statusCode, 200)
    t.same((await api(app, user).get('me')).json(), notLoggedIn)
  })

  t.test('a password reset by the command-line tool', async (t) => {
    const user = await createTestUser(db)
    t.equal((await api(app, user).get('me')).statusCode, 200)
    await resetPassword(db, null, { username: user.username, password: 'a new pass phrase' })
    t.same((await api(app, user).get('me')).json(), notLoggedIn)
  })

  t.test('a token deleted by hand in SQL', async (t) => {
    const user = await createTestUser(db)
    t.equal((await api(app, user).get('me')).statusCode, 200)
    await db.deleteFrom('login_tokens').where('user_id', '=', user.id).execute()
    await db.logins.settled()
    t.same((await api(app, user).get('me')).json(), notLoggedIn)
  })
})

function setPermission(admin: TestUser, app: FastifyInstance, permission: string, roles: string[]) {
  return api(app, admin).post('permissions.update', { permissions: [{ _id: permission, roles }] })
}

t.test(
  'another process: a change made in one holds in the other once it has heard of it',
  // Skipped on the embedded database: it needs several connections to one PostgreSQL server.
  { skip: onlyOnPostgres },
  async (t) => {
    // For an app standing for another process: its own login cache and listening connection.
    const other = otherProcessDatabase(t, db, 5)
    const changer = await buildApp(t, db)
    const server = await buildApp(t, other)
    const admin = await createTestUser(db, { roles: ['admin', 'user'] })
    // The barrier: once it returns, the other process has applied every change committed before.
    const heard = () => other.logins.settled()

    t.test('logout', async (t) => {
      const user = await createTestUser(db)
      await heard()
      t.equal((await api(server, user).get('me')).statusCode, 200)
      t.ok(await cachedActor(other, user), 'the other process caches the login')
      t.equal((await api(changer, user).post('logout')).statusCode, 200)
      await heard()
      t.same((await api(server, user).get('me')).json(), notLoggedIn)
    })

    t.test('a global role taken away', async (t) => {
      const user = await createTestUser(db, { roles: ['admin', 'user'] })
      await heard()
      t.equal((await api(server, user).get('groups.listAll')).statusCode, 200)
      t.match(await cachedActor(other, user), { roles: ['admin', 'user'] })
      const removed = await api(changer, admin).post('roles.removeUserFromRole', {
        roleName: 'admin',
        username: user.username,
      })
      t.equal(removed.statusCode, 200)
      await heard()
      const refused = await api(server, user).get('groups.listAll')
      t.equal(refused.statusCode, 403)
      t.same(refused.json(), unauthorized)
    })

    t.test('a permission taken from a role', async (t) => {
      const owner = await createTestUser(db)
      const group = await createTestGroup(server, owner)
      t.teardown(() => setPermission(admin, changer, 'edit-room', ['admin', 'moderator', 'owner']))
      const rename = () =>
        api(server, owner).post('groups.rename', { roomId: group._id, name: groupName('other') })
      t.equal((await rename()).statusCode, 200)
      const taken = await setPermission(admin, changer, 'edit-room', ['admin', 'moderator'])
      t.equal(taken.statusCode, 200)
      await heard()
      t.same((await rename()).json(), editingNotAllowed)
    })

    t.test('a user deactivated', async (t) => {
      const user = await createTestUser(db)
      t.equal((await api(server, user).get('me')).statusCode, 200)
      const updated = await api(changer, admin).post('users.update', {
        userId: user.id,
        data: { active: false },
      })
      t.equal(updated.statusCode, 200)
      await heard()
      t.same((await api(server, user).get('me')).json(), notLoggedIn)
    })
  },
)

t.test(
  'a lost notification connection: no cache until it is back, then caching again',
  // Skipped on the embedded database: it needs several connections to one PostgreSQL server.
  { skip: onlyOnPostgres },
  async (t) => {
    const app = await buildApp(t, db)
    const { cache } = db.logins
    if (!cache) throw new Error('no login cache')
    const user = await createTestUser(db)
    await db.logins.settled()
    t.equal((await api(app, user).get('me')).statusCode, 200)
    t.ok(await cachedActor(db, user))

    // The process's one listening connection, whose last statement was a LISTEN (of the login
    // changes or of the event log: every channel shares it).
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and query like 'listen %'`.execute(db)
    await eventually(t, 'the cache stops serving', () => !cache.live)
    await db.updateTable('users').set({ active: false }).where('id', '=', user.id).execute()
    t.same((await api(app, user).get('me')).json(), notLoggedIn, 'read from the database')
    await db.updateTable('users').set({ active: true }).where('id', '=', user.id).execute()

    await eventually(t, 'listening again', () => cache.live)
    t.equal((await api(app, user).get('me')).statusCode, 200)
    t.ok(await cachedActor(db, user), 'cached again')
  },
)

t.test(
  'one listening connection per process, for the login changes and the event log alike',
  // Skipped on the embedded database: it has no connections to count.
  { skip: onlyOnPostgres },
  async (t) => {
    await buildApp(t, db)
    const listening = async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and query like 'listen %'`.execute(db)
      return rows[0]?.n ?? 0
    }
    await eventually(
      t,
      'the earlier tests’ listeners are gone',
      async () => (await listening()) <= 1,
    )
    t.equal(await listening(), 1)
  },
)
