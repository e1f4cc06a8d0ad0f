// The event log orders the changes of one user as they committed. `users.delete` and a
// deactivation change every group the user is in, groups they cannot know of before they start;
// an invitation or a new group racing them must not be logged on the wrong side of them: a
// client replaying the log would see the user removed before they joined (and then never
// removed), or see a deactivated user join a group.
import { sql } from 'kysely'
import t from 'tap'
import { USER_TURN } from '../../../db/queries/turns.js'
import { api, fixture, type TestUser, until } from '../../helper.js'
import { ownConnection } from '../../support/cluster.js'

const db = await fixture.testDatabase(t)
const PAIRS = Number(process.env.USER_ORDER_PAIRS) || 96
/** Pairs raced at once; each takes two of the pool's connections. */
const AT_ONCE = 8

interface Pair {
  user: TestUser
  /** A group the user is already in, so the racing change has a group to lock first. */
  home: string
  /** A group the user is invited to (or, when racing `groups.create`, unused). */
  target: string
}

async function pairs(app: Parameters<typeof fixture.createTestGroup>[0], owner: TestUser) {
  const made: Pair[] = []
  for (let i = 0; i < PAIRS; i++) {
    const user = await fixture.createTestUser(db)
    const home = (await fixture.createTestGroup(app, owner, [user]))._id
    const target = (await fixture.createTestGroup(app, owner))._id
    made.push({ user, home, target })
  }
  return made
}

/** Runs `race` for every pair, AT_ONCE pairs at a time; counts the answers by kind. */
async function raceAll(
  all: Pair[],
  race: (pair: Pair, index: number) => Promise<string[]>,
): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {}
  for (let start = 0; start < all.length; start += AT_ONCE) {
    const wave = all.slice(start, start + AT_ONCE)
    const results = await Promise.all(wave.map((pair, i) => race(pair, start + i)))
    for (const key of results.flat()) statuses[key] = (statuses[key] ?? 0) + 1
  }
  return statuses
}

/** The answers that were neither a success nor a refusal. */
const failures = (statuses: Record<string, number>) =>
  Object.keys(statuses).filter((key) => !/ (200|400)$/.test(key))

/** Joins of one user in one group logged after (by the log's order) a removal that undid them. */
async function removalsBeforeJoins() {
  const { rows } = await sql<{ user: string; room: string }>`
    select added.user_id as user, added.room_id as room
    from events removed join events added
      on added.kind = 'member.added' and removed.kind = 'member.removed'
      and added.data->'member'->>'id' = removed.data->'member'->>'id'
    where (added.xid, added.id) > (removed.xid, removed.id)
    order by 1, 2`.execute(db)
  return rows
}

/** Joins logged after (by the log's order) the deactivation of their user. */
async function joinsAfterDeactivation() {
  // A deactivated user's row was last written by the deactivation: its xmin is that
  // transaction's id, of the same epoch as the log's ids.
  const { rows } = await sql<{ user: string; room: string }>`
    select e.user_id as user, e.room_id as room
    from events e join users u on u.id = e.user_id
    where e.kind = 'member.added' and not u.active
      and e.xid::text::bigint > ((pg_current_xact_id()::text::bigint >> 32) << 32)
        + u.xmin::text::bigint
    order by 1, 2`.execute(db)
  return rows
}

/**
 * Either an invitation to the pair's group or a new group with the user in it, started after a
 * few round trips to the database (0 to 7, by the pair's index): the change it races has by then
 * gone more or less far, so the race is run at every stage of it.
 */
async function joining(app: Parameters<typeof api>[0], owner: TestUser, pair: Pair, index: number) {
  for (let i = 0; i < (index >> 1) % 8; i++) await sql`select 1`.execute(db)
  return index % 2 === 0
    ? api(app, owner)
        .post('groups.invite', { roomId: pair.target, userId: pair.user.id })
        .then((reply) => `invite ${reply.statusCode}`)
    : api(app, owner)
        .post('groups.create', { name: fixture.groupName('race'), members: [pair.user.username] })
        .then((reply) => `create ${reply.statusCode}`)
}

/**
 * The two changes that touch every group of a user, each raced against a join of the same user:
 * what the one that removes sends, and the inversions of the log's order that would betray it.
 */
const sweepingChanges: Array<{
  test: string
  answer: string
  send: (app: Parameters<typeof api>[0], owner: TestUser, user: TestUser) => Promise<string>
  inversions: () => Promise<Array<{ user: string; room: string }>>
  inverted: string
}> = [
  {
    test: 'users.delete racing invitations and new groups: no removal is logged before its join',
    answer: 'delete',
    send: (app, owner, user) =>
      api(app, owner)
        .post('users.delete', { userId: user.id })
        .then((reply) => `delete ${reply.statusCode}`),
    inversions: removalsBeforeJoins,
    inverted: 'every removal is logged after the join it undoes',
  },
  {
    test: 'deactivation racing invitations and new groups: no join is logged after the deactivation',
    answer: 'deactivate',
    send: (app, owner, user) =>
      api(app, owner)
        .post('users.update', { userId: user.id, data: { active: false } })
        .then((reply) => `deactivate ${reply.statusCode}`),
    inversions: joinsAfterDeactivation,
    inverted: 'no user joins a group after their deactivation',
  },
]

