// The events scenario of `npm run bench`: realtime sockets on two service processes while a
// writer changes their groups over REST through one of them; see bench/README.md.
import { sql } from 'kysely'
import WebSocket from 'ws'
import type { Db } from '../db/database.js'
import { hashLoginToken, newLoginToken } from '../domain/ids.js'
import { memoryMb, type Service, startService } from './processes.js'
import type { BenchSettings } from './settings.js'
import type { Target } from './target.js'

export const EVENTS_SCENARIO = 'events'

/** The issue's targets for this scenario. */
const TARGET_P99_MS = 50
const TARGET_RATE = 100
const TARGET_KB_PER_SOCKET = 20

/** Sockets opening at once, so the handshakes do not all queue behind each other. */
const OPENING_AT_ONCE = 50
/** How long a handshake step may take before the socket counts as failed. */
const STEP_MS = 15_000
/** How long after the last answer the frames still on their way are waited for. */
const GRACE_MS = 5_000
/** Idle time before the memory of the sockets is read. */
const SETTLE_MS = 2_000

const userId = (n: number) => `ev${String(n).padStart(15, '0')}`
const roomId = (g: number) => `eg${String(g).padStart(15, '0')}`

type Side = 'A' | 'B'
type Kind = 'rooms' | 'subscriptions' | 'messages'
const KINDS: Kind[] = ['rooms', 'subscriptions', 'messages']

interface Percentiles {
  samples: number
  p50: number
  p99: number
  max: number
}

interface Count {
  expected: number
  delivered: number
}

export interface EventsResult {
  scenario: typeof EVENTS_SCENARIO
  /** Sockets asked for, and those that logged in and subscribed, per process. */
  sockets: { asked: number; A: number; B: number }
  groups: number
  groupSize: number
  /** Changes per second asked for and reached (answered changes over the measured seconds). */
  rate: { asked: number; reached: number }
  durationSeconds: number
  changes: { sent: number; answered: number; failed: number; setTopic: number; rename: number }
  /** The REST answers' latency, as the writer saw it (ms). */
  rest: Percentiles
  /**
   * From the REST answer to a frame's arrival (ms): on process B (the other one) and on A; a
   * frame that came before the answer counts as 0. `otherProcessFromRequest` times B's frames
   * from when the request was sent instead.
   */
  latency: {
    otherProcess: Percentiles
    sameProcess: Percentiles
    beforeAnswer: number
    otherProcessFromRequest: Percentiles
  }
  events: Count & { lost: number; extra: number; byKind: Record<Kind, Count> }
  /** Frames that belong to no change of the run, by `msg` (and event name for `changed`). */
  unexpectedFrames: Record<string, number>
  memory: Array<{
    process: Side
    sockets: number
    beforeMb: number | undefined
    afterMb: number | undefined
    kbPerSocket: number | undefined
    peakMb: number | undefined
  }>
  /** RSS per idle socket over both processes (KB). */
  kbPerSocket: number | undefined
  /** SQL statements each process sent per answered change while measured. */
  statementsPerChange: { A: number; B: number }
  /** Anything the server did that a client would notice as wrong, with its details. */
  problems: string[]
  /** Every socket subscribed, no event lost or doubled, no failed change, no problem. */
  passed: boolean
}

