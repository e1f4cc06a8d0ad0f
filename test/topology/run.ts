// npm run test:topology: the layout of deploy/ on this machine (see test/topology/layout.ts),
// driven through HAProxy only with REST writes and SSE and DDP readers while faults are injected
// one after another. Prints every acknowledged write present, the events missed, out of order
// and leaked per reader, a recovery time per fault and throughput beside a direct process.
// Exit status 1 when any check fails. TOPOLOGY_REPLICATION=async runs the asynchronous choice.
import { execFileSync } from 'node:child_process'
import autocannon from 'autocannon'
import pg from 'pg'
import { authHeaders, call, DdpReader, type Login, SseReader } from './clients.js'
import { ensurePackages, freePort, Layout } from './layout.js'

const GROUPS = 6
const STREAM_USERS = 30
const replication = process.env.TOPOLOGY_REPLICATION === 'async' ? 'async' : 'sync'
const failures: string[] = []
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok' : 'FAILED'}: ${what}`)
  if (!ok) failures.push(what)
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `condition` holds, at most `ms`; returns whether it did. */
async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, everyMs = 50) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await condition()) return true
    await pause(everyMs)
  }
  return false
}

ensurePackages()
const ports = {
  primary: await freePort(),
  standby: await freePort(),
  pgbouncer: await freePort(),
  api: await freePort(),
  haproxy: await freePort(),
}
const layout = new Layout(ports, replication)
const stopAll = () => layout.destroy()
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)))

const ready = (index: number) =>
  waitFor(
    async () => (await call(layout.apiUrl(index), 'GET', '/readyz')).status === 200,
    60_000,
    200,
  )

