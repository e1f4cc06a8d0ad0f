// The refusals the documentation shows, held to what each route answers: every example is a
// refusal its route lists or that any route gives, and every example of a refused parameter is
// the answer to a request that breaks that rule of that route's own schema.
import type { FastifyInstance, InjectOptions } from 'fastify'
import t, { type Test } from 'tap'
import { type ErrorCode, errors } from '../../domain/errors.js'
import { describeRoute, withExample } from '../../routes/describe.js'
import {
  buildAppWithRoutes,
  type CollectedRoute,
  createTestUser,
  testConfig,
  testDatabase,
} from '../helper.js'

const db = await testDatabase(t)

interface MediaType {
  schema?: { example?: unknown }
  example?: unknown
  examples?: Record<string, { value?: unknown }>
}

interface Parameter {
  name: string
  in: string
  required?: boolean
  example?: unknown
}

interface Operation {
  parameters?: Parameter[]
  requestBody?: { content: Record<string, MediaType> }
  responses: Record<string, { content?: Record<string, MediaType> }>
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>
}

type Body = Record<string, unknown>

interface ShownRefusal {
  /** `METHOD path`, as the document names the operation. */
  route: string
  status: number
  body: Body
}

/** Every example a media type shows, wherever OpenAPI lets it sit. */
function shownExamples(media: MediaType | undefined): unknown[] {
  if (!media) return []
  return [
    ...(media.example === undefined ? [] : [media.example]),
    ...Object.values(media.examples ?? {}).map((example) => example.value),
    ...(media.schema?.example === undefined ? [] : [media.schema.example]),
  ]
}

function operations(doc: OpenApiDocument): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, found]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      found,
    ]),
  )
}

/** Every example of a 4xx or 5xx answer in the document. */
function shownRefusals(doc: OpenApiDocument): ShownRefusal[] {
  return operations(doc).flatMap(([route, { responses }]) =>
    Object.entries(responses)
      .filter(([status]) => Number(status) >= 400)
      .flatMap(([status, response]) =>
        Object.values(response.content ?? {}).flatMap((media) =>
          shownExamples(media).map((body) => ({
            route,
            status: Number(status),
            body: body as Body,
          })),
        ),
      ),
  )
}

async function servedDocument(app: FastifyInstance): Promise<OpenApiDocument> {
  const response = await app.inject({ method: 'GET', url: '/api/docs/json' })
  if (response.statusCode !== 200) throw new Error(`/api/docs/json answered ${response.statusCode}`)
  return response.json<OpenApiDocument>()
}

const CODES = Object.keys(errors) as ErrorCode[]

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const marker = (index: number) => `⟨argument ${index}⟩`

/**
 * Whether `body` is the answer of catalogue entry `code` with some arguments: every field the
 * entry writes has its words, the arguments standing for any text. An entry whose words cannot
 * be built from text arguments (a list joined, a key looked up) fits its own example only.
 */
function fits(code: ErrorCode, status: number, body: Body): boolean {
  const refusal = errors[code]
  if (refusal.status !== status) return false
  const sameAs = (expected: Record<string, unknown>, pattern: (text: string) => RegExp) =>
    Object.entries(expected).every(([key, value]) =>
      typeof value === 'string'
        ? typeof body[key] === 'string' && pattern(value).test(body[key])
        : body[key] === value,
    ) &&
    (body.errorType === undefined || 'errorType' in expected)
  const exact = (text: string) => new RegExp(`^${escapeRegExp(text)}$`)
  const anyArguments = (text: string) =>
    new RegExp(`^${escapeRegExp(text).replace(/⟨argument \d⟩/g, '.+')}$`)
  let general: Record<string, unknown> | undefined
  try {
    general = { ...refusal(...([marker(0), marker(1)] as never[])).body }
  } catch {
    general = undefined
  }
  return (
    (general !== undefined && sameAs(general, anyArguments)) ||
    sameAs({ ...refusal.example().body }, exact)
  )
}

/** The catalogue entries a route can answer: those it lists, and those of every route. */
function refusalsOf(route: CollectedRoute | undefined): ErrorCode[] {
  return CODES.filter((code) => {
    if (route?.refuses.includes(code)) return true
    // A route served without a login never asks for one.
    if (code === 'notLoggedIn' && (route === undefined || route.public)) return false
    return errors[code].anyRoute
  })
}

type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  [keyword: string]: unknown
}

type Part = 'body' | 'query'

/** What a request must do to be given a schema-validation refusal. */
type Breach =
  | { kind: 'notJson' }
  | { kind: 'missing'; part: Part; name: string }
  | { kind: 'extra'; part: Part; path: string[] }
  | { kind: 'invalid'; part: Part; path: string[]; value: unknown }

