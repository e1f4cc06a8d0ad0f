import { PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import t, { type Test } from 'tap'
import { createDatabase, Db, migrateToLatest } from '../db/database.js'
import { randomId } from '../domain/ids.js'
import { migrations } from '../migrations/index.js'
import { brokenDatabaseConfig, buildApp, postgresUrl, testDatabase, until } from './helper.js'
import { embeddedTemplate } from './support/template.js'

const db = await testDatabase(t)

const latestMigration = Object.keys(migrations).sort().at(-1) ?? ''

/** A database whose every connection attempt gets `connect`'s answer: refused, or none at all. */
function unreachableDatabase(t: Test, connect: () => Promise<never>): Db {
  const pool = { connect, end: async () => {} } as unknown as pg.Pool
  const unreachable = new Db({ dialect: new PostgresDialect({ pool }) })
  t.teardown(() => unreachable.destroy())
  return unreachable
}

const refused = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))

const unready = (database: string, migrations: string, reason: string) => ({
  success: false,
  status: 'unready',
  database,
  migrations,
  error: `${reason} [error-not-ready]`,
  errorType: 'error-not-ready',
})

t.test('GET /livez: 200 without a login', async (t) => {
  const app = await buildApp(t, db)

  const response = await app.inject({ method: 'GET', url: '/livez' })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok', success: true })
  t.equal(response.headers['cache-control'], 'no-store')
})

t.test('GET /livez answers 200 while the database is down', async (t) => {
  const app = await buildApp(t, unreachableDatabase(t, refused), brokenDatabaseConfig())

  const response = await app.inject({ method: 'GET', url: '/livez' })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok', success: true })
})

t.test('GET /readyz: 200 when the database answers and is migrated', async (t) => {
  const app = await buildApp(t, db)

  const response = await app.inject({ method: 'GET', url: '/readyz' })

  t.equal(response.statusCode, 200)
  t.same(response.json(), {
    status: 'ready',
    database: 'up',
    migrations: 'current',
    success: true,
  })
})

t.test('GET /readyz: 503 when the database refuses connections', async (t) => {
  const app = await buildApp(t, unreachableDatabase(t, refused), brokenDatabaseConfig())

  const response = await app.inject({ method: 'GET', url: '/readyz' })

  t.equal(response.statusCode, 503)
  t.same(response.json(), unready('down', 'unknown', 'The database does not answer'))
  t.equal(response.headers['cache-control'], 'no-store')
  t.equal(response.headers['content-type'], 'application/json')
  t.notMatch(response.body, /ECONNREFUSED|5432/, 'the cause stays in the log')
})

t.test('GET /readyz: 503 when the database does not answer in time', async (t) => {
  const app = await buildApp(
    t,
    unreachableDatabase(t, () => new Promise<never>(() => {})),
    brokenDatabaseConfig(),
  )

  const response = await app.inject({ method: 'GET', url: '/readyz' })

  t.equal(response.statusCode, 503)
  t.same(response.json(), unready('down', 'unknown', 'The database does not answer'))
})

t.test('GET /readyz: 503 when a migration of this version is not applied', async (t) => {
  const app = await buildApp(t, db)
  const applied = await db
    .withTables<{ kysely_migration: { name: string; timestamp: string } }>()
    .deleteFrom('kysely_migration')
    .where('name', '=', latestMigration)
    .returningAll()
    .executeTakeFirstOrThrow()
  t.teardown(async () => {
    await db
      .withTables<{ kysely_migration: { name: string; timestamp: string } }>()
      .insertInto('kysely_migration')
      .values(applied)
      .execute()
  })

  const response = await app.inject({ method: 'GET', url: '/readyz' })

  t.equal(response.statusCode, 503)
  t.same(
    response.json(),
    unready('up', 'pending', 'The database schema has migrations still to apply'),
  )
  t.notMatch(response.body, latestMigration, 'migration names stay in the log')
})

