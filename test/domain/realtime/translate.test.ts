// database-free
// The translation of committed transactions into steps, and the registry carrying them out:
// pure code, tested without sockets or a database.
import t from 'tap'
import type { Room } from '../../../db/types.js'
import {
  type EventRow,
  type LogEvent,
  parseEvent,
} from '../../../domain/realtime/log/vocabulary.js'
import type { Payload } from '../../../domain/realtime/payload.js'
import { type Recipient, Registry } from '../../../domain/realtime/registry.js'
import { type Facts, NO_FACTS, translate } from '../../../domain/realtime/translate.js'

const AT = '2026-12-01T10:00:00.000Z'
const XID = '700'
let nextId = 1

const roomRow = (id: string, name = id) => ({
  id,
  name,
  fname: name,
  type: 'p',
  creator_id: 'owner',
  creator_username: 'owner',
  msgs: 0,
  users_count: 2,
  read_only: false,
  sys_mes: true,
  created_at: AT,
  updated_at: AT,
  topic: null,
  description: null,
  purpose: null,
  announcement: null,
  custom_fields: {},
  archived: false,
})

const memberRow = (roomId: string, userId: string, roles: string[] = []) => ({
  id: `${roomId}-${userId}`,
  room_id: roomId,
  user_id: userId,
  username: `name-${userId}`,
  roles,
  open: true,
  created_at: AT,
  last_seen_at: AT,
  updated_at: AT,
})

/** A log row as the database gives it, parsed as the event log does. */
function event(kind: string, fields: { room?: string; user?: string; data: unknown }): LogEvent {
  const row: EventRow = {
    id: nextId++,
    xid: XID,
    kind,
    room_id: fields.room ?? null,
    user_id: fields.user ?? null,
    data: fields.data,
    created_at: new Date(AT),
  }
  return parseEvent(row)
}

/** A connection that records what it is told. */
function recorder(userId: string) {
  const heard: string[] = []
  const connection: Recipient = {
    userId,
    hashedToken: `token-${userId}`,
    send: (payload: Payload) => heard.push(`${payload.eventName} ${JSON.stringify(payload.args)}`),
    leftRoom: (roomId) => heard.push(`left ${roomId}`),
    revoke: () => heard.push('revoked'),
  }
  return { connection, heard }
}

t.test('a row is parsed once into its kind, with its dates as Dates', async (t) => {
  const parsed = event('member.added', {
    room: 'r1',
    user: 'u1',
    data: { member: memberRow('r1', 'u1') },
  })
  t.equal(parsed.kind, 'member.added')
  if (parsed.kind !== 'member.added') return
  t.ok(parsed.data.member.created_at instanceof Date)
  t.equal(parsed.data.member.created_at.toISOString(), AT)
  t.equal(parsed.roomId, 'r1')
})

t.test('a row that does not parse is refused with its position and why', async (t) => {
  t.throws(() => event('member.added', { room: 'r1', user: 'u1', data: { member: {} } }))
  t.throws(() => event('no.such.kind', { data: {} }), /unknown kind/)
  t.throws(
    () => event('message', { room: 'r1', user: 'u1', data: { message: { id: 5 } } }),
    /\/data\/message/,
  )
})

t.test('a join: the member hears its subscription and group; the others the group', async (t) => {
  const events = [
    event('room.updated', {
      room: 'r1',
      data: { room: roomRow('r1'), fields: true, subscription: false },
    }),
    event('member.added', { room: 'r1', user: 'new', data: { member: memberRow('r1', 'new') } }),
  ]
  const registry = new Registry()
  const old = recorder('old')
  const joiner = recorder('new')
  registry.add(old.connection, ['r1'])
  registry.add(joiner.connection, [])
  registry.apply(translate(events, NO_FACTS))
  t.strictSame(
    joiner.heard.map((line) => line.split(' ')[0]),
    ['new/subscriptions-changed', 'new/rooms-changed'],
    'the joiner hears its own insertions only, not the group update as well',
  )
  t.match(joiner.heard[0], /"inserted"/)
  t.strictSame(
    old.heard.map((line) => line.split(' ')[0]),
    ['old/rooms-changed'],
  )
  t.match(old.heard[0], /"updated"/)
  t.strictSame([...registry.roomsOf('new')], ['r1'], 'the registry has the joiner in the group')
})