try {
  console.log(`layout in ${layout.dir}; replication ${replication}; ports ${JSON.stringify(ports)}`)
  layout.startDatabases()
  check(
    await waitFor(() => layout.replicationState() === replication, 30_000, 200),
    `the standby streams, ${replication}hronous`,
  )
  layout.startPgbouncer()

  // Named statements through PgBouncer 1.18 in transaction mode: the start must refuse them.
  const refused = layout.startApi(0, { DATABASE_PREPARED_STATEMENTS: 'true' })
  const code = await new Promise((resolve) => refused.once('exit', resolve))
  const log = execFileSync('tail', ['-n', '3', `${layout.dir}/api1.log`]).toString()
  check(
    code === 1 && log.includes('set DATABASE_PREPARED_STATEMENTS=false'),
    'with prepared statements on behind the transaction pooler, the start stops naming the setting',
  )

  layout.startApi(0)
  check(await ready(0), 'api1 ready through PgBouncer')
  // One after another: two starts at once on a busy machine wait on each other's migration lock.
  layout.startApi(1)
  check(await ready(1), 'api2 ready')
  layout.startApi(2)
  check(await ready(2), 'api3 ready')
  layout.startHaproxy()
  const base = layout.haproxyUrl
  check(
    await waitFor(async () => (await call(base, 'GET', '/readyz')).status === 200, 20_000, 200),
    'HAProxy serves',
  )

  // Seed through the balancer: the admin, users each logging in from an address of their own.
  const adminLogin = await call(base, 'POST', '/api/v1/login', {
    body: { user: 'admin', password: 'topology-admin-pass' },
  })
  const data = (answer: { body: Record<string, unknown> }) => answer.body.data as Login
  const admin = data(adminLogin)
  const asAdmin = { headers: authHeaders(admin) }
  const users: Array<Login & { username: string; from: string }> = []
  for (let i = 0; i < STREAM_USERS; i++) {
    const username = `topo${i}`
    const created = await call(base, 'POST', '/api/v1/users.create', {
      ...asAdmin,
      body: {
        username,
        name: username,
        email: `${username}@example.com`,
        password: 'topology-pass',
      },
    })
    if (created.status !== 200) throw new Error(`users.create: ${JSON.stringify(created.body)}`)
    const from = `127.0.1.${i + 1}`
    const login = await call(base, 'POST', '/api/v1/login', {
      body: { user: username, password: 'topology-pass' },
      from,
    })
    if (login.status !== 200) throw new Error(`login of ${username}: ${JSON.stringify(login.body)}`)
    users.push({ ...data(login), username, from })
  }
  console.log(`${STREAM_USERS} users logged in through HAProxy, each from its own address`)

  // Many users' streams through one balancer address: none is refused.
  const streams = users.map((user) => new SseReader(base, user, '', user.from))
  const running = streams.map((reader) => reader.run())
  check(
    await waitFor(() => streams.every((reader) => reader.connections > 0), 20_000),
    `${STREAM_USERS} users' event streams open through HAProxy`,
  )
  check(
    streams.every((reader) => reader.tooMany === 0),
    'no 429 for any of them',
  )
  for (const reader of streams) reader.stop()
  await Promise.all(running)

  // Groups: one per reader user (each in exactly one), and one no reader is in.
  const groups: string[] = []
  for (let g = 0; g <= GROUPS; g++) {
    const members = g < GROUPS ? [users[2 * g]?.username, users[2 * g + 1]?.username] : []
    const created = await call(base, 'POST', '/api/v1/groups.create', {
      ...asAdmin,
      body: { name: `topology-${g}`, members },
    })
    groups.push(String((created.body.group as { _id: string })._id))
  }
  const readers = Array.from({ length: GROUPS }, (_, g) => {
    const sseUser = users[2 * g] as (typeof users)[number]
    const ddpUser = users[2 * g + 1] as (typeof users)[number]
    return [
      new SseReader(base, sseUser, groups[g] as string, sseUser.from),
      new DdpReader(base, ddpUser, groups[g] as string, ddpUser.from),
    ]
  }).flat()
  const reading = readers.map((reader) => reader.run())
  await waitFor(() => readers.every((reader) => reader.connections > 0), 20_000)

  // The writers: topics set through HAProxy; every 2xx is remembered.
  const acknowledged: Array<{ roomId: string; topic: string }> = []
  let writes = 0
  let failedWrites = 0
  let writing = true
  const setTopic = async (roomId: string, topic: string) => {
    const answer = await call(base, 'POST', '/api/v1/groups.setTopic', {
      ...asAdmin,
      body: { roomId, topic },
    })
    writes += 1
    if (answer.status === 200) acknowledged.push({ roomId, topic })
    else failedWrites += 1
    return answer.status === 200
  }
  const writer = async (w: number) => {
    for (let n = 0; writing && n < 100_000; n++) {
      const ok = await setTopic(groups[(w + n) % groups.length] as string, `w-${w}-${n}`)
      await pause(ok ? 20 : 200)
    }
  }
  const writers = [0, 1, 2, 3].map((w) => writer(w))

  /** The newest message of a group in the database (the primary in service now). */
  const caughtUp = async () => {
    const marks = groups
      .slice(0, GROUPS)
      .map((roomId, g) => ({ roomId, topic: `probe-${Date.now()}-${g}` }))
    const deadline = Date.now() + 90_000
    for (const mark of marks) {
      while (!(await setTopic(mark.roomId, mark.topic))) {
        if (Date.now() > deadline) return false
        await pause(100)
      }
    }
    const seenAll = () =>
      readers.every((reader) =>
        reader.seen.some(
          (seen) => seen.msg === marks.find((m) => m.roomId === reader.roomId)?.topic,
        ),
      )
    const ok = await waitFor(seenAll, 90_000, 50)
    for (const reader of readers) {
      const mark = marks.find((m) => m.roomId === reader.roomId)?.topic
      if (ok || reader.seen.some((seen) => seen.msg === mark)) continue
      console.log(
        `  behind: ${reader.constructor.name} of ${reader.login.userId}: ${reader.connections} connections, ${reader.tooMany} refused 429, last ${reader.lastEventId}`,
      )
    }
    return ok
  }

  await pause(3000)
  check(await caughtUp(), 'every reader receives before the faults')

  const recoveries: Array<[string, number]> = []
  const fault = async (
    name: string,
    inject: () => Promise<void> | void,
    after?: () => Promise<void> | void,
  ) => {
    const start = Date.now()
    await inject()
    const ok = await caughtUp()
    const seconds = (Date.now() - start) / 1000
    recoveries.push([name, seconds])
    check(
      ok,
      `${name}: writes acknowledged and every reader has them again after ${seconds.toFixed(1)} s`,
    )
    await after?.()
  }

  await fault(
    'kill -9 of api2',
    () => {
      layout.apis[1]?.kill('SIGKILL')
    },
    async () => {
      layout.startApi(1)
      check(await ready(1), 'api2 restarted and ready')
    },
  )
  await pause(2000)
  // Stopped for 20 s whatever happens meanwhile: recovery is measured while it hangs.
  let woken: Promise<unknown> = Promise.resolve()
  await fault(
    'SIGSTOP of api3',
    () => {
      layout.apis[2]?.kill('SIGSTOP')
      woken = pause(20_000)
    },
    async () => {
      await woken
      layout.apis[2]?.kill('SIGCONT')
      check(await ready(2), 'api3 ready again after SIGCONT')
    },
  )
  await pause(2000)
  await fault('PgBouncer restart', async () => {
    await layout.stopPgbouncer()
    layout.startPgbouncer()
  })
  await pause(2000)
  await fault('primary stopped, standby promoted, PgBouncer repointed', () => {
    layout.stopPrimary()
    layout.promoteStandby()
    layout.repointPgbouncer()
  })
  await pause(3000)

  writing = false
  await Promise.all(writers)
  check(await caughtUp(), 'every reader caught up at the end')
  for (const reader of readers) reader.stop()
  await Promise.all(reading)

  // Every acknowledged write in the database now serving (the promoted standby).
  const db = new pg.Client({ connectionString: layout.directUrl(ports.standby) })
  await db.connect()
  const stored = await db.query<{ room_id: string; msg: string }>(
    "select room_id, msg from messages where type = 'room_changed_topic'",
  )
  const present = new Set(stored.rows.map((row) => `${row.room_id} ${row.msg}`))
  const lost = acknowledged.filter((write) => !present.has(`${write.roomId} ${write.topic}`))
  check(
    lost.length === 0,
    `every acknowledged write present (${acknowledged.length} acknowledged, ${lost.length} missing; ${writes} sent, ${failedWrites} not acknowledged)`,
  )

  // Each reader against the log: its group's messages, in the log's (commit) order.
  let missed = 0
  let outOfOrder = 0
  let leaked = 0
  let resets = 0
  for (const reader of readers) {
    const log = await db.query<{ id: string }>(
      "select data->'message'->>'id' as id from events where kind = 'message' and room_id = $1 and data->'message'->>'msg' ~ '^(w|probe)-' order by events.id",
      [reader.roomId],
    )
    const entitled = log.rows.map((row) => row.id)
    const seen = reader.seen.filter((s) => /^(w|probe)-/.test(s.msg)).map((s) => s.messageId)
    const position = new Map(entitled.map((id, index) => [id, index]))
    missed += entitled.filter((id) => !seen.includes(id)).length
    leaked += reader.leaked.length + seen.filter((id) => !position.has(id)).length
    const order = seen.map((id) => position.get(id) ?? -1).filter((index) => index >= 0)
    outOfOrder += order.filter((index, i) => i > 0 && index < (order[i - 1] as number)).length
    resets += reader.resets
    console.log(
      `  ${reader.constructor.name} of ${reader.login.userId}: ${seen.length} of ${entitled.length} events, ${reader.connections} connections, ${reader.resets} resets`,
    )
  }
  await db.end()
  console.log(`${missed} missed, ${outOfOrder} out of order, ${leaked} leaked, ${resets} resets`)
  check(missed === 0 && outOfOrder === 0 && leaked === 0, '0 missed, 0 out of order, 0 leaked')
  if (replication === 'sync')
    check(resets === 0, 'synchronous replication: no position lost, no reset')

  for (const [name, seconds] of recoveries)
    console.log(`recovery: ${name}: ${seconds.toFixed(1)} s`)

  // Throughput: groups.info through HAProxy and PgBouncer beside one process straight on PostgreSQL.
  const direct = layout.startApi(3, {
    HOST: '127.0.0.5',
    DATABASE_URL: layout.directUrl(ports.standby),
    DATABASE_LISTEN_URL: '',
    DATABASE_PREPARED_STATEMENTS: 'true',
  })
  const directUrl = `http://127.0.0.5:${ports.api}`
  await waitFor(async () => (await call(directUrl, 'GET', '/readyz')).status === 200, 30_000, 200)
  const measure = async (url: string) => {
    const result = await autocannon({
      url: `${url}/api/v1/groups.info?roomId=${groups[0]}`,
      headers: authHeaders(admin),
      connections: 32,
      duration: 8,
    })
    return {
      rps: Math.round(result.requests.average),
      p99: result.latency.p99,
      non2xx: result.non2xx,
    }
  }
  const through = await measure(base)
  const straight = await measure(directUrl)
  direct.kill('SIGTERM')
  console.log(
    `throughput groups.info, 32 connections: HAProxy + 3 hosts + PgBouncer ${through.rps} req/s (p99 ${through.p99} ms, ${through.non2xx} non-2xx); one host straight on PostgreSQL ${straight.rps} req/s (p99 ${straight.p99} ms)`,
  )
} catch (error) {
  failures.push(String(error instanceof Error ? error.stack : error))
  console.error(error)
} finally {
  // A failed run keeps its directory (configuration and every process's log) to read.
  if (failures.length > 0) process.env.TOPOLOGY_KEEP = '1'
  await stopAll()
}
console.log(
  failures.length === 0 ? 'topology: all checks passed' : `topology: ${failures.length} failed`,
)
process.exit(failures.length === 0 ? 0 : 1)