/** A rule of a schema as the validator words it, and a value that breaks it. */
interface Rule {
  keyword: string
  limit?: unknown
  breaking: unknown
}

const NUMBER = '(-?\\d+(?:\\.\\d+)?)'

/**
 * The words of Ajv's (and plugins/app/validation.ts's) refusals after the parameter's name, as
 * the error handler writes them (plugins/app/errors.ts).
 */
const RULES: [RegExp, (found: string) => Rule][] = [
  [new RegExp(`^must be >= ${NUMBER}$`), (n) => rule('minimum', Number(n), Number(n) - 1)],
  [new RegExp(`^must be > ${NUMBER}$`), (n) => rule('exclusiveMinimum', Number(n), Number(n))],
  [new RegExp(`^must be <= ${NUMBER}$`), (n) => rule('maximum', Number(n), Number(n) + 1)],
  [new RegExp(`^must be < ${NUMBER}$`), (n) => rule('exclusiveMaximum', Number(n), Number(n))],
  [
    /^must NOT have more than (\d+) characters$/,
    (n) => rule('maxLength', Number(n), 'x'.repeat(Number(n) + 1)),
  ],
  [
    /^must NOT have fewer than (\d+) characters$/,
    (n) => rule('minLength', Number(n), 'x'.repeat(Number(n) - 1)),
  ],
  [
    /^must NOT have more than (\d+) items$/,
    (n) => rule('maxItems', Number(n), Array(Number(n) + 1).fill('x')),
  ],
  [
    /^must NOT have fewer than (\d+) items$/,
    (n) => rule('minItems', Number(n), Array(Number(n) - 1).fill('x')),
  ],
  [/^must match format "(.+)"$/, (format) => rule('format', format, `not ${format}`)],
  [/^must match pattern "(.+)"$/, (pattern) => rule('pattern', pattern, notMatching(pattern))],
  [/^must be equal to one of the allowed values$/, () => rule('enum', undefined, 'none of them')],
  [/^must be a whole number written in decimal digits$/, () => rule('type', 'integer', '1e3')],
  [/^must be a number written in decimal digits$/, () => rule('type', 'number', '1e3')],
  [/^must be (string)$/, (type) => rule('type', type, 1)],
  [/^must be (object|array|integer|number|boolean|null)$/, (type) => rule('type', type, 'x')],
]

function rule(keyword: string, limit: unknown, breaking: unknown): Rule {
  return { keyword, limit, breaking }
}

function notMatching(pattern: string): string {
  const candidates = ['', ' ', '!', '\u0000', 'x']
  return candidates.find((text) => !new RegExp(pattern, 'u').test(text)) ?? '\u0000'
}

function ruleOf(words: string): Rule | undefined {
  for (const [pattern, make] of RULES) {
    const match = pattern.exec(words)
    if (match) return make(match[1] ?? '')
  }
  return undefined
}

function propertyAt(schema: JsonSchema | undefined, path: string[]): JsonSchema | undefined {
  let current = schema
  for (const name of path) current = current?.properties?.[name]
  return current
}

function schemaOf(route: CollectedRoute, part: Part): JsonSchema | undefined {
  return (part === 'body' ? route.body : route.querystring) as JsonSchema | undefined
}

/** The part of the request whose schema has this top-level parameter. */
function partWith(route: CollectedRoute, name: string): Part | undefined {
  return (['body', 'query'] as const).find((part) => schemaOf(route, part)?.properties?.[name])
}

function holds(schema: JsonSchema, { keyword, limit }: Rule): boolean {
  if (keyword === 'type') return [schema.type].flat().includes(limit as string)
  if (keyword === 'enum') return Array.isArray(schema.enum)
  return schema[keyword] === limit
}

/**
 * The breach of `route`'s own schema that answers `message`, or why there is none: a message
 * naming a parameter the route lacks, or a rule its parameter does not have.
 */
