// Presence across processes: each `Presence` below stands for one server process on the database.
import { PostgresDialect, sql } from 'kysely'
import type pg from 'pg'
import t, { type Test } from 'tap'
import { Db } from '../../../db/database.js'
import { Presence, type PresenceOptions } from '../../../domain/realtime/presence.js'
import { eventually, fixture, until } from '../../helper.js'

const db = await fixture.testDatabase(t)

/** A process's presence with a heartbeat far slower than any test: it beats when told to. */
function aProcess(t: Test, processId: string, options: Partial<PresenceOptions> = {}) {
  const presence = new Presence(db, {
    processId,
    heartbeatMs: 60_000,
    expiryMs: 120_000,
    ...options,
  })
  t.teardown(() => presence.stop())
  return presence
}

function rows() {
  return db
    .selectFrom('presence_connections')
    .select(['connection_id', 'user_id', 'process_id'])
    .orderBy('connection_id')
    .execute()
}

/** Makes every row look as if its process last beat an hour ago. */
async function backdateAll() {
  await db
    .updateTable('presence_connections')
    .set({ seen_at: sql<Date>`now() - interval '1 hour'` })
    .execute()
}

/** When a connection's row was last bumped, by the database's clock (as every row is). */
async function seenAt(connectionId: string) {
  const row = await db
    .selectFrom('presence_connections')
    .select('seen_at')
    .where('connection_id', '=', connectionId)
    .executeTakeFirstOrThrow()
  return row.seen_at.getTime()
}

const online = (...users: fixture.TestUser[]) =>
  users.map((user) => ({ _id: user.id, username: user.username }))

t.test('a connection puts its user online, its disconnect takes them offline', async (t) => {
  const { group, owner, member } = await fixture.groupFixture(t, db)
  const presence = aProcess(t, 'p1')

  await presence.connected('c1', member.id)
  t.same(await presence.onlineMembers(group._id), online(member))
  t.same(await rows(), [{ connection_id: 'c1', user_id: member.id, process_id: 'p1' }])

  await presence.connected('c2', owner.id)
  await presence.disconnected('c1')
  t.same(await presence.onlineMembers(group._id), online(owner))
  t.same(await rows(), [{ connection_id: 'c2', user_id: owner.id, process_id: 'p1' }])

  await presence.disconnected('c2')
  t.same(await presence.onlineMembers(group._id), [])
  t.same(await rows(), [])
})

t.test('a user with two connections is listed once, and online until both close', async (t) => {
  const { group, member } = await fixture.groupFixture(t, db)
  const presence = aProcess(t, 'p1')
  const other = aProcess(t, 'p2')

  await presence.connected('c1', member.id)
  await other.connected('c2', member.id)
  t.same(await presence.onlineMembers(group._id), online(member))

  await presence.disconnected('c1')
  t.same(await presence.onlineMembers(group._id), online(member), 'still connected to p2')
  await other.disconnected('c2')
  t.same(await presence.onlineMembers(group._id), [])
})

t.test('only members of the group are listed, by username', async (t) => {
  const [amy, bob, zed] = (await fixture.usersNamed(db, 'a', 'b', 'c')) as [
    fixture.TestUser,
    fixture.TestUser,
    fixture.TestUser,
  ]
  const app = await fixture.buildApp(t, db)
  const group = await fixture.createTestGroup(app, zed, [bob, amy])
  const stranger = await fixture.createTestUser(db)
  const presence = aProcess(t, 'p1')
  for (const user of [zed, bob, stranger, amy]) await presence.connected(`c-${user.id}`, user.id)
  t.same(await presence.onlineMembers(group._id), online(amy, bob, zed))
})

t.test('a disconnect sent right after its connect is written after it', async (t) => {
  const { group, member } = await fixture.groupFixture(t, db)
  const presence = aProcess(t, 'p1')
  const connecting = presence.connected('c1', member.id)
  await presence.disconnected('c1')
  await connecting
  t.same(await rows(), [])
  t.same(await presence.onlineMembers(group._id), [])
})

t.test('the heartbeat keeps connections alive past the expiry', async (t) => {
  const { group, member } = await fixture.groupFixture(t, db)
  const presence = aProcess(t, 'p1', { heartbeatMs: 50, expiryMs: 400 })
  await presence.connected('c1', member.id)
  await backdateAll()
  t.same(await presence.onlineMembers(group._id), [], 'not seen within the expiry: offline')

  presence.start()
  await eventually(t, 'a heartbeat bumped the connection', async () => {
    return (await presence.onlineMembers(group._id)).length === 1
  })
  // Heartbeats until one has bumped the row 2.5 expiries after the first did, online throughout.
  const firstBeat = await seenAt('c1')
  let offline = 0
  await until('heartbeats for 2.5 expiries', async () => {
    if ((await presence.onlineMembers(group._id)).length === 0) offline++
    return (await seenAt('c1')) - firstBeat >= 1000
  })
  t.equal(offline, 0, 'never offline meanwhile')
  t.same(await presence.onlineMembers(group._id), online(member), 'online after 2.5 expiries')
  t.same(await rows(), [{ connection_id: 'c1', user_id: member.id, process_id: 'p1' }])
})