t.test('a removal with the group deleted; a deleted user is only closed', async (t) => {
  const registry = new Registry()
  const kicked = recorder('kicked')
  const gone = recorder('gone')
  registry.add(kicked.connection, ['r1'])
  registry.add(gone.connection, ['r1'])
  const removed = (user: string, userDeleted: boolean) =>
    event('member.removed', {
      room: 'r1',
      user,
      data: { member: memberRow('r1', user), roomDeleted: !userDeleted, userDeleted },
    })
  registry.apply(translate([removed('kicked', false), removed('gone', true)], NO_FACTS))
  t.strictSame(
    kicked.heard.map((line) => line.split(' ')[0]),
    ['kicked/subscriptions-changed', 'kicked/rooms-changed', 'left'],
  )
  t.strictSame(gone.heard, ['revoked'])
  t.strictSame(registry.membersOf('r1'), [])
})

t.test('a message goes to the group, twice, named from the facts', async (t) => {
  const message = {
    id: 'm1',
    room_id: 'r1',
    type: null,
    msg: 'hello',
    role: null,
    user_id: 'u1',
    username: 'name-u1',
    created_at: AT,
    updated_at: AT,
  }
  const facts: Facts = {
    rooms: new Map([
      [
        'r1',
        { ...roomRow('r1', 'team'), created_at: new Date(AT), updated_at: new Date(AT) } as Room,
      ],
    ]),
    members: new Map(),
  }
  const steps = translate([event('message', { room: 'r1', user: 'u1', data: { message } })], facts)
  const sent = steps.flatMap((step) => (step.step === 'send' ? [step.payload] : []))
  t.strictSame(
    sent.map((payload) => [payload.stream, payload.eventName]),
    [
      ['stream-room-messages', 'r1'],
      ['stream-room-messages', '__my_messages__'],
    ],
  )
  t.match(sent[1]?.args[1], { roomName: 'team', roomParticipant: true })
  t.equal(sent[0]?.argsJson, sent[0]?.argsJson, 'serialized once and kept')
})

t.test('global roles replaced whole are no change; a net change reaches everyone', async (t) => {
  const role = (type: string, roleName: string) =>
    event('user.role', { user: 'u1', data: { type, role: roleName, username: 'name-u1' } })
  const steps = translate(
    [role('removed', 'user'), role('added', 'user'), role('added', 'admin')],
    NO_FACTS,
  )
  t.strictSame(
    steps.map((step) => (step.step === 'send' ? [step.to, step.payload.args] : step.step)),
    [
      [
        { everyone: true },
        [{ type: 'added', _id: 'admin', u: { _id: 'u1', username: 'name-u1' } }],
      ],
    ],
  )
})

t.test('room roles: one payload each, numbered after the subscription', async (t) => {
  const updated = event('member.updated', {
    room: 'r1',
    user: 'u1',
    data: { member: memberRow('r1', 'u1', ['owner']), added: ['owner'], removed: ['moderator'] },
  })
  const steps = translate([updated], NO_FACTS)
  const ids = steps.flatMap((step) => (step.step === 'send' ? [step.payload.id] : []))
  t.strictSame(
    ids,
    [`${XID}.${updated.id}.1`, `${XID}.${updated.id}.2`],
    'no group known: roles only',
  )
  t.strictSame(
    steps.map((step) => step.step === 'send' && step.to),
    [{ room: 'r1' }, { room: 'r1' }],
  )
})

t.test('a renamed group: each member here hears its own subscription from the facts', async (t) => {
  const registry = new Registry()
  const a = recorder('a')
  const b = recorder('b')
  registry.add(a.connection, ['r1'])
  registry.add(b.connection, ['r1'])
  const rename = event('room.updated', {
    room: 'r1',
    data: { room: roomRow('r1', 'renamed'), fields: true, subscription: true },
  })
  const member = (user: string) => {
    const parsed = event('member.added', {
      room: 'r1',
      user,
      data: { member: memberRow('r1', user) },
    })
    return parsed.kind === 'member.added' ? parsed.data.member : undefined
  }
  const facts: Facts = {
    rooms: new Map(),
    members: new Map([['r1', [member('a'), member('b')].filter((m) => m !== undefined)]]),
  }
  registry.apply(translate([rename], facts))
  for (const [name, heard] of [
    ['a', a.heard],
    ['b', b.heard],
  ] as const) {
    t.strictSame(
      heard.map((line) => line.split(' ')[0]),
      [`${name}/subscriptions-changed`, `${name}/rooms-changed`],
    )
    t.match(heard[0], /"name":"renamed"/)
  }
})
