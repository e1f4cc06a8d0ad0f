import { sql } from 'kysely'
import t from 'tap'
import { logHead, readEventsAfter, readEventsBetween } from '../../../db/queries/events.js'
import { testDatabase } from '../../helper.js'

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
  const read = await readEventsAfter(db, { xid: '98', id: 0 }, 1)
  t.same(
    read.map((event) => [event.xid, event.kind]),
    [['99', 'test.earlier']],
    'a batch of one takes transaction 99 first',
  )
  const after = await readEventsAfter(db, { xid: '99', id: read[0]?.id ?? 0 }, 1)
  t.same(
    after.map((event) => [event.xid, event.kind]),
    [['100', 'test.later']],
  )

  const head = await logHead(db)
  const between = await readEventsBetween(db, { xid: '98', id: 0 }, head, 1000)
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
  const { rows } = await sql<{ xid: string }>`
    select max(xid::text::bigint)::text as xid from events
    where xid < pg_snapshot_xmin(pg_current_snapshot())`.execute(db)
  const head = await logHead(db)
  t.equal(head.xid, rows[0]?.xid, 'the highest finished transaction')
  t.not(head.xid, '99')
})