t.test('the heartbeat writes back connections another process swept', async (t) => {
  const { group, member } = await fixture.groupFixture(t, db)
  const presence = aProcess(t, 'p1')
  await presence.connected('c1', member.id)
  // Another process swept them while this one stalled past the expiry.
  await db.deleteFrom('presence_connections').execute()

  await presence.heartbeat()
  t.same(await rows(), [{ connection_id: 'c1', user_id: member.id, process_id: 'p1' }])
  t.same(await presence.onlineMembers(group._id), online(member))
})

t.test("a dead process's connections expire, and any live process deletes them", async (t) => {
  const { group, owner, member } = await fixture.groupFixture(t, db)
  // Killed: it never beats again and never stops.
  const dead = new Presence(db, { processId: 'dead', heartbeatMs: 50, expiryMs: 200 })
  await dead.connected('c-dead', member.id)
  const live = aProcess(t, 'live', { heartbeatMs: 50, expiryMs: 200 })
  await live.connected('c-live', owner.id)
  await backdateAll()
  await live.heartbeat()

  t.same(await rows(), [{ connection_id: 'c-live', user_id: owner.id, process_id: 'live' }])
  t.same(await live.onlineMembers(group._id), online(owner))
})

t.test('expired rows are offline before any process sweeps them', async (t) => {
  const { group, member } = await fixture.groupFixture(t, db)
  const dead = aProcess(t, 'dead', { heartbeatMs: 100, expiryMs: 200 })
  await dead.connected('c-dead', member.id)
  await backdateAll()
  t.same(await dead.onlineMembers(group._id), [])
  t.equal((await rows()).length, 1, 'not swept yet')
})

t.test('the running heartbeat sweeps a dead process within its expiry', async (t) => {
  const { group, member } = await fixture.groupFixture(t, db)
  const dead = new Presence(db, { processId: 'dead', heartbeatMs: 50, expiryMs: 200 })
  await dead.connected('c-dead', member.id)
  const live = aProcess(t, 'live', { heartbeatMs: 50, expiryMs: 200 })
  live.start()
  await eventually(t, 'swept', async () => (await rows()).length === 0)
  t.same(await live.onlineMembers(group._id), [])
})

t.test("stop deletes the process's own rows only, and ends its work", async (t) => {
  const { group, owner, member } = await fixture.groupFixture(t, db)
  const stopping = aProcess(t, 'stopping', { heartbeatMs: 50, expiryMs: 200 })
  const other = aProcess(t, 'other')
  await stopping.connected('c1', member.id)
  await stopping.connected('c2', member.id)
  await other.connected('c3', owner.id)
  stopping.start()

  await stopping.stop()
  t.same(await rows(), [{ connection_id: 'c3', user_id: owner.id, process_id: 'other' }])
  t.same(await other.onlineMembers(group._id), online(owner))

  await stopping.connected('c4', member.id)
  await stopping.heartbeat()
  await stopping.stop()
  t.equal((await rows()).length, 1, 'nothing written after stop')
})

t.test('a connection of a user deleted meanwhile does not fail the others', async (t) => {
  const { group, owner, member } = await fixture.groupFixture(t, db)
  const presence = aProcess(t, 'p1')
  await presence.connected('c1', member.id)
  await presence.connected('c2', owner.id)
  await db.deleteFrom('users').where('id', '=', member.id).execute()
  t.same(await rows(), [{ connection_id: 'c2', user_id: owner.id, process_id: 'p1' }], 'cascaded')

  await backdateAll()
  await presence.heartbeat()
  t.same(await rows(), [{ connection_id: 'c2', user_id: owner.id, process_id: 'p1' }])
  t.same(await presence.onlineMembers(group._id), online(owner))
})

/** Presence of process `p1` on a database that fails, with the warnings it logs. */
function warnedPresence(db: Db) {
  const warnings: string[] = []
  const presence = new Presence(
    db,
    { processId: 'p1', heartbeatMs: 50, expiryMs: 200 },
    { warn: (_details, message) => warnings.push(message) },
  )
  return { presence, warnings }
}

t.test('with the database down, failures are logged and nothing throws', async (t) => {
  const refused = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))
  const pool = { connect: refused, end: async () => {} } as unknown as pg.Pool
  const down = new Db({ dialect: new PostgresDialect({ pool }) })
  t.teardown(() => down.destroy())
  const { presence, warnings } = warnedPresence(down)

  await presence.connected('c1', 'someone')
  await presence.heartbeat()
  await presence.disconnected('c1')
  await presence.stop()
  t.same(warnings, [
    'could not record a connection',
    'presence heartbeat failed',
    'could not delete a connection',
    'could not delete the presence rows of this process',
  ])
})

t.test('stop does not wait long for a database that does not answer', async (t) => {
  const pool = { connect: () => new Promise<never>(() => {}), end: async () => {} }
  const hung = new Db({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) })
  const { presence, warnings } = warnedPresence(hung)
  void presence.connected('c1', 'someone')

  const started = Date.now()
  await presence.stop()
  t.ok(Date.now() - started < 5000, 'stopped within seconds')
  t.same(warnings, ['presence rows of this process left to expire: the database did not answer'])
})

t.test('the expiry must be longer than the heartbeat', async (t) => {
  t.throws(
    () => new Presence(db, { processId: 'p1', heartbeatMs: 100, expiryMs: 100 }),
    /expiryMs must be longer than heartbeatMs/,
  )
})
