// Rocket.Chat's bot user `rocket.cat`: created on start (unless CREATE_ROCKET_CAT=false), invited,
// given room roles and kicked like anyone, never able to log in with a password.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import app from '../../../app.js'
import type { Db } from '../../../db/database.js'
import { ensureRocketCat } from '../../../domain/users/rocket-cat.js'
import { serverOptions } from '../../../server-options.js'
import { api, assertReply, fixture, refused, until } from '../../helper.js'

const db = await fixture.testDatabase(t)

/** The rows that make up rocket.cat: the user, their global roles and their creation's audit. */
async function storedRocketCats(db: Db) {
  const users = await db.selectFrom('users').selectAll().where('id', '=', 'rocket.cat').execute()
  const roles = await db
    .selectFrom('user_roles')
    .select('role_id')
    .where('user_id', '=', 'rocket.cat')
    .execute()
  const audit = await db
    .selectFrom('audit_log')
    .select(['actor_id', 'actor_username', 'room_id', 'action', 'before', 'after'])
    .where('action', '=', 'users.create')
    .where(sql`after->>'userId'`, '=', 'rocket.cat')
    .execute()
  return { users, roles: roles.map((row) => row.role_id), audit }
}

const creationAudit = {
  actor_id: null,
  actor_username: null,
  room_id: null,
  action: 'users.create',
  before: null,
  after: { userId: 'rocket.cat', username: 'rocket.cat', roles: ['bot'], active: true },
}

/** What every view of rocket.cat shows of it. */
const ROCKET_CAT = { _id: 'rocket.cat', username: 'rocket.cat', name: 'Rocket.Cat' }

t.test('a fresh database gets rocket.cat: bot role, no password, no email', async (t) => {
  const server = await fixture.buildApp(t, db)
  const boss = await fixture.createTestUser(db, { roles: ['admin'] })
  const plain = await fixture.createTestUser(db)
  const { users, roles, audit } = await storedRocketCats(db)
  t.equal(users.length, 1)
  const [row] = users
  t.match(row, {
    username: 'rocket.cat',
    name: 'Rocket.Cat',
    email: null,
    password_hash: null,
    active: true,
  })
  t.same(roles, ['bot'])
  t.same(audit, [creationAudit], 'created by the service, as the admin tool creates users')

  const full = await api(server, boss).get('users.info', { userId: 'rocket.cat' })
  assertReply(t, full, 200, {
    user: {
      ...ROCKET_CAT,
      emails: [],
      roles: ['bot'],
      active: true,
      status: 'offline',
      type: 'user',
      createdAt: row?.created_at.toISOString(),
      _updatedAt: row?.updated_at.toISOString(),
    },
    success: true,
  })
  const publicView = await api(server, plain).get('users.info', { username: 'rocket.cat' })
  assertReply(t, publicView, 200, {
    user: {
      ...ROCKET_CAT,
      status: 'offline',
      active: true,
      type: 'user',
    },
    success: true,
  })
  const listed = await api(server, plain).get('users.list', {
    query: JSON.stringify({ username: 'rocket.cat' }),
  })
  assertReply(t, listed, 200, {
    users: [publicView.json().user],
    count: 1,
    offset: 0,
    total: 1,
    success: true,
  })
})

t.test('a group owner invites rocket.cat by id and by username, and kicks it', async (t) => {
  const server = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(server, owner)
  const members = async () =>
    (await fixture.storedGroup(db, group._id)).members.map((member) => member.username).sort()

  for (const invitee of [{ userId: 'rocket.cat' }, { username: 'rocket.cat' }]) {
    const invited = await api(server, owner)
      .on(group)
      .post('groups.invite', { ...invitee })
    t.equal(invited.statusCode, 200, JSON.stringify(invitee))
    t.match(invited.json(), { group: { _id: group._id, usersCount: 2 }, success: true })
    t.same(await members(), [owner.username, 'rocket.cat'].sort())

    const kicked = await api(server, owner)
      .on(group)
      .post('groups.kick', { ...invitee })
    assertReply(t, kicked, 200, { success: true }, `kick ${JSON.stringify(invitee)}`)
    t.same(await members(), [owner.username])
  }
})

