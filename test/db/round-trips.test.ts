// Every write of a group takes at most 4 round trips to PostgreSQL (BEGIN and COMMIT included)
// and answers from what they returned; every read takes one. Counted at the connection, so
// what is counted is what travels.
import pg from 'pg'
import t from 'tap'
import { DeferredBeginClient } from '../../db/pg-client.js'
import {
  api,
  buildApp,
  createTestGroup,
  createTestUser,
  onlyOnPostgres,
  postgresUrl,
  type TestUser,
  testDatabase,
} from '../helper.js'

const db = await testDatabase(t)

let sent: string[] = []
const original = pg.Client.prototype.query
t.before(() => {
  pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
    const [text] = args
    sent.push(typeof text === 'string' ? text : JSON.stringify(text))
    return (original as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof pg.Client.prototype.query
})
t.teardown(() => {
  pg.Client.prototype.query = original
})

/** The statements one request sends, after a first request has warmed the caller's login. */
async function statementsOf(send: () => Promise<{ statusCode: number; body: string }>) {
  sent = []
  const reply = await send()
  // The event relay reads the log after each commit, beside the request: not its round trips.
  const statements = sent.filter((text) => !/\bfrom events\b/.test(text))
  sent = []
  if (reply.statusCode !== 200) throw new Error(`${reply.statusCode} ${reply.body}`)
  return statements
}

t.test(
  'each groups.* write takes at most 4 round trips, each read one',
  // Skipped on the embedded database: it runs in the process and sends nothing over a network.
  { skip: onlyOnPostgres },
  async (t) => {
    const app = await buildApp(t, db)
    // An admin as well: unarchiving needs `unarchive-room`, which owners lack by default.
    const owner = await createTestUser(db, { roles: ['user', 'admin'] })
    const users: TestUser[] = []
    for (let i = 0; i < 4; i++) users.push(await createTestUser(db))
    const [a, b, c, d] = users as [TestUser, TestUser, TestUser, TestUser]
    const group = await createTestGroup(app, owner, [a, b])
    for (const user of [owner, a, b, c, d]) {
      await api(app, user).get('me')
    }
    const as = (user: TestUser) => api(app, user).on(group)
    const writes: Array<[string, () => Promise<{ statusCode: number; body: string }>]> = [
      [
        'groups.create',
        () => api(app, owner).post('groups.create', { name: `rt-${a.id}`, members: [c.username] }),
      ],
      ['groups.invite', () => as(owner).post('groups.invite', { userId: c.id })],
      ['groups.invite (already a member)', () => as(owner).post('groups.invite', { userId: c.id })],
      ['groups.rename', () => as(owner).post('groups.rename', { name: `renamed-${a.id}` })],
      ['groups.setTopic', () => as(owner).post('groups.setTopic', { topic: 'a topic' })],
      ['groups.setReadOnly', () => as(owner).post('groups.setReadOnly', { readOnly: true })],
      [
        'groups.setCustomFields',
        () => as(owner).post('groups.setCustomFields', { customFields: { a: 1 } }),
      ],
      ['groups.addModerator', () => as(owner).post('groups.addModerator', { userId: a.id })],
      ['groups.removeModerator', () => as(owner).post('groups.removeModerator', { userId: a.id })],
      ['groups.addOwner', () => as(owner).post('groups.addOwner', { userId: b.id })],
      ['groups.removeOwner', () => as(owner).post('groups.removeOwner', { userId: b.id })],
      ['groups.kick', () => as(owner).post('groups.kick', { userId: c.id })],
      ['groups.leave', () => as(a).post('groups.leave')],
      ['groups.close', () => as(b).post('groups.close')],
      ['groups.open', () => as(b).post('groups.open')],
      ['groups.archive', () => as(owner).post('groups.archive')],
      ['groups.unarchive', () => as(owner).post('groups.unarchive')],
      ['groups.delete', () => as(owner).post('groups.delete')],
    ]
    for (const [name, send] of writes) {
      const statements = await statementsOf(send)
      t.ok(statements.length <= 4, `${name}: ${statements.length} round trips`, { statements })
      t.notOk(
        statements.some((text) => text.trim().toLowerCase() === 'begin'),
        `${name}: BEGIN travels with the first statement`,
      )
    }

    const other = await createTestGroup(app, owner, [a, b])
    const reads: Array<[string, () => Promise<{ statusCode: number; body: string }>]> = [
      ['groups.info', () => api(app, a).get('groups.info', { roomId: other._id })],
      ['groups.members', () => api(app, a).get('groups.members', { roomId: other._id })],
      ['groups.list', () => api(app, a).get('groups.list')],
    ]
    for (const [name, send] of reads) {
      t.equal((await statementsOf(send)).length, 1, `${name}: one statement`)
    }
  },
)

t.test(
  'a connection holding BEGIN back: the transaction is the same, one round trip shorter',
  // Skipped on the embedded database: this is the PostgreSQL pool's connection class.
  { skip: onlyOnPostgres },
  async (t) => {
    const client = new DeferredBeginClient({ connectionString: postgresUrl })
    await client.connect()
    t.teardown(() => client.end())
    await client.query('create temporary table held (n int)')

    sent = []
    await client.query('begin')
    t.same(sent, [], 'BEGIN alone sends nothing')
    const first = await client.query('select txid_current_if_assigned() as xid, 1 as one')
    t.same(
      first.rows,
      [{ xid: null, one: 1 }],
      'a statement without parameters answers its own rows',
    )
    t.equal(sent.length, 1, 'and goes with BEGIN in one message')
    await client.query('insert into held values ($1)', [1])
    await client.query('rollback')
    t.same(
      (await client.query('select count(*)::int as n from held')).rows,
      [{ n: 0 }],
      'rolled back',
    )

    sent = []
    await client.query('begin')
    await client.query('insert into held values ($1)', [2])
    t.same(
      sent,
      ['begin', 'insert into held values ($1)'],
      'a first statement with parameters: BEGIN just before it',
    )
    await client.query('commit')
    t.same(
      (await client.query('select array_agg(n) as ns from held')).rows,
      [{ ns: [2] }],
      'committed',
    )

    sent = []
    await client.query('begin')
    await client.query('commit')
    await client.query('begin')
    await client.query('rollback')
    t.same(sent, [], 'an empty transaction sends nothing')

    await client.query('begin')
    await t.rejects(
      client.query('select 1/0'),
      /division by zero/,
      'an error in the first statement',
    )
    await t.rejects(
      client.query('select 1'),
      /current transaction is aborted/,
      'aborts the transaction',
    )
    await client.query('rollback')
    t.same((await client.query('select 2 as two')).rows, [{ two: 2 }], 'usable after the rollback')
  },
)

t.test(
  'the turn is written as a literal: hostile names and ids find nothing and change nothing',
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const group = await createTestGroup(app, owner)
    const hostile = [
      "'; drop table rooms; --",
      "\\'; delete from rooms; --",
      'back\\slash',
      `${group.name}'`,
      `${group.name}\u0000`,
      "E'\\x00'",
      '$1',
      '\u{1F600}\u00e9',
    ]
    for (const value of hostile) {
      for (const ref of [{ roomName: value }, { roomId: value }]) {
        const reply = await api(app, owner).post('groups.leave', ref)
        t.equal(reply.statusCode, 400, `${JSON.stringify(ref)}: 400`)
        t.equal(reply.json().errorType, 'error-room-not-found', `${JSON.stringify(ref)}: not found`)
      }
    }
    const info = await api(app, owner).get('groups.info', { roomId: group._id })
    t.same(info.json().group.usernames, [owner.username], 'the group and its member are intact')
    const rename = await api(app, owner).post('groups.rename', {
      roomName: group.name,
      name: `${group.name}-2`,
    })
    t.equal(rename.statusCode, 200, 'a real name still finds the group')
  },
)
