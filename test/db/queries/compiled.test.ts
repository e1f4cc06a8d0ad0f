// database-free
// Queries compiled once per shape: each call binds its own values into the text Kysely would
// have compiled for them, and a new shape is compiled anew. A driver that records what it is
// sent stands in for the database.
import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely'
import t from 'tap'
import { compiledOnce, slot } from '../../../db/queries/compiled.js'
import type { Database } from '../../../db/types.js'

function recordingDatabase() {
  const sent: CompiledQuery[] = []
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () =>
        new (class extends DummyDriver {
          override async acquireConnection() {
            return {
              executeQuery: async (query: CompiledQuery) => {
                sent.push(query)
                return { rows: [] }
              },
              streamQuery: () => {
                throw new Error('not streamed')
              },
            }
          }
        })(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  })
  return { db, sent }
}

const usersBy = (db: Kysely<Database>, by: 'id' | 'username', value: unknown, limit: unknown) =>
  db
    .selectFrom('users')
    .select('id')
    .where('active', '=', true)
    .where(by, '=', value as string)
    .limit(limit as number)

/** `compiledOnce` over `build`, keyed by the column looked up, counting the builds. */
function countingBuilds(
  build: (db: Kysely<Database>, by: 'id' | 'username') => ReturnType<typeof usersBy>,
) {
  const builds = { count: 0 }
  const find = compiledOnce(
    (by: 'id' | 'username') => by,
    (db, by) => {
      builds.count++
      return build(db, by)
    },
  )
  return { find, builds }
}

t.test('a query is built once, and each call sends its own values in its text', async (t) => {
  const { db, sent } = recordingDatabase()
  const { find, builds } = countingBuilds((db, by) =>
    usersBy(db, by, slot<string>(1), slot<number>(0)),
  )

  await find(db, 'username', [5, 'ada'])
  await find(db, 'username', [7, 'bob'])

  t.equal(builds.count, 1)
  const plain = usersBy(db, 'username', 'bob', 7).compile()
  t.same(
    sent.map((q) => [q.sql, q.parameters]),
    [
      [plain.sql, [true, 'ada', 5]],
      [plain.sql, [true, 'bob', 7]],
    ],
  )
})

t.test('another shape is compiled into its own text', async (t) => {
  const { db, sent } = recordingDatabase()
  const { find, builds } = countingBuilds((db, by) =>
    usersBy(db, by, slot<string>(0), sql<number>`${1}`),
  )

  await find(db, 'username', ['ada'])
  await find(db, 'id', ['u1'])
  await find(db, 'id', ['u2'])

  t.equal(builds.count, 2)
  t.same(
    sent.map((q) => q.parameters),
    [
      [true, 'ada', 1],
      [true, 'u1', 1],
      [true, 'u2', 1],
    ],
  )
  t.equal(sent[1]?.sql, usersBy(db, 'id', 'u1', 1).compile().sql)
  t.not(sent[0]?.sql, sent[1]?.sql)
})
