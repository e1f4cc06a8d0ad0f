// Named prepared statements on PostgreSQL: which statements get a name, that a connection
// parses each once and reuses it, that DATABASE_PREPARED_STATEMENTS=false sends them unnamed,
// and that a statement broken by a schema change is prepared again instead of failing for good.
import Fastify from 'fastify'
import { type Kysely, sql } from 'kysely'
import t, { type Test } from 'tap'
import { createDatabase, migrateToLatest } from '../../db/database.js'
import { MAX_NAMED_STATEMENTS, MAX_RENEWALS, StatementNames } from '../../db/prepared-statements.js'
import type { Database } from '../../db/types.js'
import database from '../../plugins/external/database.js'
import { onlyOnPostgres, testConfig, testDatabase } from '../helper.js'

const db = await testDatabase(t)

const select = 'select "id" from "users" where "username" = $1'

t.test(
  'a statement with parameters is named after its text, the same in every process',
  async (t) => {
    const name = new StatementNames().nameFor(select, 1)

    t.match(name, /^q_[0-9a-f]{20}$/)
    t.equal(new StatementNames().nameFor(select, 1), name)
    t.not(new StatementNames().nameFor(`${select} limit $2`, 2), name)
  },
)

t.test(
  'statements without parameters, several statements and transaction control run unnamed',
  async (t) => {
    const names = new StatementNames()

    t.equal(names.nameFor('select 1', 0), undefined)
    t.equal(names.nameFor('select $1; select 2', 1), undefined)
    for (const text of [
      'begin',
      'COMMIT',
      ' rollback',
      'savepoint "sp1"',
      'release savepoint "sp1"',
    ]) {
      t.equal(names.nameFor(text, 1), undefined, text)
    }
  },
)

t.test(`only the first ${MAX_NAMED_STATEMENTS} distinct texts are named`, async (t) => {
  const names = new StatementNames()
  const text = (i: number) => `select * from "users" where "id" in (${'$1, '.repeat(i)}$1)`
  for (let i = 0; i < MAX_NAMED_STATEMENTS; i++) t.ok(names.nameFor(text(i), 1))

  t.equal(names.nameFor(text(MAX_NAMED_STATEMENTS), 1), undefined, 'the next text runs unnamed')
  t.ok(names.nameFor(text(0), 1), 'a named text keeps its name')
})

t.test('a refused statement is renamed, and runs unnamed after a few renewals', async (t) => {
  const names = new StatementNames()
  const first = names.nameFor(select, 1) ?? ''

  const second = names.renew(select, first)
  t.equal(second, `${first}_1`)
  t.equal(names.nameFor(select, 1), second)
  t.equal(names.renew(select, first), second, 'a second refusal of the old name renames nothing')
  let last = second
  for (let i = 1; i < MAX_RENEWALS; i++) last = names.renew(select, last ?? '')
  t.equal(names.renew(select, last ?? ''), undefined)
  t.equal(names.nameFor(select, 1), undefined)
})

t.test('nothing is named while migrations run', async (t) => {
  const names = new StatementNames()

  t.equal(await names.unnamedWhile(async () => names.nameFor(select, 1)), undefined)
  t.ok(names.nameFor(select, 1), 'named again afterwards')
})

const databaseUrl = () => {
  const backend = db.backend
  return backend && 'pool' in backend ? String(backend.pool.options.connectionString) : ''
}

/** The named statements prepared on the connection `conn` runs on, with their executions. */
async function prepared(conn: Kysely<Database>) {
  const { rows } = await sql<{ name: string; statement: string; runs: number }>`
    select name, statement, generic_plans + custom_plans as runs from pg_prepared_statements
  `.execute(conn)
  return rows
}

/** Another database object on the test database, closed after the test. */
function ownDatabase(t: Test, options: { poolSize?: number; preparedStatements?: boolean } = {}) {
  const own = createDatabase({ url: databaseUrl(), poolSize: 1, dataDir: '', ...options })
  t.teardown(() => own.destroy())
  return own
}

const findUser = (conn: Kysely<Database>) =>
  conn.selectFrom('users').select('id').where('username', '=', 'nobody')

t.test(
  'a statement is parsed once per connection and reused',
  // Prepared statements are a PostgreSQL connection's; the embedded database runs Kysely's own.
  { skip: onlyOnPostgres },
  async (t) => {
    const seen = await db.connection().execute(async (conn) => {
      for (let run = 0; run < 3; run++) await findUser(conn).execute()
      return prepared(conn)
    })

    const text = findUser(db).compile().sql
    const mine = seen.filter((statement) => statement.statement === text)
    t.equal(mine.length, 1, 'prepared once')
    t.match(mine[0], { name: new StatementNames().nameFor(text, 1), runs: 3 })
  },
)

t.test(
  'DATABASE_PREPARED_STATEMENTS=false sends every statement unnamed',
  // Prepared statements are a PostgreSQL connection's; the embedded database runs Kysely's own.
  { skip: onlyOnPostgres },
  async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(database, {
      config: testConfig({ DATABASE_URL: databaseUrl(), DATABASE_PREPARED_STATEMENTS: 'false' }),
    })

    const seen = await app.db.connection().execute(async (conn) => {
      await findUser(conn).execute()
      return prepared(conn)
    })

    t.same(seen, [])
    t.equal(app.db.statementNames, undefined)
  },
)

t.test(
  'the statements of the migrations are not prepared',
  // Prepared statements are a PostgreSQL connection's; the embedded database runs Kysely's own.
  { skip: onlyOnPostgres },
  async (t) => {
    const own = ownDatabase(t)

    await migrateToLatest(own)

    t.same(await prepared(own), [], 'the one connection has none')
    await findUser(own).execute()
    t.equal((await prepared(own)).length, 1, 'the service’s statements are')
  },
)

t.test(
  'a statement whose result changed with the schema is prepared again',
  // Prepared statements are a PostgreSQL connection's; the embedded database runs Kysely's own.
  { skip: onlyOnPostgres },
  async (t) => {
    const own = ownDatabase(t)
    await sql`create table probe (id int)`.execute(own)
    await sql`insert into probe values (1)`.execute(own)
    t.teardown(() => sql`drop table probe`.execute(db))
    const probe = (conn: Kysely<Database>) =>
      sql<Record<string, unknown>>`select * from probe where id = ${1}`.execute(conn)
    await probe(own)

    await sql`alter table probe add column note text`.execute(own)
    t.same((await probe(own)).rows, [{ id: 1, note: null }], 'outside a transaction: retried')

    await sql`alter table probe add column tag text`.execute(own)
    await t.rejects(own.transaction().execute(probe), {
      code: '0A000',
      routine: 'RevalidateCachedQuery',
      message: 'cached plan must not change result type',
    })
    t.same((await probe(own)).rows, [{ id: 1, note: null, tag: null }], 'the next one runs')
    const first = new StatementNames().nameFor('select * from probe where id = $1', 1)
    const names = (await prepared(own)).map((statement) => statement.name).sort()
    t.same(names, [first, `${first}_1`, `${first}_2`], 'under a new name each time')
  },
)

t.test(
  'a statement the connection no longer has (DISCARD ALL) is prepared again',
  // Prepared statements are a PostgreSQL connection's; the embedded database runs Kysely's own.
  { skip: onlyOnPostgres },
  async (t) => {
    const own = ownDatabase(t)
    await findUser(own).execute()

    await sql`discard all`.execute(own)

    t.same(await findUser(own).execute(), [])
    t.equal((await prepared(own)).length, 1)
  },
)