function breachFor(route: CollectedRoute, message: string): Breach | string {
  if (message === 'Body is not valid JSON') {
    return route.method === 'GET' ? 'a GET takes no body' : { kind: 'notJson' }
  }
  const missing =
    /^must have required property '(.+)'$/.exec(message) ??
    /^The bodyParam "(.+)" is required(?: with a type like object\.)?$/.exec(message) ??
    /^Body param "(.+)" is required$/.exec(message)
  if (missing) {
    const name = missing[1] ?? ''
    const part = (['body', 'query'] as const).find((candidate) =>
      schemaOf(route, candidate)?.required?.includes(name),
    )
    return part ? { kind: 'missing', part, name } : `no required parameter is named ${name}`
  }
  const extra = /^(\S+) is not allowed here$/.exec(message)
  if (extra) {
    const path = (extra[1] ?? '').split('.')
    const part: Part = route.body ? 'body' : 'query'
    const parent = propertyAt(schemaOf(route, part), path.slice(0, -1))
    if (parent?.additionalProperties !== false) return `${part} takes any ${path.join('.')}`
    if (parent.properties?.[path.at(-1) ?? '']) return `${path.join('.')} is a parameter`
    return { kind: 'extra', part, path }
  }
  const named = /^(\S+) (must .+)$/.exec(message)
  if (!named) return 'not a refusal of the schema'
  const [, field = '', words = ''] = named
  const found = ruleOf(words)
  if (!found) return `"${words}" is no rule the validator words`
  const whole = (field === 'body' || field === 'query') && !partWith(route, field)
  const path = whole ? [] : field.split('.')
  const part = whole ? (field as Part) : partWith(route, path[0] ?? '')
  if (!part) return `${field} is no parameter of the route`
  const schema = propertyAt(schemaOf(route, part), path)
  if (!schema) return `${field} is no parameter of the route`
  if (!holds(schema, found)) return `${field} has no ${found.keyword} ${found.limit ?? ''}`.trim()
  return { kind: 'invalid', part, path, value: found.breaking }
}

/** The catalogue entries whose words are the validator's, one parameter at a time. */
const VALIDATION: readonly ErrorCode[] = [
  'invalidParams',
  'bodyParamRequired',
  'bodyParamRequiredAsObject',
  'bodyParamNameRequired',
]

function isValidationRefusal(route: CollectedRoute, refusal: ShownRefusal): boolean {
  return VALIDATION.some(
    (code) => refusalsOf(route).includes(code) && fits(code, refusal.status, refusal.body),
  )
}

function messageOf(body: Body): string {
  const text = String(body.error)
  return typeof body.errorType === 'string'
    ? text.replace(new RegExp(` \\[${escapeRegExp(body.errorType)}\\]$`), '')
    : text
}

function routesByKey(routes: CollectedRoute[]): Map<string, CollectedRoute> {
  return new Map(routes.map((route) => [route.key, route]))
}

/** The request the documentation's own example body and required query parameters make. */
function baseRequest(operation: Operation) {
  const body = shownExamples(operation.requestBody?.content['application/json'])[0] ?? {}
  const query: Record<string, string> = {}
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'query' && parameter.required) {
      query[parameter.name] = String(parameter.example)
    }
  }
  return { body: structuredClone(body) as Body, query }
}

function setAt(target: Body, path: string[], value: unknown) {
  const [name = '', ...rest] = path
  if (rest.length === 0) {
    target[name] = value
    return
  }
  target[name] ??= {}
  setAt(target[name] as Body, rest, value)
}

/** The documentation's own request, changed only to make `breach`. */
function breakingRequest(operation: Operation, breach: Breach): { body: unknown; query: Body } {
  const { body, query } = baseRequest(operation)
  switch (breach.kind) {
    case 'notJson':
      return { body: '{', query }
    case 'missing':
      delete (breach.part === 'body' ? body : query)[breach.name]
      return { body, query }
    case 'extra':
      setAt(breach.part === 'body' ? body : query, breach.path, 'x')
      return { body, query }
    case 'invalid': {
      if (breach.part === 'body' && breach.path.length === 0) return { body: breach.value, query }
      const value = breach.part === 'query' ? String(breach.value) : breach.value
      setAt(breach.part === 'body' ? body : query, breach.path, value)
      return { body, query }
    }
  }
}

/** An injected request's answer, failing instead of waiting when a route streams its answer. */
async function answerOf(app: FastifyInstance, request: InjectOptions) {
  let timer: NodeJS.Timeout | undefined
  const taken = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error('no refusal within 10 s: the request was taken')),
      10_000,
    )
  })
  try {
    return await Promise.race([app.inject(request), taken])
  } finally {
    clearTimeout(timer)
  }
}

/** With metrics and rate limits on, the document also has `/metrics` and every 429. */
const everythingOn = () => testConfig({ METRICS: 'true', RATE_LIMIT_MAX: '10' })

/**
 * The document the app serves and the routes it registered. Only the app is built, on an empty
 * database: a test that uses nothing more needs no data, and could run without a database.
 */
async function documentAndRoutes(t: Test, config = testConfig()) {
  const { server, routes } = await buildAppWithRoutes(t, db, config)
  return { server, routes, byKey: routesByKey(routes), doc: await servedDocument(server) }
}

/** The examples of a refused parameter, each with its route. */
function validationExamples(doc: OpenApiDocument, byKey: Map<string, CollectedRoute>) {
  return shownRefusals(doc).flatMap((refusal) => {
    const route = byKey.get(refusal.route)
    return route && isValidationRefusal(route, refusal) ? [{ refusal, route }] : []
  })
}

