import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { createDatabase } from '../db/database.js'
import {
  api,
  brokenDatabaseConfig,
  buildApp,
  createTestUser,
  postgresUrl,
  testDatabase,
} from './helper.js'

// Nothing listens on port 1: every connection attempt is refused at once.
const unreachable = () =>
  createDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', poolSize: 2, dataDir: '' })

t.test('with the database unreachable, API calls fail with 503 in the envelope', async (t) => {
  const db = unreachable()
  t.teardown(() => db.destroy())
  const app = await buildApp(t, db, brokenDatabaseConfig())

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.leave',
    headers: { 'x-user-id': 'someone', 'x-auth-token': 'a-token' },
    payload: { roomId: 'ByehQjC44FwMeiLbX' },
  })

  t.equal(response.statusCode, 503)
  t.same(response.json(), {
    success: false,
    error: 'The database is unavailable, try again shortly [error-database-unavailable]',
    errorType: 'error-database-unavailable',
  })
  t.equal(response.headers['content-type'], 'application/json')
  t.notMatch(response.body, /127\.0\.0\.1|ECONNREFUSED|stack/)
})

t.test('with the database unreachable, /api/info still answers', async (t) => {
  const db = unreachable()
  t.teardown(() => db.destroy())
  const app = await buildApp(t, db, brokenDatabaseConfig())

  const response = await app.inject({ method: 'GET', url: '/api/info' })

  t.equal(response.statusCode, 200)
  t.equal(response.json().success, true)
})

t.test('the database lost under a running server: API calls answer 503, not 500', async (t) => {
  const db = await testDatabase(t)
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const before = await api(app, user).get('groups.list')
  t.equal(before.statusCode, 200)

  if (postgresUrl) {
    const name = (await sql<{ name: string }>`select current_database() as name`.execute(db))
      .rows[0]?.name
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    await admin.query(`drop database ${name} with (force)`)
    await admin.end()
  } else {
    // The embedded database can only go away with the process; closing it is the nearest case.
    await db.destroy()
  }
  for (const url of ['/api/v1/groups.list', '/api/v1/groups.list']) {
    const response = await app.inject({ method: 'GET', url, headers: user.headers })
    t.equal(response.statusCode, 503)
    t.same(response.json(), {
      success: false,
      error: 'The database is unavailable, try again shortly [error-database-unavailable]',
      errorType: 'error-database-unavailable',
    })
  }
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503, '/readyz agrees')
})
