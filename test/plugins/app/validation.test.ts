// Numbers and dates from clients: anything but a plain decimal integer in range, or a date
// PostgreSQL cannot store, is a 400 naming the parameter, on every list; never a 500.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import app from '../../../app.js'
import { serverOptions } from '../../../server-options.js'
import {
  api,
  buildApp,
  buildAppWithRoutes,
  createTestGroup,
  createTestUser,
  groupName,
  refusal,
  testConfig,
  testDatabase,
} from '../../helper.js'

const db = await testDatabase(t)

const notDecimal = (name: string) =>
  refusal('invalid-params', `${name} must be a whole number written in decimal digits`)
const tooLarge = (name: string) => refusal('invalid-params', `${name} must be <= 2147483647`)
const negative = (name: string) => refusal('invalid-params', `${name} must be >= 0`)

/** Each hostile text and the refusal it gets, by the parameter's name. */
const HOSTILE_NUMBERS: [string, (name: string) => ReturnType<typeof refusal>][] = [
  ['1e20', notDecimal],
  ['1e309', notDecimal],
  ['1E3', notDecimal],
  ['Infinity', notDecimal],
  ['-Infinity', notDecimal],
  ['NaN', notDecimal],
  ['0x10', notDecimal],
  ['0b1', notDecimal],
  ['-0', notDecimal],
  ['+1', notDecimal],
  ['1.5', notDecimal],
  ['1.0', notDecimal],
  ['007', notDecimal],
  [' 1', notDecimal],
  ['', notDecimal],
  ['99999999999999999999999', tooLarge],
  ['123456789012345678901234567890', tooLarge],
  [String(2 ** 53 + 1), tooLarge],
  ['9223372036854775808', tooLarge],
  ['18446744073709551616', tooLarge],
  ['2147483648', tooLarge],
  ['-1', negative],
  ['-99999999999999999999999', negative],
]

const user = await createTestUser(db, { roles: ['admin', 'user'] })

t.test('every list refuses numbers that are not plain decimal integers in range', async (t) => {
  const server = await buildApp(t, db)
  const group = await createTestGroup(server, user)
  const lists: [string, Record<string, string>][] = [
    ['groups.list', {}],
    ['groups.listAll', {}],
    ['groups.members', { roomId: group._id }],
    ['groups.history', { roomId: group._id }],
    ['groups.messages', { roomId: group._id }],
    ['groups.auditLog', { roomId: group._id }],
    ['users.list', {}],
  ]
  for (const [endpoint, query] of lists) {
    for (const parameter of ['offset', 'count']) {
      for (const [text, expected] of HOSTILE_NUMBERS) {
        const response = await api(server, user).get(endpoint, { ...query, [parameter]: text })
        t.equal(response.statusCode, 400, `${endpoint}?${parameter}=${text}`)
        t.same(response.json(), expected(parameter))
      }
      const repeated = await api(server, user).get(endpoint, {
        ...query,
        [parameter]: ['1', '1e20'],
      })
      t.same(repeated.json(), notDecimal(parameter), `${endpoint}: a repeated ${parameter}`)
    }
    const edge = await api(server, user).get(endpoint, {
      ...query,
      offset: '2147483647',
      count: '2147483647',
    })
    t.equal(edge.statusCode, 200, `${endpoint}: the largest offset and count are served`)
  }
})

t.test('an offset past the last item is an empty page', async (t) => {
  const server = await buildApp(t, db)
  await createTestGroup(server, user)
  const response = await api(server, user).get('groups.list', { offset: '2147483647' })
  t.equal(response.statusCode, 200)
  t.match(response.json(), { groups: [], count: 0, offset: 2147483647, success: true })
})