for (const change of sweepingChanges) {
  // Skipped on the embedded database: it runs one transaction at a time, so nothing races.
  t.test(change.test, { skip: fixture.onlyOnPostgres }, async (t) => {
    const app = await fixture.buildApp(t, db)
    const owner = await fixture.createTestUser(db, { roles: ['user', 'admin'] })
    const all = await pairs(app, owner)
    const statuses = await raceAll(all, (pair, index) =>
      Promise.all([change.send(app, owner, pair.user), joining(app, owner, pair, index)]),
    )
    t.comment(JSON.stringify(statuses))
    t.equal(statuses[`${change.answer} 200`], PAIRS, `every user was sent ${change.answer}`)
    t.same(failures(statuses), [], 'the loser of a race is refused, not failed')
    if (change.answer === 'delete') {
      const { count } = await db
        .selectFrom('room_members')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where(
          'user_id',
          'in',
          all.map((pair) => pair.user.id),
        )
        .executeTakeFirstOrThrow()
      t.equal(Number(count), 0, 'no deleted user is left in a group')
    }
    const inversions = await change.inversions()
    t.comment(`inversions of the log's order: ${inversions.length}`)
    t.same(inversions, [], change.inverted)
  })
}

t.test(
  "every change of a user's memberships or existence waits for the user's turn before it takes a transaction id",
  { skip: fixture.onlyOnPostgres },
  async (t) => {
    const app = await fixture.buildApp(t, db)
    const owner = await fixture.createTestUser(db, { roles: ['user', 'admin'] })
    const holder = await ownConnection(t, db, fixture.postgresUrl)

    type Change = (user: TestUser, group: { _id: string }) => Promise<{ statusCode: number }>
    const changes: Array<[string, { member: boolean }, Change]> = [
      [
        'groups.invite by id',
        { member: false },
        (user, group) => api(app, owner).on(group).post('groups.invite', { userId: user.id }),
      ],
      [
        'groups.invite by username',
        { member: false },
        (user, group) =>
          api(app, owner)
            .on(group)
            .post('groups.invite', { usernames: [user.username] }),
      ],
      [
        'groups.kick by username',
        { member: true },
        (user, group) => api(app, owner).on(group).post('groups.kick', { username: user.username }),
      ],
      [
        'groups.leave',
        { member: true },
        (user, group) => api(app, user).on(group).post('groups.leave'),
      ],
      [
        'groups.create',
        { member: false },
        (user) =>
          api(app, owner).post('groups.create', {
            name: fixture.groupName(),
            members: [user.username],
          }),
      ],
      [
        'groups.create by the user',
        { member: false },
        (user) => api(app, user).post('groups.create', { name: fixture.groupName() }),
      ],
      [
        'groups.delete',
        { member: true },
        (_, group) => api(app, owner).on(group).post('groups.delete'),
      ],
      [
        'users.delete',
        { member: true },
        (user) => api(app, owner).post('users.delete', { userId: user.id }),
      ],
      [
        'users.update deactivating',
        { member: true },
        (user) =>
          api(app, owner).post('users.update', { userId: user.id, data: { active: false } }),
      ],
    ]
    for (const [name, { member }, change] of changes) {
      const user = await fixture.createTestUser(db)
      const group = await fixture.createTestGroup(app, owner, member ? [user] : [])
      await holder.query('begin')
      await holder.query('select pg_advisory_xact_lock($1, hashtext($2))', [USER_TURN, user.id])
      const reply = change(user, group)
      // The change's connection, once it waits for the turn, and its transaction id (none yet).
      let waiting: Array<{ xid: string | null }> = []
      await until(`${name} waiting for the turn`, async () => {
        const { rows } = await sql<{ xid: string | null }>`
          select a.backend_xid::text as xid
          from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and not l.granted and l.database = (
              select oid from pg_database where datname = current_database())
            and l.classid = ${USER_TURN}::oid and l.objid = hashtext(${user.id})::oid
            and l.objsubid = 2`.execute(db)
        waiting = rows
        return rows.length > 0
      })
      await holder.query('commit')
      t.same(waiting, [{ xid: null }], `${name} waits for the turn before it has a transaction id`)
      t.equal((await reply).statusCode, 200, `${name} then goes through`)
    }
  },
)

t.test(
  'groups.create leaves out a listed user deactivated while it waited for their turn',
  { skip: fixture.onlyOnPostgres },
  async (t) => {
    const app = await fixture.buildApp(t, db)
    const owner = await fixture.createTestUser(db)
    const [kept, deactivated] = [await fixture.createTestUser(db), await fixture.createTestUser(db)]
    const holder = await ownConnection(t, db, fixture.postgresUrl)
    await holder.query('begin')
    await holder.query('select pg_advisory_xact_lock($1, hashtext($2))', [
      USER_TURN,
      deactivated.id,
    ])
    await holder.query('update users set active = false where id = $1', [deactivated.id])
    const name = fixture.groupName()
    const reply = api(app, owner).post('groups.create', {
      name,
      members: [kept.username, deactivated.username],
    })
    await until('groups.create waiting for the turn', async () => {
      const { rows } = await sql`select 1 from pg_locks l
        where l.locktype = 'advisory' and not l.granted
          and l.classid = ${USER_TURN}::oid and l.objid = hashtext(${deactivated.id})::oid`.execute(
        db,
      )
      return rows.length > 0
    })
    await holder.query('commit')
    const answer = await reply
    t.equal(answer.statusCode, 200)
    t.same(
      answer.json().group.usernames,
      [owner.username, kept.username],
      'the group is made without the deactivated user',
    )
    const { rows } = await sql<{ kind: string; user_id: string }>`
      select kind, user_id from events where kind like 'member.%'
        and user_id = any(${[owner.id, kept.id, deactivated.id]}::text[])
      order by xid, id`.execute(db)
    t.same(
      rows,
      [
        { kind: 'member.added', user_id: owner.id },
        { kind: 'member.added', user_id: kept.id },
      ],
      'and only its members are logged as joining',
    )
  },
)
