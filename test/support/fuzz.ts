import fc from 'fast-check'
import type { Test } from 'tap'
import type { Db } from '../../db/database.js'
import { assertInvariants, createTestGroup, createTestUser, type TestUser } from './base.js'
import { buildAppWithRoutes, type CollectedRoute, isEventStream } from './routes.js'

type JsonSchema = Record<string, unknown>

const BODY_LIMIT = 102_400

/** Values aimed at parsers, SQL building, prototype handling and string limits. */
const HOSTILE_STRINGS = [
  "' or 1=1 --",
  "'; drop table rooms; --",
  '" or ""="',
  '1) or (1=1',
  '\u0000',
  'a\u0000b',
  '%00',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'prototype',
  '{"$ne":null}',
  '$where',
  '😀👩‍👩‍👧‍👦',
  '\u202e\u0301\uFEFF',
  'ｇｒｏｕｐ',
  '',
  ' ',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
]

/** Numbers past every bound a schema states, as JSON values. */
const EXTREME_NUMBERS = [
  1e308,
  -1e308,
  2 ** 53 + 1,
  2 ** 63,
  2 ** 64,
  -(2 ** 63),
  2 ** 31,
  2 ** 31 - 1,
  -0,
  -1,
  1.5,
]

/** The same as query-string text, with the forms only text carries: exponents, hex, names. */
const EXTREME_NUMBER_TEXTS = [
  '1e308',
  '-1e308',
  '1e309',
  '-1e309',
  '1e20',
  '1E3',
  '9007199254740993',
  '9223372036854775808',
  '18446744073709551616',
  '123456789012345678901234567890',
  '-123456789012345678901234567890',
  '0x10',
  '0b11',
  '0o7',
  '-0',
  '+0',
  '+1',
  'NaN',
  'Infinity',
  '-Infinity',
  '1.5',
  '.5',
  '5.',
  '1_000',
  ' 1',
  '2147483648',
]

/** Dates at and past the edges of what PostgreSQL and JavaScript store, and leap seconds. */
const EDGE_DATES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00+00:01',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59-23:59',
  '2016-12-31T23:59:60Z',
  '+275760-09-13T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '294277-01-01T00:00:00Z',
  '-4714-11-24T00:00:00Z',
  '1970-01-01T00:00:00.0000000001Z',
]

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...EXTREME_NUMBER_TEXTS, ...EDGE_DATES),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 90_000 }).map((size) => 'x'.repeat(size)),
)

/** Nested objects and arrays deeper than any schema expects. */
const deepNesting = fc.integer({ min: 20, max: 400 }).map((depth) => {
  let value: unknown = 'bottom'
  for (let level = 0; level < depth; level += 1) value = level % 2 ? [value] : { a: value }
  return value
})

/** Objects whose own keys are the names that pollute prototypes when merged carelessly. */
const pollutingObject = fc.constantFrom(
  JSON.parse('{"__proto__":{"polluted":"yes"}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  JSON.parse('{"prototype":{"polluted":"yes"},"__proto__":[]}'),
)

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, ...EXTREME_NUMBERS),
  fc.array(hostileString, { maxLength: 5 }),
  deepNesting,
  pollutingObject,
  fc.jsonValue({ maxDepth: 3 }),
)

/** Strings a valid request would carry: ids and names of real groups and users, own or not. */
export interface KnownValues {
  strings: string[]
}

