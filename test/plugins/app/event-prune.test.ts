// The pruning job: each process deletes the events older than EVENTS_RETENTION_MS on a timer,
// logs a failed prune and goes on, stops when the app closes, and reports to /metrics.
//
// A prune's cutoff is taken from Node's clock, and the events' times from the database's. The
// tests stamp the events with times they choose by Node's clock, so that every time compared
// comes from one clock.
import { sql } from 'kysely'
import t from 'tap'
import { buildServer } from '../../../build-server.js'
import type { Db } from '../../../db/database.js'
import { prunedBefore } from '../../../db/queries/events.js'
import { eventually, fixture, until } from '../../helper.js'

const db = await fixture.testDatabase(t)

const RETENTION_MS = 60_000
/** A minute's retention, pruned every tenth of a second. */
const pruneQuickly = {
  EVENTS_RETENTION_MS: String(RETENTION_MS),
  EVENTS_PRUNE_INTERVAL_MS: '100',
}

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

/** Stamps the events with ids after `after`, up to `upTo`, with a time by Node's clock. */
async function stampEvents(at: Date, { after = 0, upTo = Number.MAX_SAFE_INTEGER } = {}) {
  await db
    .updateTable('events')
    .set({ created_at: at })
    .where('id', '>', after)
    .where('id', '<=', upTo)
    .execute()
}

/** A time two minutes ago: past a minute's retention. */
const twoMinutesAgo = () => new Date(Date.now() - 2 * RETENTION_MS)

async function lastEventId() {
  const { id } = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow()
  return Number(id)
}

async function oldestEventTime() {
  const { oldest } = await db
    .selectFrom('events')
    .select((eb) => eb.fn.min('created_at').as('oldest'))
    .executeTakeFirstOrThrow()
  return oldest === null ? undefined : new Date(oldest).getTime()
}

/**
 * Returns once a prune on `database` that started after this call has finished: every prune
 * records a cutoff a retention before it started, by Node's clock, so pruned_before moves past
 * a retention before now only by a prune that started later.
 */
async function aLaterPrune(database: Db = db) {
  const cutoffNow = Date.now() - RETENTION_MS
  await until(
    'a later prune',
    async () => ((await prunedBefore(database))?.getTime() ?? 0) > cutoffNow,
  )
}

/** The value of one sample line, `name value`, or undefined when there is none. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('the job deletes events older than the retention, keeps newer ones', async (t) => {
  await emptyLog()
  // Each prune of this app starts after this, so takes a cutoff no earlier than a minute before.
  const builtAt = Date.now()
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
  await stampEvents(new Date(), { after: lastOld })
  const oldAt = twoMinutesAgo()
  await stampEvents(oldAt, { upTo: lastOld })

  await eventually(t, 'the old events are deleted', async () => (await eventCount()) === recent)

  const keptSince = (await prunedBefore(db))?.getTime() ?? 0
  t.ok(keptSince >= builtAt - RETENTION_MS, 'pruned_before is a minute before a prune')
  t.ok(keptSince <= Date.now() - RETENTION_MS, 'and not later')
  t.ok(oldAt.getTime() < keptSince, 'every deleted event is older than pruned_before')
  t.ok(((await oldestEventTime()) ?? 0) >= keptSince, 'no event kept is older than it')
  for (let prunes = 0; prunes < 3; prunes++) await aLaterPrune()
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
  // The table away first: a prune that ran between the two would delete the events it needs.
  await sql`alter table event_log_state rename to event_log_state_away`.execute(db)
  await stampEvents(twoMinutesAgo())
  const failed = () => lines.filter((line) => line.includes('could not sweep expired events'))

  await eventually(t, 'the failure is logged', () => failed().length > 0)

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
  await aLaterPrune()
  // Another app, on a database of its own, prunes on the same period: it tells when the closed
  // app's timer would have fired several times.
  const elsewhere = await fixture.testDatabase(t)
  await fixture.buildApp(t, elsewhere, fixture.testConfig(pruneQuickly))

  await app.close()
  const keptSince = await prunedBefore(db)
  await stampEvents(twoMinutesAgo())
  for (let prunes = 0; prunes < 5; prunes++) await aLaterPrune(elsewhere)

  t.equal(await eventCount(), logged, 'five periods later, the old events are still there')
  t.equal((await prunedBefore(db))?.getTime(), keptSince?.getTime(), 'and no prune recorded more')
})
