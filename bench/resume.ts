// Resume times against the length of the log: a client that missed k of its events in a log
// of M events, replayed by the service's own code (domain/realtime/history.ts), for
// M = 100,000 and 1,000,000 and k = 10 and 1,000. The log is filled with set-based SQL.
// Runs inside `npm run bench` (scenario `resume`) or alone: `node dist/bench/resume.js`.
import { sql } from 'kysely'
import { createDatabase, type Db, migrateToLatest } from '../db/database.js'
import { UserHistory } from '../domain/realtime/history.js'
import { EventLog, type LogPosition } from '../domain/realtime/log/event-log.js'
import { END_OF_TRANSACTION, eventId, parseEventId } from '../domain/realtime/payload.js'
import { createScratchDatabase } from './dataset.js'

export const RESUME_SCENARIO = 'resume'

/** Log lengths measured (`BENCH_RESUME_LOG`, comma-separated, to change them). */
const LOG_SIZES = (process.env.BENCH_RESUME_LOG || '100000,1000000').split(',').map(Number)
const MISSED = [10, 1_000]
/** Events per filler transaction. */
const PER_TRANSACTION = 10
/** Groups the filler spreads over, none of them the readers'. */
const OTHER_GROUPS = 200
/** Timed replays per (M, k); the median is reported. */
const RUNS = 5
/** Above every transaction id the scratch database gives out, so the filler is the log's end. */
const FILLER_XID = 1_000_000_000n

const reader = (k: number) => `rz-reader-${k}`
const room = (k: number) => `rz-room-${k}`

export interface ResumeTime {
  logEvents: number
  missed: number
  /** Payloads replayed (each message goes to the group's stream and `__my_messages__`). */
  payloads: number
  medianMs: number
  runsMs: number[]
}

export interface ResumeResult {
  scenario: typeof RESUME_SCENARIO
  times: ResumeTime[]
  /** Per k, the median at the largest M over the median at the smallest. */
  growth: Record<string, number>
}

async function setUp(db: Db) {
  const ids = ['rz-writer', ...MISSED.map(reader)]
  await sql`insert into users (id, username, name)
    select id, id, id from unnest(${ids}::text[]) as t(id)`.execute(db)
  const rooms = [...MISSED.map(room), ...Array.from({ length: OTHER_GROUPS }, (_, g) => `rz-o${g}`)]
  await sql`insert into rooms (id, name, fname, creator_id, creator_username)
    select id, id, id, 'rz-writer', 'rz-writer' from unnest(${rooms}::text[]) as t(id)`.execute(db)
  await sql`insert into room_members (room_id, user_id, username)
    select id, 'rz-writer', 'rz-writer' from unnest(${rooms}::text[]) as t(id)`.execute(db)
  for (const k of MISSED) {
    await sql`insert into room_members (room_id, user_id, username)
      values (${room(k)}, ${reader(k)}, ${reader(k)})`.execute(db)
  }
}

/**
 * Replaces the filler with `logEvents` messages in transactions of ten: reader k's group gets
 * k of them, spread evenly over the whole log, the others go to groups no reader is in.
 * Returns the first filler transaction's end (where the readers resume after) and the last.
 */
async function fill(db: Db, logEvents: number): Promise<{ from: LogPosition; upTo: LogPosition }> {
  await sql`delete from events where xid >= ${FILLER_XID.toString()}::xid8`.execute(db)
  const [few, many] = MISSED as [number, number]
  const message = sql`jsonb_build_object('message', jsonb_build_object(
    'id', 'rz' || n, 'room_id', r.id, 'type', null, 'msg', 'message ' || n, 'role', null,
    'user_id', 'rz-writer', 'username', 'rz-writer', 'created_at', now(), 'updated_at', now()))`
  await sql`insert into events (xid, kind, room_id, user_id, data)
    select (${FILLER_XID.toString()}::bigint + n / ${PER_TRANSACTION}::int)::text::xid8, 'message',
      r.id, 'rz-writer', ${message}
    from generate_series(0, ${logEvents - 1}::int) n,
      lateral (select case
        when n >= ${PER_TRANSACTION}::int and n % ${logEvents / few}::int = 1 then ${room(few)}
        when n >= ${PER_TRANSACTION}::int and n % ${logEvents / many}::int = 2 then ${room(many)}
        else 'rz-o' || (n % ${OTHER_GROUPS}::int) end as id) r
    order by n`.execute(db)
  await sql`vacuum analyze events`.execute(db)
  const { rows } = await sql<{ xid: string; id: string }>`
    (select xid::text as xid, id from events where xid = ${FILLER_XID.toString()}::xid8
      order by id desc limit 1)
    union all
    (select xid::text as xid, id from events order by events.xid desc, events.id desc limit 1)`.execute(
    db,
  )
  const [from, upTo] = rows.map((row) => ({ xid: row.xid, id: Number(row.id) }))
  if (!from || !upTo) throw new Error('the filler was not logged')
  return { from, upTo }
}

async function replay(log: EventLog, k: number, from: LogPosition, upTo: LogPosition) {
  const after = eventId(from, END_OF_TRANSACTION)
  const key = parseEventId(after)
  if (!key) throw new Error(`not an event id: ${after}`)
  const started = performance.now()
  const history = await UserHistory.from(log, reader(k), key, after)
  let payloads = 0
  for await (const batch of history.readTo(upTo)) {
    if (batch === 'unknown') throw new Error('the resume was refused')
    payloads += batch.length
  }
  return { ms: performance.now() - started, payloads }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** Measures on a scratch database of the server `adminUrl` points at, dropped afterwards. */
export async function measureResume(
  adminUrl: string,
  log: (line: string) => void,
): Promise<ResumeResult> {
  const scratch = await createScratchDatabase(adminUrl)
  const db = createDatabase({ url: scratch.url, poolSize: 2, dataDir: '' })
  try {
    await migrateToLatest(db)
    await setUp(db)
    const eventLog = new EventLog(db, (error) => {
      throw error
    })
    const times: ResumeTime[] = []
    for (const logEvents of LOG_SIZES) {
      const { from, upTo } = await fill(db, logEvents)
      for (const missed of MISSED) {
        const runs: Array<{ ms: number; payloads: number }> = []
        for (let run = 0; run < RUNS; run++) runs.push(await replay(eventLog, missed, from, upTo))
        const time: ResumeTime = {
          logEvents,
          missed,
          payloads: runs[0]?.payloads ?? 0,
          medianMs: median(runs.map((r) => r.ms)),
          runsMs: runs.map((r) => Math.round(r.ms * 10) / 10),
        }
        times.push(time)
        log(
          `resume: M=${logEvents} k=${missed}: ${time.medianMs.toFixed(1)} ms median of ${RUNS} (${time.payloads} payloads)`,
        )
      }
    }
    const growth: Record<string, number> = {}
    for (const missed of MISSED) {
      const of = (m: number) => times.find((t) => t.logEvents === m && t.missed === missed)
      const small = of(LOG_SIZES[0] as number)
      const large = of(LOG_SIZES.at(-1) as number)
      if (small && large) growth[String(missed)] = large.medianMs / small.medianMs
    }
    return { scenario: RESUME_SCENARIO, times, growth }
  } finally {
    await db.destroy()
    await scratch.drop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
  const result = await measureResume(adminUrl, (line) => process.stdout.write(`${line}\n`))
  process.stdout.write(`${JSON.stringify(result.growth)}\n`)
}