function schemaArbitrary(schema: JsonSchema, known: KnownValues, depth = 0): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const)
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]))
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined
  if (variants?.length) return fc.oneof(...variants.map((v) => schemaArbitrary(v, known, depth)))
  switch (schema.type) {
    case 'string': {
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : 64
      const generated = fc.string({
        minLength: typeof schema.minLength === 'number' ? schema.minLength : 0,
        maxLength: Math.min(max, 64),
      })
      if (schema.format === 'date-time') {
        return fc.oneof(
          fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
          fc.constantFrom(...EDGE_DATES),
          generated,
        )
      }
      // The schema's own examples (a valid `sort`, say) let a request reach the parameters after it.
      const examples = Array.isArray(schema.examples) ? (schema.examples as string[]) : []
      const usable = [...known.strings, ...examples].filter((value) => value.length <= max)
      return usable.length ? fc.oneof(fc.constantFrom(...usable), generated) : generated
    }
    case 'integer':
      return fc.oneof(
        fc.integer({
          min: typeof schema.minimum === 'number' ? schema.minimum : -1000,
          max: typeof schema.maximum === 'number' ? schema.maximum : 1000,
        }),
        fc.constantFrom(...EXTREME_NUMBERS),
        // Text reaches query strings as sent; in a JSON body it is a type error.
        fc.constantFrom(...EXTREME_NUMBER_TEXTS),
      )
    case 'number':
      return fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom(...EXTREME_NUMBERS),
        fc.constantFrom(...EXTREME_NUMBER_TEXTS),
      )
    case 'boolean':
      return fc.boolean()
    case 'array': {
      const items = (schema.items ?? {}) as JsonSchema
      return fc.array(schemaArbitrary(items, known, depth + 1), { maxLength: 4 })
    }
    case 'object':
      return objectArbitrary(schema, known, depth)
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

function objectArbitrary(
  schema: JsonSchema,
  known: KnownValues,
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
  if (depth > 3 || Object.keys(properties).length === 0) {
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), {
      maxKeys: 3,
    })
  }
  const required = new Set((schema.required ?? []) as string[])
  const record: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [key, value] of Object.entries(properties)) {
    record[key] = schemaArbitrary(value, known, depth + 1)
  }
  const optional = Object.keys(properties).filter((key) => !required.has(key))
  return fc.record(record, { requiredKeys: [...required] }).chain((value) =>
    // Drop some optional keys so requests also take the defaults.
    fc
      .subarray(optional)
      .map((dropped) =>
        Object.fromEntries(Object.entries(value).filter(([key]) => !dropped.includes(key))),
      ),
  )
}

/** A schema-valid value with one field replaced by a hostile one, removed, or one key added. */
function mutatedObject(schema: JsonSchema, known: KnownValues): fc.Arbitrary<unknown> {
  const keys = Object.keys((schema.properties ?? {}) as object)
  return fc
    .tuple(
      objectArbitrary(schema, known, 0),
      fc.constantFrom('valid', 'replace', 'delete', 'extra'),
      keys.length ? fc.constantFrom(...keys) : fc.constant('field'),
      hostileValue,
    )
    .map(([value, mutation, key, replacement]) => {
      const copy: Record<string, unknown> = { ...value }
      if (mutation === 'replace') copy[key] = replacement
      else if (mutation === 'delete') delete copy[key]
      else if (mutation === 'extra') copy[`${key}Extra`] = replacement
      return copy
    })
}

/** The JSON text of a body: schema-derived, hostile, or not a JSON object at all. */
function bodyText(schema: JsonSchema | undefined, known: KnownValues): fc.Arbitrary<string> {
  const objectSchema = schema ?? { type: 'object', properties: {} }
  return fc.oneof(
    { weight: 5, arbitrary: mutatedObject(objectSchema, known).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"polluted":"yes"},"roomId":"x"}',
        '{"constructor":{"prototype":{"polluted":"yes"}}}',
        '{"roomId":"a","roomId":"b"}',
        '{"a":',
        '{"roomId":"x","count":1e309,"offset":-1e309}',
        '{"readOnly":1e400,"members":[1e309]}',
        '\u0000',
        '',
        `{"roomName":"${'y'.repeat(BODY_LIMIT + 10)}"}`,
      ),
    },
  )
}

function queryValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '')
}

/** A query string: schema-derived with one mutation, or hostile keys and values. */
function queryText(schema: JsonSchema | undefined, known: KnownValues): fc.Arbitrary<string> {
  const objectSchema = schema ?? { type: 'object', properties: {} }
  const pairs = fc.oneof(
    mutatedObject(objectSchema, known).map((value) =>
      Object.entries(value as Record<string, unknown>).map(
        ([key, v]) => [key, queryValue(v)] as [string, string],
      ),
    ),
    fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom('__proto__', 'constructor', 'roomId', 'count'), hostileString),
        hostileString,
      ),
      { maxLength: 4 },
    ),
  )
  return pairs.map((list) => {
    const query = new URLSearchParams()
    for (const [key, value] of list) query.append(key.slice(0, 2000), value.slice(0, 8000))
    const text = query.toString()
    return text ? `?${text}` : ''
  })
}

