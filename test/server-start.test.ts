// database-free
// A start that cannot succeed stops with one line on stderr and exit status 1: an unreachable or
// unusable database, a taken port. Runs dist/server.js (`npm run build` first).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { maskDatabaseUrl } from '../db/connection-failure.js'
import { randomId } from '../domain/ids.js'
import { postgresUrl } from './helper.js'
import { runServerToExit, startServer } from './support/server-process.js'
import { migratedDataDir } from './support/template.js'

/** The PostgreSQL server to look for a missing database or role on: the suite's, else the local one. */
const postgres = new URL(postgresUrl || 'postgres://postgres@127.0.0.1:5432/postgres')
const port = postgres.port || '5432'

async function isReachable(url: URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url.toString() })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}
const skip = !(await isReachable(postgres)) && `no PostgreSQL at ${postgres.host}`

/** The URL of the PostgreSQL server with `change` applied. */
function variant(change: (url: URL) => void): string {
  const url = new URL(postgres)
  change(url)
  return url.toString()
}

const failure = (stderr: string) => ({ code: 1, stdout: '', stderr: `${stderr}\n` })

t.test('a database that does not exist: the command that creates it', { skip }, async (t) => {
  const name = `groups_missing_${randomId().toLowerCase()}`
  const url = variant((url) => (url.pathname = `/${name}`))

  t.same(
    await runServerToExit({ DATABASE_URL: url }),
    failure(
      `DATABASE_URL ${maskDatabaseUrl(url)}: database "${name}" does not exist; create it with: createdb -h ${postgres.hostname} -p ${port} -U postgres ${name}`,
    ),
  )
})

t.test('a role that does not exist: the command that creates it', { skip }, async (t) => {
  const role = `nobody_${randomId().toLowerCase()}`
  const url = variant((url) => {
    url.username = role
    url.password = ''
  })

  t.same(
    await runServerToExit({ DATABASE_URL: url }),
    failure(
      `DATABASE_URL ${url}: role "${role}" does not exist; create it with: createuser -h ${postgres.hostname} -p ${port} -U postgres --pwprompt ${role}, or fix the user in DATABASE_URL`,
    ),
  )
})

t.test('nothing listening on the port: start PostgreSQL or fix the URL', async (t) => {
  const url = 'postgres://postgres:secret@127.0.0.1:1/groups'

  t.same(
    await runServerToExit({ DATABASE_URL: url }),
    failure(
      'DATABASE_URL postgres://postgres:***@127.0.0.1:1/groups: nothing listens at 127.0.0.1:1 (connection refused); start PostgreSQL there, or fix the host or port in DATABASE_URL',
    ),
  )
})

t.test('a host that cannot be resolved', async (t) => {
  t.same(
    await runServerToExit({ DATABASE_URL: 'postgres://postgres@no-such-host.invalid/groups' }),
    failure(
      'DATABASE_URL postgres://postgres@no-such-host.invalid/groups: the host no-such-host.invalid cannot be resolved; fix the host name in DATABASE_URL',
    ),
  )
})

t.test('a DATABASE_URL that is not a postgres:// URL is a configuration error', async (t) => {
  t.same(
    await runServerToExit({ DATABASE_URL: 'localhost/groups' }),
    failure(
      'Invalid configuration: DATABASE_URL must be empty (the embedded database) or a URL like postgres://user:password@host:5432/database (got "localhost/groups")',
    ),
  )
})

t.test('first start without ADMIN_PASS warns how to create an admin; a taken port', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'groups-start-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const log: string[] = []
  const first = await startServer({ DATA_DIR: dataDir }, log)
  t.teardown(() => {
    first.child.kill('SIGKILL')
  })

  const warnings = log.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
  t.match(
    warnings.filter((entry) => entry.level === 40),
    [
      {
        msg: 'no admin user exists and ADMIN_PASS is empty: set ADMIN_PASS and restart, or stop the server and run: node dist/bin/cli.js create-admin --username admin --email admin@localhost (it reads the password from stdin)',
      },
    ],
  )

  const { port: taken } = new URL(first.url)
  t.same(
    await runServerToExit({
      DATA_DIR: await migratedDataDir(t),
      PORT: taken,
      LOG_LEVEL: 'error',
    }),
    failure(
      `PORT ${taken} on HOST 127.0.0.1 is taken: another process listens there; stop it, or set PORT to a free port`,
    ),
  )
  t.equal((await fetch(`${first.url}/livez`)).status, 200, 'the first server serves on')
})
