// Settings for running behind a connection pooler, on PostgreSQL itself: the session probe finds
// one session, and the notification listener connects where DATABASE_LISTEN_URL says.
import { sql } from 'kysely'
import t from 'tap'
import { createDatabase } from '../../db/database.js'
import { listenerLost, listenToChannel } from '../../db/notifications.js'
import { DeferredBeginClient } from '../../db/pg-client.js'
import { checkNamedStatements } from '../../db/pooler-check.js'
import { postgresUrl, testDatabase, until } from '../helper.js'

const skip = !postgresUrl && 'a pooler and a listening connection exist only on PostgreSQL'
const db = await testDatabase(t)
const urlOf = () =>
  String(
    (db.backend as { pool: { options: { connectionString: string } } }).pool.options
      .connectionString,
  )

t.test('straight to PostgreSQL, named statements keep their session', { skip }, async (t) => {
  t.equal(await checkNamedStatements(urlOf()), 'one-session')
})

t.test('the listener connects to DATABASE_LISTEN_URL, not to the pool', { skip }, async (t) => {
  const nowhere = new URL(urlOf())
  nowhere.port = '1'
  const own = createDatabase({
    url: urlOf(),
    listenUrl: nowhere.toString(),
    poolSize: 1,
    dataDir: '',
  })
  t.teardown(() => own.destroy())
  const handlers = { onListening: () => {}, onLost: () => {}, onNotification: () => {} }
  const listener = await listenToChannel(own, 'pooler_test', handlers)
  t.teardown(() => listener.close())
  await until('the listener fails', () => listenerLost(own))
  t.equal(
    (await sql<{ one: number }>`select 1 as one`.execute(own)).rows[0]?.one,
    1,
    'the pool works',
  )

  const direct = createDatabase({
    url: nowhere.toString(),
    listenUrl: urlOf(),
    poolSize: 1,
    dataDir: '',
  })
  t.teardown(() => direct.destroy())
  let listening = false
  const heard = await listenToChannel(direct, 'pooler_test', {
    ...handlers,
    onListening: () => {
      listening = true
    },
  })
  t.teardown(() => heard.close())
  t.ok(listening, 'listening through DATABASE_LISTEN_URL while the pool has nothing to reach')
  t.notOk(listenerLost(direct))
})

t.test(
  'a connection lost while checked out fails its query, not the process',
  { skip },
  async (t) => {
    // Checked out of the pool, a connection has no listener but its own: unheard, the loss would
    // be an 'error' event thrown out of the process.
    const client = new DeferredBeginClient(urlOf())
    await client.connect()
    const { rows } = await client.query('select pg_backend_pid() as pid')
    const ended = new Promise((resolve) => client.once('end', resolve))
    await sql`select pg_terminate_backend(${(rows[0] as { pid: number }).pid})`.execute(db)
    await ended
    await t.rejects(client.query('select 1'), 'the next query fails')
  },
)