t.test('every refusal example is one its route lists, or one every route gives', async (t) => {
  const { doc, byKey } = await documentAndRoutes(t, everythingOn())
  const shown = shownRefusals(doc)
  t.ok(shown.length > 200, `${shown.length} examples are checked`)
  for (const { route, status, body } of shown) {
    const given = refusalsOf(byKey.get(route)).filter((code) => fits(code, status, body))
    t.ok(given.length > 0, `${route} ${status} ${JSON.stringify(body)} is a refusal it gives`)
  }
})

t.test('every refusal a route lists is shown among its examples', async (t) => {
  const { doc, routes } = await documentAndRoutes(t, everythingOn())
  const shown = shownRefusals(doc)
  for (const route of routes) {
    const own = shown.filter((refusal) => refusal.route === route.key)
    for (const code of new Set(route.refuses as ErrorCode[])) {
      t.ok(
        own.some((refusal) => fits(code, refusal.status, refusal.body)),
        `${route.key} shows ${code}`,
      )
    }
  }
})

t.test(
  'every refused-parameter example names a parameter of its route and a rule it has',
  async (t) => {
    const { doc, byKey } = await documentAndRoutes(t, everythingOn())
    const shown = validationExamples(doc, byKey)
    t.ok(shown.length >= 10, `${shown.length} examples are checked`)
    for (const { refusal, route } of shown) {
      const message = messageOf(refusal.body)
      const breach = breachFor(route, message)
      t.equal(
        typeof breach === 'string' ? breach : 'a breach of its schema',
        'a breach of its schema',
        `${refusal.route} ${refusal.status}: "${message}"`,
      )
    }
  },
)

t.test(
  "every refused-parameter example is the answer to a request breaking that route's schema",
  async (t) => {
    const { server, doc, byKey } = await documentAndRoutes(t)
    // The login hook runs before validation: the requests are sent logged in.
    const admin = await createTestUser(db, { roles: ['admin'] })
    const operationOf = new Map(operations(doc))
    const shown = validationExamples(doc, byKey)
    t.ok(shown.length >= 10, `${shown.length} examples are checked`)
    for (const { refusal, route } of shown) {
      const where = `${refusal.route} ${refusal.status} ${JSON.stringify(refusal.body)}`
      const breach = breachFor(route, messageOf(refusal.body))
      if (typeof breach === 'string') {
        t.fail(`${where}: ${breach}`)
        continue
      }
      const { body, query } = breakingRequest(operationOf.get(refusal.route) as Operation, breach)
      const response = await answerOf(server, {
        method: route.method as 'GET' | 'POST',
        url: route.url,
        query: query as Record<string, string>,
        headers: { ...admin.headers, 'content-type': 'application/json' },
        ...(route.method !== 'GET' && {
          payload: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      })
      t.equal(response.statusCode, refusal.status, `${where}: status`)
      t.same(response.json(), refusal.body, `${where}: body`)
    }
  },
)

t.test('the checks refuse what a route cannot answer', async (t) => {
  const { byKey } = await documentAndRoutes(t)
  const login = byKey.get('POST /api/v1/login') as CollectedRoute
  const gives = (code: ErrorCode, status: number, body: Body) =>
    refusalsOf(login).some((given) => given === code && fits(given, status, body))
  t.notOk(gives('roomNotFound', 400, { ...errors.roomNotFound().body }), 'a refusal it lists not')
  t.notOk(
    gives('notLoggedIn', 401, { ...errors.notLoggedIn().body }),
    'a login, served without one',
  )
  t.ok(gives('loginFailed', 401, { ...errors.loginFailed().body }))
  t.equal(breachFor(login, 'offset must be >= 0'), 'offset is no parameter of the route')
  t.equal(
    breachFor(login, 'user must NOT have more than 10 characters'),
    'user has no maxLength 10',
  )
  t.equal(breachFor(login, 'user must be integer'), 'user has no type integer')
  t.equal(breachFor(login, 'password is not allowed here'), 'password is a parameter')
  t.same(breachFor(login, 'code is not allowed here'), {
    kind: 'extra',
    part: 'body',
    path: ['code'],
  })
  t.same(breachFor(login, 'user must NOT have more than 256 characters'), {
    kind: 'invalid',
    part: 'body',
    path: ['user'],
    value: 'x'.repeat(257),
  })
})

t.test('a route lists invalid-params only with an example of its own parameters', async (t) => {
  // The catalogue's words (`offset must be >= 0`) were once shown as a refusal of login.
  t.throws(() => describeRoute('login', [errors.invalidParams]), {
    message: /^login lists invalidParams without an example of its own/,
  })
  const described = describeRoute('login', [
    withExample(errors.invalidParams, 'code is not allowed here'),
  ])
  t.same(described.refusals[400]?.examples, [
    {
      success: false,
      error: 'code is not allowed here [invalid-params]',
      errorType: 'invalid-params',
    },
  ])
})