t.test('groups.history refuses dates PostgreSQL cannot store, naming the parameter', async (t) => {
  const server = await buildApp(t, db)
  const group = await createTestGroup(server, user)
  const outside = [
    '0000-01-01T00:00:00Z',
    '0000-12-31T23:59:59.999Z',
    '0001-01-01T00:00:00+00:01',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59-23:59',
    '2016-12-31T23:59:60Z',
  ]
  for (const parameter of ['latest', 'oldest']) {
    for (const text of outside) {
      const response = await api(server, user).get('groups.history', {
        roomId: group._id,
        [parameter]: text,
      })
      t.equal(response.statusCode, 400, `${parameter}=${text}`)
      t.same(
        response.json(),
        refusal(
          'invalid-params',
          `${parameter} must be a date-time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.998Z`,
        ),
      )
    }
    for (const text of ['275760-09-13T00:00:00Z', '1e20', '-1', '2026-02-30T00:00:00Z']) {
      const response = await api(server, user).get('groups.history', {
        roomId: group._id,
        [parameter]: text,
      })
      t.same(
        response.json(),
        refusal('invalid-params', `${parameter} must match format "date-time"`),
      )
    }
    for (const text of [
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.998Z',
      '9999-12-31T00:00:00-14:00',
    ]) {
      for (const inclusive of ['true', 'false']) {
        const response = await api(server, user).get('groups.history', {
          roomId: group._id,
          [parameter]: text,
          inclusive,
        })
        t.equal(response.statusCode, 200, `${parameter}=${text} inclusive=${inclusive}`)
      }
    }
  }
})

t.test('permissions.listAll refuses an updatedSince PostgreSQL cannot store', async (t) => {
  const server = await buildApp(t, db)
  for (const text of [
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59-23:59',
    '-000001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
  ]) {
    const response = await api(server, user).get('permissions.listAll', { updatedSince: text })
    t.equal(response.statusCode, 400, text)
    t.same(
      response.json(),
      refusal(
        'error-roomId-param-invalid',
        'The "updatedSince" query parameter must be a valid date.',
      ),
    )
  }
})

t.test('a data exception from PostgreSQL is a 400 logged as a warning, never a 500', async (t) => {
  const lines: string[] = []
  const config = testConfig({ LOG_LEVEL: 'warn' })
  const server = Fastify(
    serverOptions(config, { write: (line) => lines.push(line) }),
  ).withTypeProvider<TypeBoxTypeProvider>()
  await server.register(app, { config, db })
  await server.ready()
  t.teardown(() => server.close())
  // Stands for any value the schemas let through and PostgreSQL refuses (SQLSTATE class 22).
  await sql`create function refuse_room() returns trigger language plpgsql as $$
    begin raise exception 'value out of range' using errcode = 'numeric_value_out_of_range'; end $$`.execute(
    db,
  )
  await sql`create trigger refuse_room before insert on rooms for each row execute function refuse_room()`.execute(
    db,
  )
  t.teardown(async () => {
    await sql`drop trigger refuse_room on rooms`.execute(db)
    await sql`drop function refuse_room()`.execute(db)
  })

  const response = await api(server, user).post('groups.create', { name: groupName() })

  t.equal(response.statusCode, 400)
  t.same(
    response.json(),
    refusal('invalid-params', 'A parameter is outside the range this service can store'),
  )
  const logged = lines.map((line) => JSON.parse(line)).find((entry) => entry.err?.code === '22003')
  t.equal(logged?.level, 40, 'logged at warn')
  t.equal(logged?.msg, 'value refused by the database')
})

t.test('every number a route takes has both bounds in its schema', async (t) => {
  const { routes } = await buildAppWithRoutes(t, db)
  const numbers: string[] = []
  const walk = (key: string, schema: Record<string, unknown> | undefined, path: string) => {
    if (!schema) return
    if (schema.type === 'integer' || schema.type === 'number') {
      numbers.push(`${key} ${path}`)
      t.type(schema.minimum, 'number', `${key} ${path} has a minimum`)
      t.type(schema.maximum, 'number', `${key} ${path} has a maximum`)
    }
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>
    for (const [name, property] of Object.entries(properties))
      walk(key, property, `${path}.${name}`)
    if (schema.items) walk(key, schema.items as Record<string, unknown>, `${path}[]`)
    for (const variant of (schema.anyOf ?? schema.oneOf ?? []) as Record<string, unknown>[]) {
      walk(key, variant, path)
    }
  }
  for (const route of routes) {
    walk(route.key, route.querystring, 'query')
    walk(route.key, route.body, 'body')
  }
  t.ok(numbers.length >= 14, `${numbers.length} number parameters checked`)
})