t.test('rocket.cat takes room roles; groups.roles and groups.moderators list it', async (t) => {
  const server = await fixture.buildApp(t, db)
  // After rocket.cat in any collation, so groups.roles lists the bot first.
  const owner = await fixture.createTestUser(db, { username: `t-owner-${Date.now()}` })
  const group = await fixture.createTestGroup(server, owner)
  const invited = await api(server, owner)
    .on(group)
    .post('groups.invite', { username: 'rocket.cat' })
  t.equal(invited.statusCode, 200)

  for (const endpoint of ['groups.addModerator', 'groups.addLeader']) {
    const response = await api(server, owner).on(group).post(endpoint, { userId: 'rocket.cat' })
    assertReply(t, response, 200, { success: true }, endpoint)
  }
  t.same(await fixture.storedRoomRoles(db, group._id, 'rocket.cat'), ['moderator', 'leader'])

  const roles = await api(server, owner).get('groups.roles', { roomId: group._id })
  assertReply(t, roles, 200, {
    roles: [
      {
        _id: `${group._id}-rocket.cat`,
        rid: group._id,
        u: { _id: 'rocket.cat', username: 'rocket.cat' },
        roles: ['moderator', 'leader'],
      },
      {
        _id: `${group._id}-${owner.id}`,
        rid: group._id,
        u: { _id: owner.id, username: owner.username },
        roles: ['owner'],
      },
    ],
    success: true,
  })
  const moderators = await api(server, owner).get('groups.moderators', { roomName: group.name })
  assertReply(t, moderators, 200, {
    moderators: [{ _id: 'rocket.cat', username: 'rocket.cat' }],
    success: true,
  })

  const owned = await api(server, owner)
    .on(group)
    .post('groups.addOwner', { username: 'rocket.cat' })
  assertReply(t, owned, 200, { success: true })
  t.same(await fixture.storedRoomRoles(db, group._id, 'rocket.cat'), [
    'moderator',
    'leader',
    'owner',
  ])

  const kicked = await api(server, owner).on(group).post('groups.kick', { userId: 'rocket.cat' })
  assertReply(t, kicked, 200, { success: true })
  t.equal(await fixture.storedRoomRoles(db, group._id, 'rocket.cat'), undefined)
})

t.test('a password login as rocket.cat: the 401 of a wrong password', async (t) => {
  const server = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const wrong = await api(server).post('login', { user: user.username, password: 'wrong' })
  assertReply(t, wrong, 401, refused.loginFailed)

  for (const body of [
    { user: 'rocket.cat', password: fixture.TEST_PASSWORD },
    { username: 'ROCKET.CAT', password: '' },
    { user: 'rocket.cat', password: 'null' },
  ]) {
    const response = await api(server).post('login', body)
    assertReply(t, response, 401, refused.loginFailed, JSON.stringify(body))
    t.equal(response.body, wrong.body)
  }
  const tokens = await db
    .selectFrom('login_tokens')
    .select('user_id')
    .where('user_id', '=', 'rocket.cat')
    .execute()
  t.same(tokens, [], 'no token is issued')
})

t.test('CREATE_ROCKET_CAT=false: no rocket.cat', async (t) => {
  const fresh = await fixture.testDatabase(t)
  const server = await fixture.buildApp(
    t,
    fresh,
    fixture.testConfig({ CREATE_ROCKET_CAT: 'false' }),
  )
  t.same(await storedRocketCats(fresh), { users: [], roles: [], audit: [] })

  const owner = await fixture.createTestUser(fresh)
  const group = await fixture.createTestGroup(server, owner)
  const invited = await api(server, owner).on(group).post('groups.invite', { userId: 'rocket.cat' })
  assertReply(
    t,
    invited,
    400,
    refused.as('error-empty-invite-list', 'Cannot invite if no valid users are provided'),
  )
})