/** Printable header values: injected requests refuse control characters before the app sees them. */
const headerValue = fc.oneof(
  fc.constantFrom("' or 1=1 --", "'; drop table rooms; --", '__proto__', '', 'null'),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map(String.fromCharCode), maxLength: 60 }),
)

type Caller = 'owner' | 'member' | 'anonymous' | 'forged'

const caller = fc.constantFrom<Caller>('owner', 'member', 'anonymous', 'forged')
/**
 * Callers an event stream refuses: a stream it accepts stays open and its injected request never
 * ends. What it then sends is checked over a real socket (test/realtime/event-stream.test.ts).
 */
const refusedCaller = fc.constantFrom<Caller>('anonymous', 'forged')

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
)

export interface FuzzStats {
  requests: number
  serverErrors: number
  envelopeViolations: number
  undocumentedStatuses: number
  leaks: number
  findings: string[]
}

const STACK_OR_SQL =
  /\n\s+at .+:\d+|node_modules|\.(ts|js):\d+:\d+|syntax error at|violates .* constraint|duplicate key value|relation "|column "[^"]+" (does not|of)|\bselect\b.+\bfrom\b|\binsert into\b|\bupdate \w+ set\b/i

function isEnvelope(status: number, body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const record = body as Record<string, unknown>
  const keys = Object.keys(record).sort().join(',')
  if (record.success !== false || typeof record.error !== 'string') return false
  if (status === 401 && keys === 'error,message,status,success') {
    return record.status === 'error' && typeof record.message === 'string'
  }
  if (keys === 'error,success') return true
  return keys === 'error,errorType,success' && typeof record.errorType === 'string'
}

/** Statuses a route may answer: the ones it documents, and 413/415 for bodies it never parsed. */
function documented(route: CollectedRoute, status: number): boolean {
  if (status in route.response) return true
  return route.method !== 'GET' && (status === 413 || status === 415)
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Checks one answer against the API's contract, counting and describing what breaks it. */
function record(
  stats: FuzzStats,
  route: CollectedRoute,
  response: { statusCode: number; body: string },
  request: string,
) {
  stats.requests += 1
  const status = response.statusCode
  const describe = () => `${route.key}${request} -> ${status} ${response.body.slice(0, 300)}`
  if (status >= 500) {
    stats.serverErrors += 1
    stats.findings.push(`5xx: ${describe()}`)
  }
  if (status >= 300 && !isEnvelope(status, parse(response.body))) {
    stats.envelopeViolations += 1
    stats.findings.push(`envelope: ${describe()}`)
  }
  if (!documented(route, status)) {
    stats.undocumentedStatuses += 1
    stats.findings.push(`undocumented status: ${describe()}`)
  }
  if (status >= 300 && STACK_OR_SQL.test(response.body)) {
    stats.leaks += 1
    stats.findings.push(`leak: ${describe()}`)
  }
}

/** A parameter that holds a time, by its format or, for those declared as plain text, its name. */
function isTimeParameter(name: string, schema: JsonSchema): boolean {
  return schema.format === 'date-time' || /since|latest|oldest/i.test(name)
}

/**
 * Query strings for a route, one per parameter and extreme value: each number parameter with
 * every number past its bounds, each time parameter with every date past PostgreSQL's, the group
 * named so the request reaches the database.
 */
function extremeQueries(route: CollectedRoute, roomId: string): string[] {
  const properties = (route.querystring?.properties ?? {}) as Record<string, JsonSchema>
  const queries: string[] = []
  for (const [name, schema] of Object.entries(properties)) {
    const values =
      schema.type === 'integer' || schema.type === 'number'
        ? [...EXTREME_NUMBER_TEXTS, ...EXTREME_NUMBERS.map((value) => String(value))]
        : isTimeParameter(name, schema)
          ? EDGE_DATES
          : []
    for (const value of values) {
      const query = new URLSearchParams({ [name]: value })
      if ('roomId' in properties && name !== 'roomId') query.set('roomId', roomId)
      queries.push(query.toString())
    }
  }
  return queries
}

/**
 * Sends random and hostile requests to every API route of the app, as callers of a real group
 * and as strangers, and checks each answer keeps the API's contract.
 */
export async function fuzzAllRoutes(t: Test, db: Db, numRuns: number): Promise<FuzzStats> {
  const { server, routes } = await buildAppWithRoutes(t, db)
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort()
  const stats: FuzzStats = {
    requests: 0,
    serverErrors: 0,
    envelopeViolations: 0,
    undocumentedStatuses: 0,
    leaks: 0,
    findings: [],
  }
  const stranger = await createTestUser(db)
  const otherGroup = await createTestGroup(server, stranger)

  for (const route of routes) {
    // A group per route: earlier routes may have left, deleted or logged out its callers.
    const owner = await createTestUser(db)
    const member = await createTestUser(db)
    const group = await createTestGroup(server, owner, [member])
    const known: KnownValues = {
      strings: [
        group._id,
        group.name,
        otherGroup._id,
        otherGroup.name,
        owner.id,
        owner.username,
        member.id,
        member.username,
        stranger.id,
        stranger.username,
        'owner',
        'moderator',
        'admin',
        '{"name":1}',
      ],
    }
    const callers: Record<Caller, Partial<TestUser['headers']>> = {
      owner: owner.headers,
      member: member.headers,
      anonymous: {},
      forged: {},
    }
    const hasBody = route.method !== 'GET'
    const streams = isEventStream(route)
    const request = fc.record({
      caller: streams ? refusedCaller : caller,
      query: queryText(route.querystring, known),
      body: bodyText(route.body, known),
      contentType,
      forgedUser: headerValue,
      forgedToken: headerValue,
      extraHeader: headerValue,
    })

    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const headers: Record<string, string> = {
          ...callers[input.caller],
          'x-fuzz': input.extraHeader,
        }
        if (input.caller === 'forged') {
          headers['x-user-id'] = input.forgedUser
          headers['x-auth-token'] = input.forgedToken
        }
        if (hasBody) headers['content-type'] = input.contentType
        const response = await server.inject({
          method: route.method as 'GET' | 'POST',
          url: `${route.url}${input.query}`,
          headers,
          ...(hasBody ? { payload: input.body } : {}),
        })
        record(
          stats,
          route,
          response,
          `${input.query.slice(0, 200)} as ${input.caller} (${input.contentType}) body ${input.body.slice(0, 300)}`,
        )
        // Findings are collected rather than thrown, so one bad route does not hide the others.
        return true
      }),
      { numRuns },
    )

    // Every number and date parameter also gets each value past its bounds, with the rest of
    // the request valid, so a value that only fails deep in the database is sure to be sent.
    for (const query of extremeQueries(route, group._id)) {
      const response = await server.inject({
        method: route.method as 'GET' | 'POST',
        url: `${route.url}?${query}`,
        headers: streams
          ? {}
          : route.method === 'GET'
            ? owner.headers
            : { ...owner.headers, 'content-type': 'application/json' },
        ...(route.method === 'GET' ? {} : { payload: '{}' }),
      })
      record(stats, route, response, `?${query} as owner`)
    }
  }

  for (const finding of stats.findings.slice(0, 40)) t.comment(finding)
  t.comment(
    `fuzz: ${stats.requests} requests over ${routes.length} routes, ${stats.serverErrors} 5xx, ${stats.envelopeViolations} envelope violations, ${stats.undocumentedStatuses} undocumented statuses, ${stats.leaks} leaks`,
  )
  t.equal(stats.serverErrors, 0, 'no 5xx')
  t.equal(stats.envelopeViolations, 0, 'every refusal in the API envelope')
  t.equal(stats.undocumentedStatuses, 0, 'every status documented by its route')
  t.equal(stats.leaks, 0, 'no stack trace or SQL in any refusal')
  t.same(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys, 'prototype intact')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype unpolluted')
  await assertInvariants(t, db)
  return stats
}
