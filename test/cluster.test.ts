import { connect } from 'node:net'
import { sql } from 'kysely'
import t from 'tap'
import { assertInvariants, onlyOnPostgres, postgresUrl, testDatabase, until } from './helper.js'
import { databaseUrlOf, seedGroups, startCluster } from './support/cluster.js'
import { startServer } from './support/server-process.js'
import { countMessages, findLostUpdates, runWorkload } from './support/workload.js'

// Several processes only share state through a real server; PGlite is one process's file.
const TOTAL = Number(process.env.STRESS_REQUESTS ?? 600)
// Leaves and kicks empty groups as the run goes on: more requests get more groups to work on.
const GROUPS = Math.max(6, Math.ceil(TOTAL / 100))

const db = await testDatabase(t)

/** The figures a run reports: how many requests, and how they were answered. */
function summary(outcomes: Array<{ status: number }>) {
  const byStatus = new Map<number, number>()
  for (const { status } of outcomes) byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
  const statuses = [...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${n}×${s}`)
  return `${outcomes.length} requests over ${GROUPS} groups: ${statuses.join(', ')}`
}

t.test(
  'two processes on one database: interleaved membership changes lose nothing',
  // Skipped on the embedded database: it needs several connections to one PostgreSQL server.
  { skip: onlyOnPostgres },
  async (t) => {
    const cluster = await startCluster(t, await databaseUrlOf(db, postgresUrl), 2)
    const groups = await seedGroups(db, GROUPS, 8)
    const before = await countMessages(db)

    const outcomes = await runWorkload({
      servers: () => cluster.servers.map((server) => server.url),
      groups,
      total: TOTAL,
      clients: 16,
    })
    t.comment(summary(outcomes))

    t.same(
      outcomes.filter((o) => o.status >= 500 || o.status === 0),
      [],
      'no server error, nothing dropped',
    )
    t.ok(outcomes.filter((o) => o.status === 200).length > TOTAL / 10, 'a good share succeeded')
    t.same(await findLostUpdates(db, outcomes, before), [], 'every 200 is in the stored state')
    await assertInvariants(t, db)
  },
)

t.test(
  'kill -9 of one process under write load: nothing half-done, and it starts again',
  // Skipped on the embedded database: it needs several connections to one PostgreSQL server.
  { skip: onlyOnPostgres },
  async (t) => {
    const cluster = await startCluster(t, await databaseUrlOf(db, postgresUrl), 2)
    const groups = await seedGroups(db, GROUPS, 8)
    const before = await countMessages(db)
    const victim = cluster.servers[1]
    let restarted: Promise<unknown> | undefined

    const outcomes = await runWorkload({
      servers: () =>
        cluster.servers
          .filter((server) => server.child.exitCode === null && server.child.signalCode === null)
          .map((server) => server.url),
      groups,
      total: TOTAL,
      clients: 16,
      onProgress: (done) => {
        if (done === Math.floor(TOTAL / 4)) victim?.child.kill('SIGKILL')
        if (done === Math.floor(TOTAL / 2)) restarted = cluster.start()
      },
    })
    await restarted
    t.comment(summary(outcomes))

    t.equal(await victim?.exited, 'SIGKILL')
    t.same(
      outcomes.filter((o) => o.status >= 500),
      [],
      'no server error',
    )
    t.same(await findLostUpdates(db, outcomes, before), [], 'every 200 is in the stored state')
    await assertInvariants(t, db)
    const revived = cluster.servers.at(-1)
    const info = await fetch(`${revived?.url}/api/info`)
    t.equal(info.status, 200, 'the restarted process serves')
  },
)

t.test(
  'SIGTERM lets in-flight requests finish, then exits cleanly',
  // Skipped on the embedded database: it needs several connections to one PostgreSQL server.
  { skip: onlyOnPostgres },
  async (t) => {
    const log: string[] = []
    const server = await startServer({ DATABASE_URL: await databaseUrlOf(db, postgresUrl) }, log)
    t.teardown(() => {
      if (server.child.exitCode === null) server.child.kill('SIGKILL')
    })
    const [group] = await seedGroups(db, 1, 2)
    const owner = group?.users[0]
    if (!group || !owner) throw new Error('no group seeded')

    // Hold the group's row so the renames below stay in flight until it is released.
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const holder = db.transaction().execute(async (trx) => {
      await sql`select id from rooms where id = ${group.id} for update`.execute(trx)
      await held
    })
    const renames = Array.from({ length: 5 }, (_, index) =>
      fetch(`${server.url}/api/v1/groups.rename`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...owner.headers },
        body: JSON.stringify({ roomId: group.id, name: `drained-${index}-${group.id}` }),
      }).then(
        (response) => `${response.status} ${response.headers.get('connection')}`,
        (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? 'failed',
      ),
    )
    await until('five renames wait for the group', async () => (await lockWaiters()) === 5, {
      timeoutMs: 10_000,
    })

    server.child.kill('SIGTERM')
    // Logged, then no new connection taken: the close has got as far as waiting for the
    // requests in flight.
    await until('the shutdown begins', () => log.some((line) => line.includes('"closing"')))
    await until('the server stops listening', async () => !(await acceptsConnections(server.url)))
    t.equal(server.child.exitCode, null, 'still running while requests are in flight')
    release()
    await holder

    t.same(
      await Promise.all(renames),
      Array(5).fill('200 close'),
      'every in-flight request answered, its keep-alive connection closed with the answer',
    )
    t.equal(await server.exited, 0, 'exit code 0')
    t.ok(
      log.some((line) => line.includes('"closing"')),
      'the shutdown was logged',
    )
  },
)

/**
 * Requests of the service waiting for the group: the first for its row, the others for its turn
 * (an advisory lock, taken by take_turns before the row).
 */
async function lockWaiters() {
  const { rows } = await sql<{ waiting: number }>`
    select count(*)::int as waiting from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'
      and (query like ${'%for update%'} or query like ${'%take_turns%'})
      and pid <> pg_backend_pid()`.execute(db)
  return rows[0]?.waiting ?? 0
}

/** Whether a new TCP connection to the server is accepted. */
function acceptsConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
