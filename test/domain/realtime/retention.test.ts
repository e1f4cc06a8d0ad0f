// The event log's retention: pruning deletes whole transactions, never one still open nor any
// after it, records the moment before which events may be gone, and catching up from before
// that moment is refused.
import { sql } from 'kysely'
import type pg from 'pg'
import t, { type Test } from 'tap'
import { prunedBefore, pruneEvents } from '../../../db/queries/events.js'
import { api, assertReply, fixture, refusal, waitFor } from '../../helper.js'

const db = await fixture.testDatabase(t)

/** Each test starts from an empty log that no prune has touched. */
async function emptyLog() {
  await db.deleteFrom('events').execute()
  await db.updateTable('event_log_state').set({ pruned_before: null }).execute()
}

interface LoggedTransaction {
  xid: string
  ids: number[]
}

/** The committed transactions in the log, in log order, each with its events' ids. */
async function transactions(): Promise<LoggedTransaction[]> {
  const { rows } = await sql<LoggedTransaction>`
    select xid::text as xid, array_agg(id::int order by id) as ids
    from events group by xid order by xid`.execute(db)
  return rows
}

/** Stamps events with a time (text, so microseconds can be given). */
async function setCreatedAt(ids: number[], moment: string) {
  await db
    .updateTable('events')
    .set({ created_at: sql<Date>`${moment}::timestamptz` })
    .where('id', 'in', ids)
    .execute()
}

async function prunedBeforeText() {
  return (await prunedBefore(db))?.toISOString() ?? null
}

/** A connection of its own to the test's PostgreSQL database, given back after the test. */
async function ownConnection(t: Test): Promise<pg.PoolClient> {
  const { backend } = db
  if (!backend || !('pool' in backend)) throw new Error('needs PostgreSQL')
  const client = await backend.pool.connect()
  t.teardown(async () => {
    await client.query('rollback')
    client.release()
  })
  return client
}

t.test('pruneEvents deletes whole transactions that logged before the cutoff', async (t) => {
  await emptyLog()
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner)
  await api(app, owner).on(group).post('groups.setTopic', { topic: 'first' })
  await api(app, owner).on(group).post('groups.setTopic', { topic: 'second' })
  const logged = await transactions()
  t.equal(logged.length, 3, 'the group created, then two topics set')
  const [created, straddling, later] = logged as [
    LoggedTransaction,
    LoggedTransaction,
    LoggedTransaction,
  ]
  t.ok(straddling.ids.length >= 2, 'a topic change logs several events')
  await setCreatedAt(created.ids, '2020-01-01T00:00:00Z')
  // One transaction on both sides of the cutoff: its later events go with its first.
  await setCreatedAt(straddling.ids.slice(0, 1), '2020-01-02T00:00:00Z')
  await setCreatedAt(straddling.ids.slice(1), '2020-01-04T00:00:00.000500Z')
  await setCreatedAt(later.ids, '2020-01-05T00:00:00Z')
  t.equal(await prunedBeforeText(), null, 'nothing pruned yet')

  const deleted = await pruneEvents(db, new Date('2020-01-03T00:00:00Z'))

  t.equal(deleted, created.ids.length + straddling.ids.length)
  t.same(await transactions(), [later], 'the transaction after the cutoff is whole')
  t.equal(
    await prunedBeforeText(),
    '2020-01-04T00:00:00.001Z',
    'the latest event deleted, rounded up to the millisecond',
  )
})

t.test('pruned_before never moves back, and an empty prune still records it', async (t) => {
  await emptyLog()
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)
  const [created] = await transactions()
  await setCreatedAt(created?.ids ?? [], '2020-01-01T00:00:00Z')

  t.equal(await pruneEvents(db, new Date('2020-02-01T00:00:00Z')), created?.ids.length)
  t.equal(await prunedBeforeText(), '2020-02-01T00:00:00.000Z', 'the cutoff, later than the events')

  t.equal(await pruneEvents(db, new Date('2020-01-15T00:00:00Z')), 0)
  t.equal(await prunedBeforeText(), '2020-02-01T00:00:00.000Z', 'an earlier cutoff changes nothing')

  t.equal(await pruneEvents(db, new Date('2020-03-01T00:00:00Z')), 0)
  t.equal(await prunedBeforeText(), '2020-03-01T00:00:00.000Z', 'a later one moves it on')
})

t.test(
  'pruneEvents never deletes past a transaction still open',
  // PGlite has one connection: no transaction can stay open beside the prune.
  { skip: fixture.onlyOnPostgres },
  async (t) => {
    await emptyLog()
    const app = await fixture.buildApp(t, db)
    const owner = await fixture.createTestUser(db)
    const first = await fixture.createTestGroup(app, owner)
    const open = await ownConnection(t)
    await open.query('begin')
    await open.query(`update rooms set topic = 'held open' where id = $1`, [first._id])
    await open.query(
      `update events set created_at = '2020-01-01T00:00:00Z' where xid = pg_current_xact_id()`,
    )
    await fixture.createTestGroup(app, owner)
    // Everything committed looks old; the open transaction's own event too, as it stamped it.
    await db.updateTable('events').set({ created_at: fixture.A_WHILE_AGO }).execute()
    const committed = await transactions()
    t.equal(committed.length, 2, 'two committed transactions, around the open one')
    const [created, createdAfter] = committed as [LoggedTransaction, LoggedTransaction]

    const deleted = await pruneEvents(db, new Date('2020-06-01T00:00:00Z'))

    t.equal(deleted, created.ids.length, 'only the transaction before the open one')
    t.same(await transactions(), [createdAfter], 'a later transaction, old as it is, is kept')
    await open.query('commit')
    const [held, kept] = (await transactions()) as [LoggedTransaction, LoggedTransaction]
    t.same(kept, createdAfter)
    t.ok(BigInt(held.xid) < BigInt(createdAfter.xid), 'the open transaction came first in the log')
    const { topic } = await db
      .selectFrom('rooms')
      .select('topic')
      .where('id', '=', first._id)
      .executeTakeFirstOrThrow()
    t.equal(topic, 'held open')

    t.equal(
      await pruneEvents(db, new Date('2020-06-01T00:00:00Z')),
      held.ids.length + createdAfter.ids.length,
      'once it has ended, the next prune takes both',
    )
    t.same(await transactions(), [])
  },
)