t.test('starting twice leaves exactly one rocket.cat', async (t) => {
  const fresh = await fixture.testDatabase(t)
  await fixture.buildApp(t, fresh)
  await fixture.buildApp(t, fresh)
  const stored = await storedRocketCats(fresh)
  t.equal(stored.users.length, 1)
  t.same(stored.roles, ['bot'])
  t.same(stored.audit, [creationAudit])
})

/**
 * Runs `count` calls of `run` at once. On PostgreSQL they are held at their first write to
 * `users` until all of them are there, so each has checked that rocket.cat is missing before
 * any inserts it; the embedded database has one connection and runs them one after another.
 */
async function allPastTheCheck<T>(db: Db, count: number, run: () => Promise<T>) {
  if (!fixture.postgresUrl) return Promise.all(Array.from({ length: count }, run))
  let all: Promise<T[]> | undefined
  await db.transaction().execute(async (trx) => {
    await sql`lock table users in share mode`.execute(trx)
    all = Promise.all(Array.from({ length: count }, run))
    const waiting = async () => {
      const { rows } = await sql<{ waiting: number }>`
        select count(*)::int as waiting from pg_locks
        where relation = 'users'::regclass and not granted
          and database = (select oid from pg_database where datname = current_database())`.execute(
        trx,
      )
      return rows[0]?.waiting ?? 0
    }
    // Generous: an app that starts has a while to go before it reaches the check.
    await until('every call waits at users', async () => (await waiting()) >= count, {
      timeoutMs: 30_000,
    })
  })
  return all ?? []
}

t.test('processes starting at once: one creates rocket.cat, none fails', async (t) => {
  const racing = await fixture.testDatabase(t)
  const outcomes = await allPastTheCheck(racing, 6, () => ensureRocketCat(racing))
  t.same(outcomes.map(({ outcome }) => outcome).sort(), [
    'created',
    'present',
    'present',
    'present',
    'present',
    'present',
  ])

  const starting = await fixture.testDatabase(t)
  await allPastTheCheck(starting, 3, () => fixture.buildApp(t, starting))
  for (const db of [racing, starting]) {
    const stored = await storedRocketCats(db)
    t.equal(stored.users.length, 1)
    t.same(stored.roles, ['bot'])
    t.same(stored.audit, [creationAudit])
  }
})

t.test('deleted, rocket.cat is created again on the next start', async (t) => {
  const fresh = await fixture.testDatabase(t)
  await fixture.buildApp(t, fresh)
  await fresh.deleteFrom('users').where('id', '=', 'rocket.cat').execute()
  t.same((await storedRocketCats(fresh)).users, [])

  await fixture.buildApp(t, fresh)
  const again = await storedRocketCats(fresh)
  t.equal(again.users.length, 1)
  t.same(again.roles, ['bot'])
  t.same(again.audit, [creationAudit, creationAudit])
})

t.test('the username rocket.cat held by another user: a warning, the start goes on', async (t) => {
  const fresh = await fixture.testDatabase(t)
  const holder = await fixture.createTestUser(fresh, { username: 'Rocket.Cat' })
  const logs: string[] = []
  const config = fixture.testConfig({ LOG_LEVEL: 'warn' })
  const server = Fastify(
    serverOptions(config, { write: (line) => logs.push(line) }),
  ).withTypeProvider<TypeBoxTypeProvider>()
  await server.register(app, { config, db: fresh })
  await server.ready()
  t.teardown(() => server.close())

  t.same(await storedRocketCats(fresh), { users: [], roles: [], audit: [] })
  const warnings = logs.map((line) => JSON.parse(line))
  t.match(warnings, [
    {
      level: 40,
      username: 'rocket.cat',
      holderId: holder.id,
      msg: 'bot user rocket.cat not created: another user has its username',
    },
  ])
  t.equal(warnings.length, 1)
  const me = await api(server, holder).get('me')
  t.equal(me.statusCode, 200, 'the service serves requests')
})
