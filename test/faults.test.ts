import t from 'tap'
import { createDatabase } from '../db/database.js'
import { buildApp } from './helper.js'

// Nothing listens on port 1: every connection attempt is refused at once.
const unreachable = () =>
  createDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', poolSize: 2, dataDir: '' })

t.test('with the database unreachable, API calls fail with 503 in the envelope', async (t) => {
  const db = unreachable()
  t.teardown(() => db.destroy())
  const app = await buildApp(t, db)

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
  t.notMatch(response.body, /127\.0\.0\.1|ECONNREFUSED|stack/)
})

t.test('with the database unreachable, /api/info still answers', async (t) => {
  const db = unreachable()
  t.teardown(() => db.destroy())
  const app = await buildApp(t, db)

  const response = await app.inject({ method: 'GET', url: '/api/info' })

  t.equal(response.statusCode, 200)
  t.equal(response.json().success, true)
})
