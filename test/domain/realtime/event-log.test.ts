import { sql } from 'kysely'
import pg from 'pg'
import t, { type Test } from 'tap'
import { logHead, readRowsAfter, readUserRowsBetween } from '../../../db/queries/events.js'
import { onlyOnPostgres, postgresUrl, testDatabase } from '../../helper.js'
import { databaseUrlOf } from '../../support/cluster.js'

const db = await testDatabase(t)

/**
 * Two finished transactions' events whose ids have different numbers of digits (99 and 100),
 * written with those ids by hand. Ordered as text, 100 would come before 99.
 */
async function logAcrossADigit() {
  await sql`
    insert into events (xid, kind, data) values
      ('100'::xid8, 'test.later', '{}'::jsonb),
      ('99'::xid8, 'test.earlier', '{}'::jsonb)`.execute(db)
  t.teardown(() => sql`delete from events where kind like 'test.%'`.execute(db))
}

t.test('the log is read in transaction order, whatever the number of digits', async (t) => {
  await logAcrossADigit()
  const read = await readRowsAfter(db, { xid: '98', id: 0 }, 1)
  t.same(
    read.map((event) => [event.xid, event.kind]),
    [['99', 'test.earlier']],
    'a batch of one takes transaction 99 first',
  )
  const after = await readRowsAfter(db, { xid: '99', id: Number(read[0]?.id ?? 0) }, 1)
  t.same(
    after.map((event) => [event.xid, event.kind]),
    [['100', 'test.later']],
  )

  const head = await logHead(db)
  // Events of no group concern every user.
  const between = await readUserRowsBetween(db, 'nobody', [], { xid: '98', id: 0 }, head, 1000)
  t.same(
    between.slice(0, 2).map((event) => event.kind),
    ['test.earlier', 'test.later'],
  )
  const xids = between.map((event) => BigInt(event.xid))
  t.same(
    xids,
    [...xids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    'every event after them in transaction order too',
  )
})

t.test('the head of the log is its last transaction, not the last as text', async (t) => {
  await logAcrossADigit()
  // No transaction of this database is open here: every logged one has ended.
  const { rows } = await sql<{ xid: string }>`
    select max(xid::text::bigint)::text as xid from events`.execute(db)
  const head = await logHead(db)
  t.equal(head.xid, rows[0]?.xid, 'the highest finished transaction')
  t.not(head.xid, '99')
})

/** A connection of its own to `url`, inside a transaction that has taken an id, ended with the test. */
async function openTransaction(t: Test, url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  await client.query('begin')
  await client.query('select pg_current_xact_id()')
  return client
}

/** One finished transaction's event, logged after everything before it. */
async function logOne(kind: string) {
  await sql`insert into events (xid, kind, data) values (pg_current_xact_id(), ${kind}, '{}'::jsonb)`.execute(
    db,
  )
  t.teardown(() => sql`delete from events where kind like 'test.%'`.execute(db))
}

t.test(
  'a transaction open in another database of the server does not hold the log back',
  // Skipped on the embedded database: it has one database and one session.
  { skip: onlyOnPostgres },
  async (t) => {
    const before = await logHead(db)
    // The server's maintenance database: the one TEST_DATABASE_URL names, not this file's.
    const elsewhere = await openTransaction(t, postgresUrl)

    await logOne('test.past-another-database')

    const read = await readRowsAfter(db, before, 100)
    t.same(
      read.map((event) => event.kind),
      ['test.past-another-database'],
      'read while the other database still has its transaction open',
    )
    t.same(await logHead(db), { xid: read[0]?.xid, id: read[0]?.id }, 'and the head is past it')
    await elsewhere.query('rollback')
  },
)

t.test(
  'a transaction open in this database holds back what was logged after it began',
  // Skipped on the embedded database: no transaction can stay open beside another there.
  { skip: onlyOnPostgres },
  async (t) => {
    const before = await logHead(db)
    const here = await openTransaction(t, await databaseUrlOf(db, postgresUrl))

    await logOne('test.behind-this-database')

    t.same(await readRowsAfter(db, before, 100), [], 'nothing read while it may still commit')
    t.same(await logHead(db), before, 'the head stays')
    await here.query('rollback')
    const read = await readRowsAfter(db, before, 100)
    t.same(
      read.map((event) => event.kind),
      ['test.behind-this-database'],
      'read once it has ended',
    )
  },
)
