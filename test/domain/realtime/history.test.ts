// A replay reads only the transactions that concern its user, found by index, and tells the
// user exactly what reading the whole log would: the same payloads, in the same order.
import { sql } from 'kysely'
import t from 'tap'
import { readFacts } from '../../../domain/realtime/facts.js'
import { UserHistory } from '../../../domain/realtime/history.js'
import {
  EventLog,
  type LogPosition,
  type Transaction,
} from '../../../domain/realtime/log/event-log.js'
import {
  END_OF_TRANSACTION,
  eventId,
  type Payload,
  parseEventId,
} from '../../../domain/realtime/payload.js'
import { type Recipient, Registry } from '../../../domain/realtime/registry.js'
import { translate } from '../../../domain/realtime/translate.js'
import {
  api,
  buildApp,
  createTestGroup,
  createTestUser,
  groupName,
  testDatabase,
} from '../../helper.js'

const db = await testDatabase(t)
const app = await buildApp(t, db)

/** The event log, with every transaction a replay reads kept. */
class WatchedLog extends EventLog {
  read: Transaction[] = []
  override async ofUserBetween(...args: Parameters<EventLog['ofUserBetween']>) {
    const transactions = await super.ofUserBetween(...args)
    this.read.push(...transactions)
    return transactions
  }
}

const log = new WatchedLog(db, (error) => {
  throw error
})

interface Sent {
  id: string
  stream: string
  eventName: string
  args: string
}

const sent = (payload: Payload): Sent => ({
  id: payload.id,
  stream: payload.stream,
  eventName: payload.eventName,
  args: payload.argsJson,
})

/** What a user was sent after a position, worked out by reading every transaction of the log. */
async function readingEverything(userId: string, after: LogPosition): Promise<Sent[]> {
  const payloads: Sent[] = []
  const recipient: Recipient = {
    userId,
    hashedToken: '',
    send: (payload) => payloads.push(sent(payload)),
    leftRoom() {},
    revoke() {},
  }
  const registry = new Registry()
  registry.add(recipient, await log.roomsAt(userId, after))
  let position = after
  for (;;) {
    const transactions = await log.after(position, 100)
    if (transactions.length === 0) return payloads
    for (const transaction of transactions) {
      registry.apply(translate(transaction.events, await readFacts(log, registry, transaction)))
      position = transaction.end
    }
  }
}

/** What the replay sends after an id, up to the head of the log. */
async function replayed(userId: string, after: string): Promise<Sent[] | 'unknown'> {
  const key = parseEventId(after)
  if (!key) throw new Error(`not an id: ${after}`)
  const history = await UserHistory.from(log, userId, key, after)
  const payloads: Sent[] = []
  for await (const batch of history.readTo(await log.head())) {
    if (batch === 'unknown') return 'unknown'
    payloads.push(...batch.map(sent))
  }
  return payloads
}

const owner = await createTestUser(db)
const reader = await createTestUser(db)
const other = await createTestUser(db)
const mine = await createTestGroup(app, owner, [reader])
const elsewhere = await createTestGroup(app, owner, [other])
const later = await createTestGroup(app, owner, [other])
const start = await log.head()

const on = (group: { _id: string }) => api(app, owner).on(group)
const elsewhereChanges = async (count: number) => {
  for (let i = 0; i < count; i++) {
    await on(elsewhere).post('groups.setTopic', { topic: `elsewhere ${i}` })
  }
}
// The reader's groups change among changes of a group they are never in.
await elsewhereChanges(4)
await on(mine).post('groups.setTopic', { topic: 'mine 1' })
await on(mine).post('groups.rename', { name: groupName('mine') })
await elsewhereChanges(2)
await on(later).post('groups.invite', { userId: reader.id })
await on(later).post('groups.setTopic', { topic: 'later 1' })
await on(mine).post('groups.addModerator', { userId: reader.id })
await elsewhereChanges(2)
await on(mine).post('groups.kick', { userId: reader.id })
await on(mine).post('groups.setTopic', { topic: 'mine after the kick' })
// A global role: everyone hears of it.
await sql`insert into user_roles (user_id, role_id) values (${other.id}, 'admin')`.execute(db)
await on(later).post('groups.setTopic', { topic: 'later 2' })
await elsewhereChanges(4)

const elsewhereTransactions = async () => {
  const { rows } = await sql<{ xid: string }>`
    select xid::text as xid from events
    where (xid, id) > (${start.xid}::xid8, ${start.id}::bigint)
    group by xid having bool_and(room_id = ${elsewhere._id})`.execute(db)
  return new Set(rows.map((row) => row.xid))
}

t.test(
  'a replay sends what reading the whole log sends, reading only its user’s part',
  async (t) => {
    const everything = await readingEverything(reader.id, start)
    t.ok(everything.length >= 12, `the reader was sent ${everything.length} payloads`)
    t.ok(
      everything.some((payload) => payload.eventName === 'roles-change'),
      'the global role change among them',
    )
    t.notOk(
      everything.some((payload) => payload.args.includes('mine after the kick')),
      'nothing of a group after the reader left it',
    )

    log.read = []
    t.same(await replayed(reader.id, eventId(start, END_OF_TRANSACTION)), everything)
    const skipped = await elsewhereTransactions()
    t.equal(skipped.size, 12, 'twelve changes of the group the reader is not in')
    const readXids = log.read.map((transaction) => transaction.end.xid)
    t.same(
      readXids.filter((xid) => skipped.has(xid)),
      [],
      'none of them was read',
    )
    t.same(
      readXids,
      [start.xid, ...new Set(readXids.slice(1))],
      'each transaction read once, the resume point first',
    )

    // From each id the reader was sent: the rest, exactly.
    for (const [at, payload] of everything.entries()) {
      t.same(await replayed(reader.id, payload.id), everything.slice(at + 1), `after ${payload.id}`)
    }
  },
)

t.test('an id of a change the user was never sent is refused at its own transaction', async (t) => {
  const { rows } = await sql<{ xid: string; id: string }>`
    select xid::text as xid, id from events
    where room_id = ${elsewhere._id} and kind = 'room.updated'
      and (xid, id) > (${start.xid}::xid8, ${start.id}::bigint)
    order by events.xid, events.id limit 1`.execute(db)
  const event = rows[0]
  if (!event) throw new Error('no change of the other group was logged')
  const position = { xid: event.xid, id: Number(event.id) }
  log.read = []
  t.equal(await replayed(reader.id, eventId(position, 0)), 'unknown')
  t.same(
    log.read.map((transaction) => transaction.end.xid),
    [event.xid],
    'only the transaction of the id was read',
  )
  // The end of that transaction, given to a stream that started live there, is a place to resume.
  const last = await sql<{ id: string }>`
    select max(id) as id from events where xid = ${event.xid}::xid8`.execute(db)
  const transactionEnd = { xid: event.xid, id: Number(last.rows[0]?.id) }
  t.same(
    await replayed(reader.id, eventId(transactionEnd, END_OF_TRANSACTION)),
    await readingEverything(reader.id, transactionEnd),
  )
})
