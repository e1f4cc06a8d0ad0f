import t from 'tap'
import { createDatabase, migrateToLatest } from '../../db/database.js'
import { createTestUser } from '../helper.js'
import { seedGroups } from '../support/cluster.js'
import { privatePostgres } from '../support/private-postgres.js'
import { startServer } from '../support/server-process.js'

const postgres = privatePostgres(5439)
t.teardown(() => postgres.destroy())
const db = createDatabase({ url: postgres.url, poolSize: 2, dataDir: '' })
t.teardown(() => db.destroy())
await migrateToLatest(db)

async function ask(url: string, headers: Record<string, string> = {}) {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  } catch (error) {
    return { status: 0, body: { error: String(error) } }
  }
}

t.test('PostgreSQL stopped under load: 503s, readiness down, recovery on its own', async (t) => {
  const server = await startServer({ DATABASE_URL: postgres.url })
  t.teardown(() => {
    server.child.kill('SIGKILL')
  })
  const [group] = await seedGroups(db, 1, 3)
  const member = group?.users[0] ?? (await createTestUser(db))
  const info = `${server.url}/api/v1/groups.info?roomId=${group?.id}`

  t.equal((await ask(info, member.headers)).status, 200, 'serving before the outage')

  postgres.stop()
  const during = await Promise.all(Array.from({ length: 20 }, () => ask(info, member.headers)))
  t.same(
    [...new Set(during.map((answer) => answer.status))],
    [503],
    'every request during the outage is answered 503 (none hangs, none is a 500)',
  )
  t.same(during[0]?.body, {
    success: false,
    error: 'The database is unavailable, try again shortly [error-database-unavailable]',
    errorType: 'error-database-unavailable',
  })
  t.equal((await ask(`${server.url}/api/info`)).status, 200, '/api/info stays up')
  const readiness = await ask(`${server.url}/readyz`)
  t.equal(readiness.status, 503, 'readiness reports the database down')
  t.equal(readiness.body.database, 'down')

  postgres.start()
  let recovered = 0
  for (let attempt = 0; attempt < 60 && recovered === 0; attempt++) {
    if ((await ask(info, member.headers)).status === 200) recovered = attempt + 1
    else await new Promise((resolve) => setTimeout(resolve, 500))
  }
  t.ok(recovered > 0, `served again after the database returned (attempt ${recovered})`)
  t.equal((await ask(`${server.url}/readyz`)).status, 200, 'ready again')
})
