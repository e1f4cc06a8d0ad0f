import fc from 'fast-check'
import type { Test } from 'tap'
import type { Db } from '../../db/database.js'
import { insertLoginToken } from '../../db/queries/tokens.js'
import { hashLoginToken, newLoginToken } from '../../domain/ids.js'
import { api } from './api.js'
import { buildApp, createTestGroup, createTestUser, testConfig } from './base.js'
import { openRaw, RawDdp } from './ddp.js'

/** What the server may answer a client with; anything else breaks the protocol. */
const SERVER_MESSAGES = new Set([
  'connected',
  'failed',
  'ping',
  'pong',
  'result',
  'updated',
  'ready',
  'nosub',
  'changed',
  'error',
])

/** The close codes the README documents. */
const DOCUMENTED_CLOSES = new Set([
  1001, 1002, 1005, 1006, 1009, 4000, 4001, 4002, 4003, 4004, 4005,
])

const streams = fc.constantFrom(
  'stream-notify-user',
  'stream-room-messages',
  'stream-notify-logged',
  'stream-notify-room',
  'stream-notify-all',
  'stream-roles',
  'stream-unknown',
  '',
)

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    '../../etc/passwd',
    '\u0000',
    "'; drop table events; --",
  ),
  fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)),
)

const anyValue = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, Number.MAX_SAFE_INTEGER, -1, 1e308),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
  fc.dictionary(hostileString, fc.jsonValue(), { maxKeys: 4 }),
)

/** Frames shaped like DDP, with every field possibly wrong, and frames that are not DDP at all. */
function frames(secretRoomId: string, ownId: string) {
  const eventName = fc.oneof(
    anyValue,
    fc.constantFrom(
      secretRoomId,
      `${secretRoomId}/user-activity`,
      `${ownId}/rooms-changed`,
      `${ownId}/subscriptions-changed`,
      'someone-else/rooms-changed',
      '__my_messages__',
      'roles-change',
    ),
  )
  const ddp = fc.oneof(
    fc.record(
      {
        msg: fc.constant('sub'),
        id: anyValue,
        name: fc.oneof(streams, anyValue),
        params: fc.oneof(fc.tuple(eventName, anyValue), anyValue),
      },
      { requiredKeys: ['msg'] },
    ),
    fc.record({ msg: fc.constant('unsub'), id: anyValue }, { requiredKeys: ['msg'] }),
    fc.record(
      {
        msg: fc.constant('method'),
        id: anyValue,
        method: fc.oneof(fc.constantFrom('login', 'logout', 'UserPresence:online'), anyValue),
        params: fc.oneof(fc.array(anyValue, { maxLength: 3 }), anyValue),
      },
      { requiredKeys: ['msg'] },
    ),
    fc.record(
      {
        msg: fc.constantFrom('ping', 'pong', 'connect', 'nonsense', ''),
        id: anyValue,
        version: anyValue,
      },
      { requiredKeys: ['msg'] },
    ),
  )
  return fc.oneof(
    ddp.map((frame) => JSON.stringify(frame)),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 200 }),
    fc.nat({ max: 40 }).map((depth) => `${'['.repeat(depth * 100)}${']'.repeat(depth * 100)}`),
  )
}

/**
 * Random and hostile frames from a logged-in non-member, while the group's owner keeps changing
 * it: the server answers only DDP frames, closes only with documented codes, never sends the
 * fuzzing user anything about the group, and keeps serving everyone else.
 */
export async function fuzzRealtime(t: Test, db: Db, runs: number) {
  const app = await buildApp(
    t,
    db,
    testConfig({ REALTIME_MESSAGE_BURST: '1000', REALTIME_MESSAGES_PER_SECOND: '1000' }),
  )
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `${base.replace(/^http/, 'ws')}/websocket`
  const owner = await createTestUser(db)
  const fuzzer = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  let changes = 0
  const stats = { frames: 0, sockets: 0, closes: new Map<number, number>() }

  await fc.assert(
    fc.asyncProperty(
      fc.array(frames(group._id, fuzzer.id), { minLength: 1, maxLength: 20 }),
      async (sent) => {
        // A fresh token each time: a fuzzed `logout` deletes the one it resumed.
        const token = newLoginToken()
        await insertLoginToken(db, fuzzer.id, hashLoginToken(token))
        const client = await RawDdp.open(url)
        stats.sockets++
        client.send({ msg: 'connect', version: '1', support: ['1'] })
        client.send({ msg: 'method', method: 'login', params: [{ resume: token }], id: 'login' })
        for (const frame of sent) {
          client.send(frame)
          stats.frames++
        }
        changes++
        await api(app, owner)
          .on(group)
          .post('groups.setTopic', { topic: `topic ${changes}` })
        client.send({ msg: 'ping', id: 'end' })
        const ended = await Promise.race([
          client
            .next((frame) => frame.msg === 'pong' && frame.id === 'end', 3000)
            .then(() => undefined),
          client.closed,
        ]).catch(() => undefined)
        client.close()
        const closed = ended ?? (await client.closed)
        stats.closes.set(closed.code, (stats.closes.get(closed.code) ?? 0) + 1)
        if (!DOCUMENTED_CLOSES.has(closed.code))
          throw new Error(`undocumented close ${closed.code}`)
        for (const frame of client.received) {
          if (!SERVER_MESSAGES.has(String(frame.msg)))
            throw new Error(`not DDP: ${JSON.stringify(frame)}`)
          if (JSON.stringify(frame).includes(group._id) && frame.msg === 'changed') {
            throw new Error(`leaked: ${JSON.stringify(frame)}`)
          }
        }
      },
    ),
    { numRuns: runs },
  )
  t.comment(
    `${stats.sockets} sockets, ${stats.frames} frames, closes ${JSON.stringify([...stats.closes])}`,
  )

  const after = await openRaw(t, url)
  after.send({ msg: 'connect', version: '1', support: ['1'] })
  t.equal(
    (await after.next((frame) => frame.msg === 'connected')).msg,
    'connected',
    'still serving',
  )
}
