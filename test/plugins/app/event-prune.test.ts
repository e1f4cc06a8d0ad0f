// The pruning job: each process deletes the events older than EVENTS_RETENTION_MS on a timer,
// logs a failed prune and goes on, stops when the app closes, and reports to /metrics.
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { buildServer } from '../../../build-server.js'
import { prunedBefore } from '../../../db/queries/events.js'
import { fixture } from '../../helper.js'

const db = await fixture.testDatabase(t)

/** A minute's retention, pruned every tenth of a second. */
const pruneQuickly = { EVENTS_RETENTION_MS: '60000', EVENTS_PRUNE_INTERVAL_MS: '100' }

async function emptyLog() {
  await db.deleteFrom('events').execute()
  await db.updateTable('event_log_state').set({ pruned_before: null }).execute()
}

async function eventCount() {
  const { count } = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return count
}

/** Makes the events in the log (up to an id) look two minutes old: past a minute's retention. */
async function ageEvents(upToId = Number.MAX_SAFE_INTEGER) {
  await db
    .updateTable('events')
    .set({ created_at: sql<Date>`now() - interval '2 minutes'` })
    .where('id', '<=', upToId)
    .execute()
}

async function lastEventId() {
  const { id } = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow()
  return Number(id)
}

/** Waits until `check` holds (the timer's work), failing after five seconds. */
async function eventually(t: Test, what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + 5000
  while (!(await check())) {
    if (Date.now() > deadline) return t.fail(what)
    await sleep(20)
  }
  t.pass(what)
}

/** The value of one sample line, `name value`, or undefined when there is none. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('the job deletes events older than the retention, keeps newer ones', async (t) => {
  await emptyLog()
  const app = await fixture.buildApp(
    t,
    db,
    fixture.testConfig({ ...pruneQuickly, METRICS: 'true' }),
  )
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)
  const old = await eventCount()
  const lastOld = await lastEventId()
  await fixture.createTestGroup(app, owner)
  const recent = (await eventCount()) - old
  t.ok(old > 0 && recent > 0, 'each group created logs events')
  const startedAt = Date.now()
  await ageEvents(lastOld)

  await eventually(t, 'the old events are deleted', async () => (await eventCount()) === recent)

  const keptSince = (await prunedBefore(db))?.getTime() ?? 0
  t.ok(keptSince >= startedAt - 60_000, 'pruned_before is a minute before a prune')
  t.ok(keptSince <= Date.now() - 60_000, 'and not later')
  await sleep(300)
  t.equal(await eventCount(), recent, 'the recent events stay')
  const { body } = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(sample(body, 'events_pruned_total'), old, 'the deleted events are counted')
  t.match(body, '# TYPE events_log_rows gauge')
  if (fixture.postgresUrl) {
    t.ok((sample(body, 'events_log_rows') ?? -1) >= 0, "PostgreSQL's estimate")
  } else {
    t.equal(sample(body, 'events_log_rows'), recent, 'counted on the embedded database')
  }
})

t.test('a failed prune is logged as a warning, and the next one goes ahead', async (t) => {
  await emptyLog()
  const lines: string[] = []
  const app = await buildServer(fixture.testConfig({ ...pruneQuickly, LOG_LEVEL: 'warn' }), {
    db,
    logStream: { write: (line) => lines.push(line) },
  })
  await app.ready()
  t.teardown(() => app.close())
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)
  await ageEvents()
  await sql`alter table event_log_state rename to event_log_state_away`.execute(db)
  const failed = () => lines.filter((line) => line.includes('could not sweep expired events'))

  await eventually(t, 'the failure is logged', async () => failed().length > 0)

  t.match(JSON.parse(failed()[0] ?? '{}'), { level: 40, err: { message: /event_log_state/ } })
  t.ok((await eventCount()) > 0, 'nothing deleted meanwhile')
  await sql`alter table event_log_state_away rename to event_log_state`.execute(db)
  await eventually(t, 'the next prune deletes them', async () => (await eventCount()) === 0)
})

t.test('closing the app stops its job', async (t) => {
  await emptyLog()
  const app = await fixture.buildApp(t, db, fixture.testConfig(pruneQuickly))
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)
  const logged = await eventCount()

  await app.close()
  const keptSince = await prunedBefore(db)
  await ageEvents()
  await sleep(500)

  t.equal(await eventCount(), logged, 'five periods later, the old events are still there')
  t.equal((await prunedBefore(db))?.getTime(), keptSince?.getTime(), 'and no prune recorded more')
})
