import t from 'tap'
import type { ListSort } from '../../db/queries/listing.js'
import {
  type ListShape,
  pageOf,
  parseListParams,
  withQueryChecked,
} from '../../domain/list-params.js'
import { buildApp, createTestGroup, createTestUser, groupName, testDatabase } from '../helper.js'

type Field = 'name' | 'createdAt' | 'active'

const byName: ListSort<Field> = [{ field: 'name', direction: 'asc' }]
const flat: ListShape<Field, Field> = {
  sort: { name: 'name', ts: 'createdAt' },
  defaultSort: byName,
  query: { name: { field: 'name', type: 'string' }, active: { field: 'active', type: 'boolean' } },
}
const combinable: ListShape<Field, Field> = { ...flat, combinable: true }

const invalidSort = (raw: string) => ({
  errorType: 'error-invalid-sort',
  message: `Invalid sort parameter provided: "${raw}"`,
  statusCode: 400,
})
const invalidQuery = (raw: string) => ({
  errorType: 'error-invalid-query',
  message: `Invalid query parameter provided: "${raw}"`,
  statusCode: 400,
})

t.test('paging: offset 0 and count 50 by default, a bigger count cut to 100', async (t) => {
  t.same(pageOf({}), { offset: 0, count: 50 })
  t.same(pageOf({ offset: 7, count: 0 }), { offset: 7, count: 0 })
  t.same(pageOf({ count: 101 }), { offset: 0, count: 100 })
  t.same(pageOf({}, 20), { offset: 0, count: 20 }, "a list's own default")
  t.same(pageOf({ count: 500 }, 20), { offset: 0, count: 100 })
})

t.test(
  'sort: API names to fields, most significant first; absent or {} keeps the default',
  async (t) => {
    t.same(parseListParams({ sort: '{"ts":-1,"name":1}' }, flat).sort, [
      { field: 'createdAt', direction: 'desc' },
      { field: 'name', direction: 'asc' },
    ])
    for (const sort of [undefined, '', '{}']) {
      t.same(parseListParams({ sort }, flat).sort, byName, String(sort))
    }
    for (const sort of ['ts', '[]', 'null', '{"createdAt":1}', '{"name":0}', '{"name":"1"}']) {
      t.throws(() => parseListParams({ sort }, flat), invalidSort(sort), sort)
    }
    t.throws(
      () => parseListParams({ sort: '{"constructor":1}' }, flat),
      invalidSort('{"constructor":1}'),
    )
  },
)

t.test('sort is checked before query', async (t) => {
  t.throws(() => parseListParams({ sort: 'x', query: 'y' }, flat), invalidSort('x'))
})

t.test('query: equality, $regex with or without case, and nothing else', async (t) => {
  const filterOf = (query: string, shape = flat) => parseListParams({ query }, shape).filter
  t.equal(filterOf(''), undefined)
  t.same(filterOf('{"name":"a","active":false}'), {
    kind: 'and',
    filters: [
      { kind: 'equals', field: 'name', value: 'a' },
      { kind: 'equals', field: 'active', value: false },
    ],
  })
  t.same(filterOf('{"name":{"$regex":"^a","$options":"i"}}'), {
    kind: 'matches',
    field: 'name',
    pattern: '^a',
    ignoreCase: true,
  })
  t.same(
    filterOf('{"name":{"$regex":"(?i)^a"}}'),
    { kind: 'matches', field: 'name', pattern: '(?i)^a', ignoreCase: false },
    'PostgreSQL, not JavaScript, judges a pattern',
  )
  t.same(filterOf('{}'), { kind: 'and', filters: [] })
  for (const query of [
    'x',
    '[]',
    '{"ts":"a"}',
    '{"active":"true"}',
    '{"name":true}',
    '{"name":{"$regex":"a","$options":"m"}}',
    '{"name":{"$ne":"a"}}',
    `{"name":{"$regex":"${'a'.repeat(129)}"}}`,
    '{"name":"a\\u0000"}',
    '{"$or":[{"name":"a"}]}',
  ]) {
    t.throws(() => filterOf(query), invalidQuery(query), query)
  }
})