/** Prunes of this database waiting for the bookkeeping row. */
async function prunesWaiting() {
  const { rows } = await sql<{ waiting: number }>`
    select count(*)::int as waiting from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'
      and query like ${'%event_log_state%for update%'} and pid <> pg_backend_pid()`.execute(db)
  return rows[0]?.waiting ?? 0
}

t.test(
  'two processes pruning at once both succeed, each event deleted once',
  // PGlite has one connection: prunes there cannot overlap.
  { skip: fixture.onlyOnPostgres },
  async (t) => {
    await emptyLog()
    const app = await fixture.buildApp(t, db)
    const owner = await fixture.createTestUser(db)
    for (let i = 0; i < 3; i++) await fixture.createTestGroup(app, owner)
    await db.updateTable('events').set({ created_at: fixture.A_WHILE_AGO }).execute()
    const total = (await transactions()).reduce((sum, logged) => sum + logged.ids.length, 0)
    // Both prunes queue behind a lock held here, so they surely run at the same time.
    const holder = await ownConnection(t)
    await holder.query('begin')
    await holder.query('select * from event_log_state for update')
    const other = fixture.otherProcessDatabase(t, db, 2)
    const prunes = [
      pruneEvents(db, new Date('2020-02-01T00:00:00Z')),
      pruneEvents(other, new Date('2020-03-01T00:00:00Z')),
    ]
    await waitFor(async () => (await prunesWaiting()) >= 2)
    t.equal(await prunesWaiting(), 2, 'both prunes wait for the bookkeeping row')
    await holder.query('rollback')

    const deleted = await Promise.all(prunes)

    t.same(
      [...deleted].sort((a, b) => a - b),
      [0, total],
      'the first deletes every event, the second finds none left',
    )
    t.same(await transactions(), [])
    t.equal(await prunedBeforeText(), '2020-03-01T00:00:00.000Z', 'the later cutoff is kept')
  },
)

const tooOld = (keptSince: string) =>
  refusal(
    'error-updatedSince-too-old',
    `The changes before ${keptSince} are no longer kept: call again without "updatedSince" to reload everything`,
  )

t.test('subscriptions.get and rooms.get refuse an updatedSince before pruned_before', async (t) => {
  await emptyLog()
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, user)
  await pruneEvents(db, new Date('2021-06-01T12:00:00.000Z'))
  t.equal(await prunedBeforeText(), '2021-06-01T12:00:00.000Z')

  // A subscription names its group `rid`, a room its own `_id`.
  const endpoints = [
    ['subscriptions.get', 'rid'],
    ['rooms.get', '_id'],
  ] as const
  for (const [endpoint, groupKey] of endpoints) {
    const get = (updatedSince: string) => api(app, user).get(endpoint, { updatedSince })
    const groupsIn = (body: { update: Array<Record<string, unknown>> }) =>
      body.update.map((document) => document[groupKey])
    const refused = tooOld('2021-06-01T12:00:00.000Z')
    assertReply(t, await get('2021-06-01T11:59:59.999Z'), 400, refused, `${endpoint}: 1 ms before`)
    assertReply(t, await get('2021-06-01T13:59:59.999+02:00'), 400, refused, `${endpoint}: zone`)
    assertReply(t, await get('2000-01-01'), 400, refused, `${endpoint}: long before`)

    for (const updatedSince of ['2021-06-01T12:00:00.000Z', '2021-06-01T14:00:00.000+02:00']) {
      const response = await get(updatedSince)
      t.equal(response.statusCode, 200, `${endpoint} from ${updatedSince}: answered`)
      t.same(groupsIn(response.json()), [group._id], 'the group changed since')
      t.match(response.json(), { remove: [], success: true })
    }
    for (const all of [await api(app, user).get(endpoint), await get('')]) {
      t.equal(all.statusCode, 200, `${endpoint} without updatedSince: answered`)
      t.same(groupsIn(all.json()), [group._id])
      t.match(all.json(), { remove: [], success: true })
    }
  }
})

t.test('a removal logged after pruned_before is still listed', async (t) => {
  await emptyLog()
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const member = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner, [member])
  const subscription = (
    await api(app, member).get('subscriptions.getOne', { roomId: group._id })
  ).json().subscription._id
  await db.updateTable('events').set({ created_at: fixture.A_WHILE_AGO }).execute()
  await api(app, owner).on(group).post('groups.kick', { userId: member.id })
  const { created_at: kickedAt } = await db
    .selectFrom('events')
    .select('created_at')
    .where('kind', '=', 'member.removed')
    .executeTakeFirstOrThrow()

  t.ok((await pruneEvents(db, new Date('2020-06-01T00:00:00.000Z'))) > 0, 'the old events went')

  const get = (updatedSince: string) => api(app, member).get('subscriptions.get', { updatedSince })
  assertReply(t, await get('2020-06-01T00:00:00.000Z'), 200, {
    update: [],
    remove: [{ _id: subscription, _deletedAt: kickedAt.toISOString() }],
    success: true,
  })
  assertReply(t, await get('2020-05-31T23:59:59.999Z'), 400, tooOld('2020-06-01T00:00:00.000Z'))
})