interface Change {
  group: number
  kind: 'setTopic' | 'rename'
  /** Measured changes count; warm-up changes are only waited for. */
  measured: boolean
  sentAt: number
  answeredAt?: number
  failed?: boolean
  delivered: Record<Kind, number>
  arrivals: Array<{ side: Side; at: number }>
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
  return { samples: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The change a value written by the writer names (`ev-<seq>`), or -1. */
function seqOf(value: unknown): number {
  if (typeof value !== 'string' || !value.startsWith('ev-')) return -1
  const seq = Number(value.slice(3))
  return Number.isInteger(seq) ? seq : -1
}

/** Users with one login token each, in groups of `groupSize` (the first member owns it). */
async function seedEventUsers(db: Db, sockets: number, groupSize: number) {
  const groups = Math.ceil(sockets / groupSize)
  const uid = (n: unknown) => sql`'ev' || lpad((${n})::text, 15, '0')`
  const gid = (g: unknown) => sql`'eg' || lpad((${g})::text, 15, '0')`
  await sql`insert into users (id, username, name, password_hash)
    select ${uid(sql`i`)}, 'events-user-' || i, 'Events User ' || i, null
    from generate_series(1, ${sockets}) i`.execute(db)
  await sql`insert into user_roles (user_id, role_id)
    select ${uid(sql`i`)}, 'user' from generate_series(1, ${sockets}) i`.execute(db)
  const first = sql`(g - 1) * ${groupSize} + 1`
  const size = sql`least(${groupSize}, ${sockets} - (g - 1) * ${groupSize})`
  await sql`insert into rooms (id, name, fname, creator_id, creator_username, msgs, users_count)
    select ${gid(sql`g`)}, 'events-group-' || g, 'events-group-' || g,
      ${uid(first)}, 'events-user-' || (${first}), 0, ${size}
    from generate_series(1, ${groups}) g`.execute(db)
  await sql`insert into room_members (room_id, user_id, roles)
    select ${gid(sql`(i - 1) / ${groupSize} + 1`)}, ${uid(sql`i`)},
      case when (i - 1) % ${groupSize} = 0 then '{owner}'::text[] else '{}'::text[] end
    from generate_series(1, ${sockets}) i`.execute(db)
  const tokens = ['']
  const hashes: string[] = []
  for (let n = 1; n <= sockets; n++) {
    const token = newLoginToken()
    tokens.push(token)
    hashes.push(hashLoginToken(token))
  }
  await sql`insert into login_tokens (user_id, hashed_token)
    select 'ev' || lpad(n::text, 15, '0'), h
    from unnest(${hashes}::text[]) with ordinality as t(h, n)`.execute(db)
  await sql`analyze`.execute(db)
  return { groups, tokens }
}

type Frame = Record<string, unknown>

/**
 * One user's socket: connects, resumes its login and subscribes to its streams, then only
 * records the event frames it receives (and answers pings).
 */
class EventSocket {
  #socket: WebSocket | undefined
  #waiting: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void } | undefined
  subscribed = false
  closed: { code: number; reason: string } | undefined
  onEvent: (socket: EventSocket, frame: Frame, at: number) => void = () => {}

  constructor(
    readonly url: string,
    readonly side: Side,
    readonly user: number,
    readonly group: number,
  ) {}

  #connect(): WebSocket {
    const socket = new WebSocket(this.url, { perMessageDeflate: false })
    socket.on('message', (data) => {
      const at = performance.now()
      const frame = JSON.parse(data.toString()) as Frame
      if (frame.msg === 'ping') {
        this.#send(typeof frame.id === 'string' ? { msg: 'pong', id: frame.id } : { msg: 'pong' })
        return
      }
      const waiting = this.#waiting
      if (waiting?.match(frame)) {
        this.#waiting = undefined
        waiting.resolve(frame)
        return
      }
      this.onEvent(this, frame, at)
    })
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
    })
    socket.on('error', () => {})
    return socket
  }

  #send(frame: Frame) {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(frame))
  }

  /** Sends a frame and waits for the first frame that answers it. */
  #ask(frame: Frame, match: (frame: Frame) => boolean): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined
        reject(new Error(`no answer to ${frame.msg} ${frame.method ?? frame.name ?? ''}`))
      }, STEP_MS)
      this.#waiting = {
        match,
        resolve: (answer) => {
          clearTimeout(timer)
          resolve(answer)
        },
      }
      this.#send(frame)
    })
  }

  /** Connects, logs in and subscribes, in turn; throws at the first step that fails. */
  async open(token: string): Promise<void> {
    const socket = this.#connect()
    this.#socket = socket
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
      socket.once('close', () => reject(new Error('closed before opening')))
    })
    await this.#ask(
      { msg: 'connect', version: '1', support: ['1'] },
      (frame) => frame.msg === 'connected' || frame.msg === 'failed',
    ).then((frame) => {
      if (frame.msg !== 'connected') throw new Error(`connect refused: ${JSON.stringify(frame)}`)
    })
    const login = await this.#ask(
      { msg: 'method', method: 'login', params: [{ resume: token }], id: 'login' },
      (frame) => frame.msg === 'result' && frame.id === 'login',
    )
    if (login.error) throw new Error(`login refused: ${JSON.stringify(login.error)}`)
    const uid = userId(this.user)
    const streams: Array<[string, string, string]> = [
      ['subs', 'stream-notify-user', `${uid}/subscriptions-changed`],
      ['rooms', 'stream-notify-user', `${uid}/rooms-changed`],
      ['messages', 'stream-room-messages', roomId(this.group)],
    ]
    for (const [id, name, eventName] of streams) {
      const ready = await this.#ask(
        { msg: 'sub', id, name, params: [eventName, { useCollection: false, args: [null] }] },
        (frame) =>
          (frame.msg === 'ready' && (frame.subs as unknown[] | undefined)?.includes(id)) ||
          (frame.msg === 'nosub' && frame.id === id),
      )
      if (ready.msg !== 'ready') throw new Error(`${name} ${eventName}: ${JSON.stringify(ready)}`)
    }
    this.subscribed = true
  }

  close(): Promise<void> {
    const socket = this.#socket
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      socket.once('close', () => resolve())
      socket.close()
    })
  }
}