t.test('query: $and and $or only where the list combines conditions', async (t) => {
  const query = '{"$or":[{"name":"a"},{"$and":[{"active":true},{"name":{"$regex":"b"}}]}]}'
  t.same(parseListParams({ query }, combinable).filter, {
    kind: 'or',
    filters: [
      { kind: 'equals', field: 'name', value: 'a' },
      {
        kind: 'and',
        filters: [
          { kind: 'equals', field: 'active', value: true },
          { kind: 'matches', field: 'name', pattern: 'b', ignoreCase: false },
        ],
      },
    ],
  })
  t.throws(() => parseListParams({ query }, flat), invalidQuery(query))

  const nested = (depth: number): string =>
    depth === 0 ? '{"name":"a"}' : `{"$and":[${nested(depth - 1)}]}`
  t.ok(parseListParams({ query: nested(4) }, combinable).filter, 'four levels deep')
  t.throws(() => parseListParams({ query: nested(5) }, combinable), invalidQuery(nested(5)))
  const many = (count: number) =>
    `{"$or":[${Array.from({ length: count }, () => '{"name":"a"}').join(',')}]}`
  t.ok(parseListParams({ query: many(32) }, combinable).filter, '32 conditions')
  t.throws(() => parseListParams({ query: many(33) }, combinable), invalidQuery(many(33)))
  for (const raw of ['{"$or":[]}', '{"$and":{}}', '{"$or":["a"]}']) {
    t.throws(() => parseListParams({ query: raw }, combinable), invalidQuery(raw), raw)
  }
})

t.test('a list without query fields does not read query', async (t) => {
  const { query: _, ...sortOnly } = flat
  t.same(parseListParams({ query: 'not json' }, sortOnly), {
    page: { offset: 0, count: 50 },
    sort: byName,
    filter: undefined,
  })
})

t.test("PostgreSQL's refusal of a pattern is error-invalid-query; other errors pass", async (t) => {
  t.equal(await withQueryChecked('{}', async () => 'rows'), 'rows')
  const refused = Object.assign(new Error('invalid regular expression'), { code: '2201B' })
  await t.rejects(
    withQueryChecked('{"name":{"$regex":"("}}', () => Promise.reject(refused)),
    invalidQuery('{"name":{"$regex":"("}}'),
  )
  const other = Object.assign(new Error('connection lost'), { code: '08006' })
  const caught = await withQueryChecked('{}', () => Promise.reject(other)).catch(
    (error: unknown) => error,
  )
  t.equal(caught, other, 'any other error is passed on as it is')
})

t.test('users.list and groups.listAll run a PostgreSQL pattern alike', async (t) => {
  const db = await testDatabase(t)
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { username: groupName('Ada'), roles: ['admin', 'user'] })
  const group = await createTestGroup(app, admin, [], groupName('Pg'))
  const list = async (endpoint: string, query: object) => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/${endpoint}`,
      headers: admin.headers,
      query: { query: JSON.stringify(query) },
    })
    t.equal(response.statusCode, 200, `${endpoint} ${JSON.stringify(query)}`)
    return response.json()
  }
  // `(?i)` is PostgreSQL's embedded option for a case-insensitive pattern.
  const users = await list('users.list', {
    username: { $regex: `(?i)^${admin.username.toUpperCase()}$` },
  })
  t.same(
    users.users.map((user: { username: string }) => user.username),
    [admin.username],
  )
  const groups = await list('groups.listAll', {
    name: { $regex: `(?i)^${group.name.toUpperCase()}$` },
  })
  t.same(
    groups.groups.map((found: { name: string }) => found.name),
    [group.name],
  )
})