t.test('GET /readyz: 503 on a database that was never migrated', async (t) => {
  const app = await buildApp(t, db)
  await sql`alter table kysely_migration rename to kysely_migration_aside`.execute(db)
  t.teardown(async () => {
    await sql`alter table kysely_migration_aside rename to kysely_migration`.execute(db)
  })

  const response = await app.inject({ method: 'GET', url: '/readyz' })

  t.equal(response.statusCode, 503)
  t.same(
    response.json(),
    unready('up', 'pending', 'The database schema has migrations still to apply'),
  )
})

t.test('GET /readyz answers 200 again once the database is back', async (t) => {
  const app = await buildApp(t, db)

  const response = await app.inject({ method: 'GET', url: '/readyz' })

  t.equal(response.statusCode, 200)
})

/**
 * A migrated PostgreSQL database of the test's own (not a copy of the template, so no other
 * test's connections touch it), with an admin connection to the server beside it.
 */
async function ownPostgresDatabase(t: Test, serverUrl: string) {
  const name = `groups_test_${randomId().toLowerCase()}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  t.teardown(() => admin.end())
  await admin.query(`create database ${name}`)
  t.teardown(() => admin.query(`drop database if exists ${name} with (force)`))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const db = createDatabase({ url: url.toString(), poolSize: 2, dataDir: '' })
  t.teardown(() => db.destroy())
  await migrateToLatest(db)
  return { db, admin, name }
}

/** A second migrated database, and a way to stop it under a running app. */
async function stoppableDatabase(t: Test): Promise<{ db: Db; stop: () => Promise<void> }> {
  if (!postgresUrl) {
    const own = createDatabase({
      url: '',
      poolSize: 1,
      dataDir: 'memory://',
      initialDataDir: await embeddedTemplate(),
    })
    return { db: own, stop: () => own.destroy() }
  }
  const { db: own, admin, name } = await ownPostgresDatabase(t, postgresUrl)
  return {
    db: own,
    stop: async () => {
      await admin.query(`drop database ${name} with (force)`)
    },
  }
}

t.test('GET /readyz turns unready when the database is stopped under it', async (t) => {
  const { db: own, stop } = await stoppableDatabase(t)
  const app = await buildApp(t, own)
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready first')

  await stop()
  const response = await app.inject({ method: 'GET', url: '/readyz' })

  t.equal(response.statusCode, 503)
  t.same(response.json(), unready('down', 'unknown', 'The database does not answer'))
  t.equal((await app.inject({ method: 'GET', url: '/livez' })).statusCode, 200, 'still alive')
})

t.test(
  'GET /readyz turns unready while the notification listener is down, and ready once back',
  { skip: !postgresUrl && 'the embedded database has no listening connection to lose' },
  async (t) => {
    const { db: own, admin, name } = await ownPostgresDatabase(t, postgresUrl)
    const app = await buildApp(t, own)
    const readyz = async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode
    t.equal(await readyz(), 200, 'ready first')

    // New connections refused, so the listener stays down until they are allowed again; the
    // pool keeps the connections it has.
    await admin.query(`alter database ${name} allow_connections false`)
    t.teardown(() => admin.query(`alter database ${name} allow_connections true`))
    const killed = await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query ilike 'listen %'`,
      [name],
    )
    t.equal(killed.rowCount, 1, 'one listening connection')
    await until('unready', async () => (await readyz()) === 503)
    const response = await app.inject({ method: 'GET', url: '/readyz' })
    t.same(response.json(), unready('up', 'current', 'The database notification listener is down'))

    await admin.query(`alter database ${name} allow_connections true`)
    await until('ready again', async () => (await readyz()) === 200, { timeoutMs: 15_000 })
    t.pass('ready once the listener is back')
  },
)

t.test('the probes are documented in the OpenAPI document', async (t) => {
  const app = await buildApp(t, db)

  const doc = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json()

  t.match(doc.paths['/livez'].get, { tags: ['Server'], summary: 'Liveness probe' })
  t.same(Object.keys(doc.paths['/livez'].get.responses), ['200'])
  t.match(doc.paths['/readyz'].get, { tags: ['Server'], summary: 'Readiness probe' })
  t.same(Object.keys(doc.paths['/readyz'].get.responses).sort(), ['200', '503'])
  t.equal(doc.paths['/readyz'].get.security, undefined, 'no login needed')
})