/** Opens the sockets a few at a time; the ones that fail are reported, not thrown. */
async function openAll(sockets: EventSocket[], tokens: string[], problems: string[]) {
  let next = 0
  const failures = new Map<string, number>()
  const worker = async () => {
    while (next < sockets.length) {
      const socket = sockets[next++] as EventSocket
      try {
        await socket.open(tokens[socket.user] ?? '')
      } catch (err) {
        const reason = `${(err as Error).message}${socket.closed ? ` (closed ${socket.closed.code} ${socket.closed.reason})` : ''}`
        failures.set(reason, (failures.get(reason) ?? 0) + 1)
      }
    }
  }
  await Promise.all(Array.from({ length: OPENING_AT_ONCE }, worker))
  for (const [reason, count] of failures)
    problems.push(`${count} sockets not subscribed: ${reason}`)
}

const rssOf = (service: Service) => memoryMb(service.pid, 'VmRSS')

/**
 * The events scenario: `sockets` users in groups of `groupSize`, one socket each, alternately on
 * process A and process B (both on the bench's database); the writer sets the topic of, or
 * renames, one group after another through A's REST API at `rate` changes per second (one
 * change in flight per group), and every frame is matched to the change it reports.
 */
export async function measureEvents(
  db: Db,
  databaseUrl: string,
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<EventsResult> {
  const { sockets: asked, groupSize, rate, durationSeconds } = settings.events
  const problems: string[] = []
  const { groups, tokens } = await seedEventUsers(db, asked, groupSize)
  const database = { url: databaseUrl, poolSize: settings.poolSize }
  const profile = settings.cpuProfileDir || undefined
  const a = await startService(database, profile)
  let b: Service | undefined
  try {
    b = await startService(database, profile)
    const services: Record<Side, Service> = { A: a, B: b }
    const wsUrl = (side: Side) => `${services[side].url.replace(/^http/, 'ws')}/websocket`

    // Member k of a group is on A when k is even, on B when it is odd: every group of two or
    // more has members on both, and the group's owner (k = 0), who writes, is on A.
    const sockets: EventSocket[] = []
    for (let n = 1; n <= asked; n++) {
      const side: Side = ((n - 1) % groupSize) % 2 === 0 ? 'A' : 'B'
      sockets.push(new EventSocket(wsUrl(side), side, n, Math.floor((n - 1) / groupSize) + 1))
    }

    // Each process starts its realtime side on the first connection: one socket in and out
    // first, so `before` holds the relay and its listener and only the sockets are counted.
    for (const side of ['A', 'B'] as const) {
      const warm = new EventSocket(wsUrl(side), side, side === 'A' ? 1 : 2, 1)
      await warm.open(tokens[warm.user] ?? '')
      await warm.close()
    }
    await sleep(SETTLE_MS)
    const before = { A: rssOf(services.A), B: rssOf(services.B) }
    const opened = performance.now()
    await openAll(sockets, tokens, problems)
    const live = sockets.filter((s) => s.subscribed)
    const count = (side: Side) => live.filter((s) => s.side === side).length
    log(
      `events: ${count('A')} + ${count('B')} of ${asked} sockets subscribed in ${((performance.now() - opened) / 1000).toFixed(1)} s`,
    )
    await sleep(SETTLE_MS)
    const after = { A: rssOf(services.A), B: rssOf(services.B) }

    if (live.length === 0) throw new Error(`events: no socket subscribed: ${problems.join('; ')}`)
    // Which sockets each group's events go to.
    const membersOf = new Map<number, number>()
    for (const socket of live) {
      membersOf.set(socket.group, (membersOf.get(socket.group) ?? 0) + 1)
    }

    const changes: Change[] = []
    const unexpected: Record<string, number> = {}
    const strange = (what: string) => {
      unexpected[what] = (unexpected[what] ?? 0) + 1
    }
    const onEvent = (socket: EventSocket, frame: Frame, at: number) => {
      if (frame.msg !== 'changed') return strange(String(frame.msg))
      const fields = frame.fields as { eventName?: string; args?: unknown[] } | undefined
      const eventName = fields?.eventName ?? ''
      const args = fields?.args ?? []
      let kind: Kind
      let seq: number
      if (frame.collection === 'stream-room-messages' && eventName === roomId(socket.group)) {
        kind = 'messages'
        seq = seqOf((args[0] as Frame | undefined)?.msg)
      } else if (eventName === `${userId(socket.user)}/rooms-changed` && args[0] === 'updated') {
        // The group as that change left it: its newest topic or name is that change's.
        const room = args[1] as Frame | undefined
        kind = 'rooms'
        seq = Math.max(seqOf(room?.topic), seqOf(room?.name))
      } else if (
        eventName === `${userId(socket.user)}/subscriptions-changed` &&
        args[0] === 'updated'
      ) {
        kind = 'subscriptions'
        seq = seqOf((args[1] as Frame | undefined)?.name)
      } else {
        return strange(`${frame.collection} ${eventName.replace(/^ev\d+\//, '<uid>/')} ${args[0]}`)
      }
      const change = changes[seq]
      if (!change || change.group !== socket.group) return strange(`${kind} of no change`)
      change.delivered[kind]++
      change.arrivals.push({ side: socket.side, at })
    }
    for (const socket of live) socket.onEvent = onEvent

    // The writer: open loop at `rate`, through A, on the groups in turn, skipping a group
    // whose previous change is unanswered (so each frame names exactly one change).
    const busy = new Set<number>()
    const inFlight = new Set<Promise<void>>()
    const restLatencies: number[] = []
    let nextGroup = 0
    const change = (measured: boolean) => {
      let group = 0
      for (let tried = 0; tried < groups; tried++) {
        const g = (nextGroup++ % groups) + 1
        if (!busy.has(g) && (membersOf.get(g) ?? 0) > 0) {
          group = g
          break
        }
      }
      if (group === 0) return false
      const seq = changes.length
      // Alternating, and each group gets both in turn.
      const kind = (seq + Math.floor(seq / groups)) % 2 === 0 ? 'setTopic' : 'rename'
      const record: Change = {
        group,
        kind,
        measured,
        sentAt: performance.now(),
        delivered: { rooms: 0, subscriptions: 0, messages: 0 },
        arrivals: [],
      }
      changes.push(record)
      busy.add(group)
      const owner = (group - 1) * groupSize + 1
      const value = `ev-${seq}`
      const request = fetch(`${services.A.url}/api/v1/groups.${kind}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-user-id': userId(owner),
          'x-auth-token': tokens[owner] ?? '',
        },
        body: JSON.stringify(
          kind === 'setTopic'
            ? { roomId: roomId(group), topic: value }
            : { roomId: roomId(group), name: value },
        ),
      })
        .then(async (response) => {
          const body = (await response.json()) as { success?: boolean }
          record.answeredAt = performance.now()
          if (!response.ok || body.success !== true) {
            record.failed = true
            problems.push(`groups.${kind} answered ${response.status}: ${JSON.stringify(body)}`)
          } else if (measured) {
            restLatencies.push(record.answeredAt - record.sentAt)
          }
        })
        .catch((err: Error) => {
          record.answeredAt = performance.now()
          record.failed = true
          problems.push(`groups.${kind} failed: ${err.message}`)
        })
        .finally(() => {
          busy.delete(group)
          inFlight.delete(request)
        })
      inFlight.add(request)
      return true
    }
    const write = async (seconds: number, measured: boolean) => {
      const started = performance.now()
      const end = started + seconds * 1000
      let sent = 0
      for (;;) {
        const now = performance.now()
        const due = started + (sent * 1000) / rate
        if (now >= end || due >= end) break
        if (due > now) await sleep(due - now)
        else if (change(measured)) sent++
        else await sleep(1)
      }
      await Promise.all([...inFlight])
      return (performance.now() - started) / 1000
    }
    const waitForFrames = async (which: Change[]) => {
      const expected = (c: Change) => (c.failed ? 0 : (membersOf.get(c.group) ?? 0))
      const complete = (c: Change) =>
        c.delivered.rooms >= expected(c) &&
        c.delivered.messages >= expected(c) &&
        (c.kind === 'setTopic' || c.delivered.subscriptions >= expected(c))
      const deadline = performance.now() + GRACE_MS
      while (performance.now() < deadline && !which.every(complete)) await sleep(20)
    }

    // Warm-up: a second of changes (not counted), and what they send, before the measurement.
    await write(Math.min(1, durationSeconds), false)
    await waitForFrames(changes)
    const firstMeasured = changes.length
    await services.A.statements()
    await services.B.statements()
    log(`events: ${rate} changes/s for ${durationSeconds} s through A`)
    const elapsed = await write(durationSeconds, true)
    const measured = changes.slice(firstMeasured)
    await waitForFrames(measured)
    const statementsOf = async (side: Side) => (await services[side].statements()).statements

    const statements = { A: await statementsOf('A'), B: await statementsOf('B') }
    for (const socket of live) {
      if (socket.closed) {
        problems.push(
          `a socket on ${socket.side} closed during the run: ${socket.closed.code} ${socket.closed.reason}`,
        )
      }
    }

    const byKind = Object.fromEntries(
      KINDS.map((kind) => [kind, { expected: 0, delivered: 0 }]),
    ) as Record<Kind, Count>
    let lost = 0
    let extra = 0
    const other: number[] = []
    const same: number[] = []
    const otherFromRequest: number[] = []
    let beforeAnswer = 0
    for (const c of measured) {
      const members = c.failed ? 0 : (membersOf.get(c.group) ?? 0)
      for (const kind of KINDS) {
        const expected = kind === 'subscriptions' && c.kind === 'setTopic' ? 0 : members
        const delivered = c.delivered[kind]
        byKind[kind].expected += expected
        byKind[kind].delivered += delivered
        lost += Math.max(0, expected - delivered)
        extra += Math.max(0, delivered - expected)
      }
      if (c.answeredAt === undefined || c.failed) continue
      for (const arrival of c.arrivals) {
        const latency = arrival.at - c.answeredAt
        if (latency < 0) beforeAnswer++
        ;(arrival.side === 'B' ? other : same).push(Math.max(0, latency))
        if (arrival.side === 'B') otherFromRequest.push(arrival.at - c.sentAt)
      }
    }
    const answered = measured.filter((c) => c.answeredAt !== undefined && !c.failed).length
    const expected = KINDS.reduce((sum, kind) => sum + byKind[kind].expected, 0)
    const delivered = KINDS.reduce((sum, kind) => sum + byKind[kind].delivered, 0)
    if (lost > 0) problems.push(`${lost} of ${expected} expected events never arrived`)
    if (extra > 0) problems.push(`${extra} events arrived more often than expected`)
    for (const [what, times] of Object.entries(unexpected)) {
      problems.push(`${times} unexpected frames: ${what}`)
    }

    const memory = (['A', 'B'] as const).map((side) => {
      const b = before[side]
      const a = after[side]
      const n = count(side)
      return {
        process: side,
        sockets: n,
        beforeMb: b,
        afterMb: a,
        kbPerSocket: b !== undefined && a !== undefined && n > 0 ? ((a - b) * 1024) / n : undefined,
        peakMb: memoryMb(services[side].pid, 'VmHWM'),
      }
    })
    const grown = memory.every((m) => m.kbPerSocket !== undefined)
      ? memory.reduce((sum, m) => sum + ((m.afterMb ?? 0) - (m.beforeMb ?? 0)) * 1024, 0)
      : undefined

    await Promise.all(sockets.map((socket) => socket.close()))
    return {
      scenario: EVENTS_SCENARIO,
      sockets: { asked, A: count('A'), B: count('B') },
      groups,
      groupSize,
      rate: { asked: rate, reached: answered / elapsed },
      durationSeconds,
      changes: {
        sent: measured.length,
        answered,
        failed: measured.filter((c) => c.failed).length,
        setTopic: measured.filter((c) => c.kind === 'setTopic').length,
        rename: measured.filter((c) => c.kind === 'rename').length,
      },
      rest: percentiles(restLatencies),
      latency: {
        otherProcess: percentiles(other),
        sameProcess: percentiles(same),
        beforeAnswer,
        otherProcessFromRequest: percentiles(otherFromRequest),
      },
      events: { expected, delivered, lost, extra, byKind },
      unexpectedFrames: unexpected,
      memory,
      kbPerSocket: grown === undefined || live.length === 0 ? undefined : grown / live.length,
      statementsPerChange: {
        A: statements.A / Math.max(1, answered),
        B: statements.B / Math.max(1, answered),
      },
      problems,
      passed: live.length === asked && lost === 0 && extra === 0 && problems.length === 0,
    }
  } finally {
    await Promise.all([a.stop(), b?.stop()])
  }
}

const ms = (value: number) => value.toFixed(1)
const kb = (value: number | undefined) => (value === undefined ? '?' : value.toFixed(1))

export function printEvents(events: EventsResult, write: (line: string) => void): void {
  const { latency, rest, changes, rate, sockets } = events
  write('')
  write(
    `events: ${sockets.A + sockets.B} sockets (${sockets.A} on A, ${sockets.B} on B) in ${events.groups} groups of ${events.groupSize}; ${changes.sent} changes (${changes.setTopic} setTopic, ${changes.rename} rename) through A over ${events.durationSeconds} s, ${rate.reached.toFixed(0)}/s reached of ${rate.asked}/s`,
  )
  write(`  REST answer: p50 ${ms(rest.p50)} ms, p99 ${ms(rest.p99)} ms; ${changes.failed} failed`)
  write(
    `  answer -> frame on B (other process): p50 ${ms(latency.otherProcess.p50)} ms, p99 ${ms(latency.otherProcess.p99)} ms, max ${ms(latency.otherProcess.max)} ms (${latency.otherProcess.samples} frames); target p99 <= ${TARGET_P99_MS} ms`,
  )
  write(
    `  request sent -> frame on B: p50 ${ms(latency.otherProcessFromRequest.p50)} ms, p99 ${ms(latency.otherProcessFromRequest.p99)} ms`,
  )
  write(
    `  answer -> frame on A (same process):  p50 ${ms(latency.sameProcess.p50)} ms, p99 ${ms(latency.sameProcess.p99)} ms (${latency.sameProcess.samples} frames); ${latency.beforeAnswer} frames came before the answer (counted as 0)`,
  )
  const kinds = Object.entries(events.events.byKind)
    .map(([kind, c]) => `${kind} ${c.delivered}/${c.expected}`)
    .join(', ')
  write(
    `  events delivered/expected: ${events.events.delivered}/${events.events.expected} (${kinds}); lost ${events.events.lost}, extra ${events.events.extra}; target 0 lost`,
  )
  for (const m of events.memory) {
    write(
      `  process ${m.process}: RSS ${m.beforeMb?.toFixed(1) ?? '?'} MB -> ${m.afterMb?.toFixed(1) ?? '?'} MB with ${m.sockets} idle sockets = ${kb(m.kbPerSocket)} KB per socket; peak ${m.peakMb?.toFixed(0) ?? '?'} MB`,
    )
  }
  write(
    `  RSS per idle socket: ${kb(events.kbPerSocket)} KB (target <= ${TARGET_KB_PER_SOCKET} KB); SQL per change: ${events.statementsPerChange.A.toFixed(1)} on A, ${events.statementsPerChange.B.toFixed(1)} on B`,
  )
  for (const problem of events.problems.slice(0, 20)) write(`  problem: ${problem}`)
  if (events.problems.length > 20) write(`  … and ${events.problems.length - 20} more problems`)
}

/** The issue's targets for the events scenario, against this run. */
export function eventTargets(events: EventsResult): Target[] {
  const p99 = events.latency.otherProcess.p99
  return [
    {
      target: `events: p99 answer -> frame on the other process <= ${TARGET_P99_MS} ms at ${TARGET_RATE} changes/s`,
      reached: `p99 ${ms(p99)} ms at ${events.rate.reached.toFixed(0)} changes/s`,
      met:
        events.latency.otherProcess.samples > 0 &&
        p99 <= TARGET_P99_MS &&
        events.rate.reached >= TARGET_RATE * 0.95,
    },
    {
      target: 'events: 0 lost',
      reached: `${events.events.lost} lost of ${events.events.expected} (${events.events.delivered} delivered)`,
      met: events.events.lost === 0 && events.events.expected > 0,
    },
    {
      target: `events: <= ${TARGET_KB_PER_SOCKET} KB RSS per idle socket`,
      reached: `${kb(events.kbPerSocket)} KB`,
      met: events.kbPerSocket !== undefined && events.kbPerSocket <= TARGET_KB_PER_SOCKET,
    },
  ]
}
