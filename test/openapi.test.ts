// database-free
import { isDeepStrictEqual } from 'node:util'
import SwaggerParser from '@apidevtools/swagger-parser'
import Ajv, { type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import type { Config } from '../config.js'
import { buildApp, embeddedDatabase, testConfig } from './helper.js'

// The document is the subject: the app it is read from runs on an embedded database of its own.
const db = await embeddedDatabase(t)

/** The OpenAPI 3.0 schema object, as far as these checks walk it. */
interface SchemaObject {
  required?: string[]
  properties?: Record<string, SchemaObject>
  items?: SchemaObject
  additionalProperties?: SchemaObject | boolean
  anyOf?: SchemaObject[]
  oneOf?: SchemaObject[]
  allOf?: SchemaObject[]
  example?: unknown
}

interface MediaType {
  schema?: SchemaObject
  example?: unknown
  examples?: Record<string, { summary?: string; value?: unknown }>
}

interface Parameter {
  name: string
  in: string
  schema?: SchemaObject
  example?: unknown
  examples?: Record<string, { value?: unknown }>
}

interface Operation {
  tags?: string[]
  summary?: string
  description?: string
  security?: Array<Record<string, string[]>>
  parameters?: Parameter[]
  requestBody?: { content: Record<string, MediaType> }
  responses: Record<string, { description: string; content?: Record<string, MediaType> }>
}

interface OpenApiDocument {
  openapi: string
  security?: unknown
  paths: Record<string, Record<string, Operation>>
  components?: {
    securitySchemes?: Record<string, { type: string; in?: string; name?: string }>
  }
}

type ValidatedDocument = Awaited<ReturnType<typeof SwaggerParser.validate>>

/** Every route the API serves, as `METHOD path`. */
const apiRoutes = [
  'GET /api/info',
  'GET /api/v1/events',
  'GET /api/v1/groups.auditLog',
  'GET /api/v1/groups.counters',
  'GET /api/v1/groups.history',
  'GET /api/v1/groups.info',
  'GET /api/v1/groups.list',
  'GET /api/v1/groups.listAll',
  'GET /api/v1/groups.members',
  'GET /api/v1/groups.messages',
  'GET /api/v1/groups.moderators',
  'GET /api/v1/groups.online',
  'GET /api/v1/groups.roles',
  'GET /api/v1/me',
  'GET /api/v1/permissions.listAll',
  'GET /api/v1/roles.list',
  'GET /api/v1/rooms.get',
  'GET /api/v1/subscriptions.get',
  'GET /api/v1/subscriptions.getOne',
  'GET /api/v1/users.info',
  'GET /api/v1/users.list',
  'GET /api/v1/webhooks.deliveries',
  'GET /api/v1/webhooks.list',
  'GET /livez',
  'GET /readyz',
  'POST /api/v1/events.ticket',
  'POST /api/v1/groups.addLeader',
  'POST /api/v1/groups.addModerator',
  'POST /api/v1/groups.addOwner',
  'POST /api/v1/groups.archive',
  'POST /api/v1/groups.close',
  'POST /api/v1/groups.create',
  'POST /api/v1/groups.delete',
  'POST /api/v1/groups.invite',
  'POST /api/v1/groups.kick',
  'POST /api/v1/groups.leave',
  'POST /api/v1/groups.open',
  'POST /api/v1/groups.removeLeader',
  'POST /api/v1/groups.removeModerator',
  'POST /api/v1/groups.removeOwner',
  'POST /api/v1/groups.rename',
  'POST /api/v1/groups.setAnnouncement',
  'POST /api/v1/groups.setCustomFields',
  'POST /api/v1/groups.setDescription',
  'POST /api/v1/groups.setPurpose',
  'POST /api/v1/groups.setReadOnly',
  'POST /api/v1/groups.setTopic',
  'POST /api/v1/groups.setType',
  'POST /api/v1/groups.unarchive',
  'POST /api/v1/login',
  'POST /api/v1/logout',
  'POST /api/v1/permissions.update',
  'POST /api/v1/roles.addUserToRole',
  'POST /api/v1/roles.removeUserFromRole',
  'POST /api/v1/users.create',
  'POST /api/v1/users.delete',
  'POST /api/v1/users.register',
  'POST /api/v1/users.update',
  'POST /api/v1/webhooks.create',
  'POST /api/v1/webhooks.delete',
  'POST /api/v1/webhooks.redeliver',
  'POST /api/v1/webhooks.rotateSecret',
  'POST /api/v1/webhooks.test',
  'POST /api/v1/webhooks.update',
].sort()

const publicRoutes = [
  'GET /api/info',
  'GET /livez',
  'GET /readyz',
  'POST /api/v1/login',
  'POST /api/v1/users.register',
]

const seedGroup = {
  _id: 'ByehQjC44FwMeiLbX',
  t: 'p',
  u: { _id: 'aobEdbYhXfu5hkeqG', username: 'testing1' },
  ts: '2016-12-09T15:08:58.042Z',
  ro: false,
  sysMes: true,
}

const seedLeaveExample = {
  group: {
    ...seedGroup,
    name: 'invite-me',
    usernames: ['testing2'],
    msgs: 0,
    _updatedAt: '2016-12-09T15:22:40.656Z',
  },
  success: true,
}

const seedRenameExample = {
  group: {
    ...seedGroup,
    name: 'new-name',
    usernames: ['testing1'],
    msgs: 4,
    _updatedAt: '2016-12-09T15:57:44.686Z',
  },
  success: true,
}

const NOT_LOGGED_IN = 'You must be logged in to do this.'

/** The routes Fastify serves, as `METHOD path`, read from its route tree (HEAD left out). */
function servedRoutes(app: FastifyInstance): string[] {
  const routes: string[] = []
  const parents: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line)
    if (!match) continue
    const depth = (match[1] ?? '').length / 4
    parents.length = depth
    const path = (parents[depth - 1] ?? '') + match[2]
    parents.push(path)
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${path}`)
    }
  }
  return routes
}

function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  )
}

function operation(doc: OpenApiDocument, route: string): Operation {
  const [method = '', path = ''] = route.split(' ')
  const found = doc.paths[path]?.[method.toLowerCase()]
  if (!found) throw new Error(`${route} is not documented`)
  return found
}

/** The examples a media type shows itself: `example`, or the named `examples`. */
function mediaLevelExamples(media: MediaType): unknown[] {
  return [
    ...(media.example === undefined ? [] : [media.example]),
    ...Object.values(media.examples ?? {}).map((example) => example.value),
  ]
}

/** Every example a media type shows, wherever OpenAPI lets it sit. */
function examples(media: MediaType | undefined): unknown[] {
  if (!media) return []
  return [
    ...mediaLevelExamples(media),
    ...(media.schema?.example === undefined ? [] : [media.schema.example]),
  ]
}

/** Examples are checked as the API's own validator reads schemas, OpenAPI's `nullable` included. */
/**
 * A route documenting 200, 400 and 401 whose 200 has two examples, this service's own and then
 * Rocket.Chat's seed: the operation and the two examples.
 */
function ownThenSeed(t: Test, doc: OpenApiDocument, route: string) {
  const documented = operation(doc, route)
  t.same(Object.keys(documented.responses).sort(), ['200', '400', '401'])
  const media = documented.responses['200']?.content?.['application/json']
  t.same(Object.keys(media?.examples ?? {}), ['thisService', 'rocketChatReference'])
  const [own, seed] = examples(media)
  return { operation: documented, own, seed }
}

const ajv = new Ajv.default({ strict: false, allErrors: true })
addFormats.default(ajv)

function schemaErrors(schema: SchemaObject, value: unknown): ErrorObject[] {
  const validate = ajv.compile(schema)
  return validate(value) ? [] : (validate.errors ?? [])
}

function describeError(error: ErrorObject): string {
  return `${error.instancePath} ${error.message ?? error.keyword}`
}

/**
 * groups.leave and groups.rename show Rocket.Chat's reference examples as they are; those predate
 * `fname` and `usersCount`, which this service always sends.
 */
function isReferenceExample(value: unknown): boolean {
  return isDeepStrictEqual(value, seedLeaveExample) || isDeepStrictEqual(value, seedRenameExample)
}

interface ShownExample {
  where: string
  schema: SchemaObject
  value: unknown
}

/** The `example` of a schema and of every schema nested in it, each with the schema it sits in. */
function* schemaExamples(schema: SchemaObject | undefined, where: string): Generator<ShownExample> {
  if (!schema) return
  if (schema.example !== undefined) yield { where, schema, value: schema.example }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    yield* schemaExamples(property, `${where}.${name}`)
  }
  yield* schemaExamples(schema.items, `${where}[]`)
  if (typeof schema.additionalProperties === 'object') {
    yield* schemaExamples(schema.additionalProperties, `${where}.*`)
  }
  for (const [index, part] of [
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.allOf ?? []),
  ].entries()) {
    yield* schemaExamples(part, `${where}|${index}`)
  }
}

function* mediaExamples(media: MediaType, where: string): Generator<ShownExample> {
  const schema = media.schema ?? {}
  for (const value of mediaLevelExamples(media)) yield { where, schema, value }
  yield* schemaExamples(media.schema, where)
}

/** Every example the document shows, for parameters, request bodies and responses. */
function* documentedExamples(doc: OpenApiDocument): Generator<ShownExample> {
  for (const route of documentedRoutes(doc)) {
    const { parameters, requestBody, responses } = operation(doc, route)
    for (const parameter of parameters ?? []) {
      const where = `${route} ${parameter.in} ${parameter.name}`
      const schema = parameter.schema ?? {}
      if (parameter.example !== undefined) yield { where, schema, value: parameter.example }
      for (const example of Object.values(parameter.examples ?? {})) {
        yield { where, schema, value: example.value }
      }
      yield* schemaExamples(parameter.schema, where)
    }
    for (const [type, media] of Object.entries(requestBody?.content ?? {})) {
      yield* mediaExamples(media, `${route} body ${type}`)
    }
    for (const [status, response] of Object.entries(responses)) {
      for (const [type, media] of Object.entries(response.content ?? {})) {
        yield* mediaExamples(media, `${route} ${status} ${type}`)
      }
    }
  }
}

async function openApi(t: Test, config?: Config) {
  const app = await buildApp(t, db, config)
  const response = await app.inject({ method: 'GET', url: '/api/docs/json' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/json/)
  return { app, response, doc: response.json<OpenApiDocument>() }
}

t.test('the OpenAPI document is valid OpenAPI 3', async (t) => {
  const { response, doc } = await openApi(t)
  t.match(doc.openapi, /^3\./)
  await t.resolves(SwaggerParser.validate(structuredClone(response.json<ValidatedDocument>())))
})

t.test('the document lists exactly the routes the server has', async (t) => {
  const { app, doc } = await openApi(t)
  const served = servedRoutes(app).filter(
    (route) => / \/api\/v1\//.test(route) || / \/(api\/info|livez|readyz)$/.test(route),
  )
  t.same(served.sort(), apiRoutes, 'the server serves the expected API routes')
  t.same(documentedRoutes(doc).sort(), apiRoutes, 'the document has those routes and no other')
})

t.test(
  'groups.leave documents 200, 400 and 401, its own example first, then the seed',
  async (t) => {
    const { doc } = await openApi(t)
    const { operation: leave, own, seed } = ownThenSeed(t, doc, 'POST /api/v1/groups.leave')
    t.match(
      own,
      { group: { fname: 'team-testing', usersCount: 1 } },
      'everything this service sends',
    )
    t.same(seed, seedLeaveExample, "then Rocket.Chat's reference example")
    const body = leave.requestBody?.content['application/json']
    t.same(Object.keys(body?.schema?.properties ?? {}), ['roomId', 'roomName'])
    t.same(examples(body), [{ roomId: 'ByehQjC44FwMeiLbX' }])
  },
)

t.test(
  'groups.rename documents 200, 400 and 401, its own example first, then the seed',
  async (t) => {
    const { doc } = await openApi(t)
    const { operation: rename, own, seed } = ownThenSeed(t, doc, 'POST /api/v1/groups.rename')
    t.match(own, { group: { name: 'new-name', fname: 'new-name', usersCount: 2 } })
    t.same(seed, seedRenameExample, "then Rocket.Chat's reference example")
    const body = rename.requestBody?.content['application/json']
    t.same(examples(body), [{ roomId: 'ByehQjC44FwMeiLbX', name: 'new-name' }])
    t.same(body?.schema?.required, ['name'])
    // One example per refusal, in the order they are checked.
    const refusals = examples(rename.responses['400']?.content?.['application/json'])
    t.same(refusals.slice(0, 2), [
      { success: false, error: 'The bodyParam "name" is required' },
      {
        success: false,
        error: 'The parameter "roomId" or "roomName" is required [error-room-param-not-provided]',
        errorType: 'error-room-param-not-provided',
      },
    ])
    t.same(
      refusals.slice(2).map((refusal) => (refusal as { errorType?: string }).errorType),
      [
        'error-room-not-found',
        'error-room-archived',
        'error-action-not-allowed',
        'error-invalid-room-name',
        'error-duplicate-channel-name',
        'error-duplicate-handle',
      ],
    )
  },
)

t.test('refusals document the error envelopes', async (t) => {
  const { doc } = await openApi(t)
  for (const route of ['POST /api/v1/groups.leave', 'POST /api/v1/groups.rename']) {
    const { responses } = operation(doc, route)
    const badRequest = responses['400']?.content?.['application/json']?.schema
    t.same(badRequest?.required, ['success', 'error'], `${route} 400`)
    t.same(Object.keys(badRequest?.properties ?? {}), ['success', 'error', 'errorType'])
    const unauthorized = responses['401']?.content?.['application/json']
    t.match(unauthorized?.schema?.required, ['success', 'status', 'message', 'error'])
    t.same(examples(unauthorized), [
      { success: false, status: 'error', message: NOT_LOGGED_IN, error: NOT_LOGGED_IN },
    ])
  }
})

t.test('the login headers are security schemes every private route requires', async (t) => {
  const { doc } = await openApi(t)
  const schemes = doc.components?.securitySchemes ?? {}
  const headerScheme = (header: string) =>
    Object.entries(schemes).find(
      ([, scheme]) => scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name === header,
    )?.[0]
  const userId = headerScheme('X-User-Id')
  const authToken = headerScheme('X-Auth-Token')
  if (!userId || !authToken) throw new Error('the login headers are not declared as schemes')
  t.equal(doc.security, undefined, 'no document-wide requirement that public routes would inherit')

  for (const route of apiRoutes) {
    const { security } = operation(doc, route)
    if (publicRoutes.includes(route)) {
      t.same(security ?? [], [], `${route} is public`)
    } else if (route === 'GET /api/v1/events') {
      // The login headers, or none: the `ticket` parameter then stands for the login.
      t.same(security, [{ [userId]: [], [authToken]: [] }, {}], `${route} takes either`)
    } else {
      t.same(security, [{ [userId]: [], [authToken]: [] }], `${route} needs a login`)
    }
  }
})

t.test(
  'every operation has tags, a summary and a description; private ones document 401',
  async (t) => {
    const { doc } = await openApi(t)
    for (const route of apiRoutes) {
      const { tags, summary, description, responses } = operation(doc, route)
      t.ok(tags && tags.length > 0, `${route} has tags`)
      t.ok(summary?.trim(), `${route} has a summary`)
      t.ok(description?.trim(), `${route} has a description`)
      t.ok(responses['200'], `${route} documents 200`)
      if (publicRoutes.includes(route)) continue
      t.ok(responses['401'], `${route} documents 401`)
    }
  },
)

t.test('the event stream documents its 200 as text/event-stream, with an example', async (t) => {
  const { doc } = await openApi(t)
  const { parameters, responses } = operation(doc, 'GET /api/v1/events')
  t.same(Object.keys(responses['200']?.content ?? {}), ['text/event-stream'])
  const media = responses['200']?.content?.['text/event-stream']
  t.match(media?.schema, { type: 'string' })
  t.match(examples(media), [
    /^retry: 3000\n\nid: \S+\nevent: stream-notify-user\/\S+\/rooms-changed\ndata: \[/,
  ])
  t.same(
    parameters?.map((parameter) => `${parameter.in} ${parameter.name}`),
    ['query ticket', 'query lastEventId', 'header Last-Event-ID'],
  )
  t.same(Object.keys(responses).sort(), ['200', '400', '401', '429'])
  t.match(
    JSON.stringify(responses['429']),
    'error-too-many-connections',
    'a stream past the per-user cap',
  )
})

/** With metrics and rate limits on, the document also has `/metrics` and every 429. */
const everythingOn = () => testConfig({ METRICS: 'true', RATE_LIMIT_MAX: '10' })

t.test(
  'every 200 has a description of its own, and examples are named for what they show',
  async (t) => {
    const { response, doc } = await openApi(t, everythingOn())
    for (const route of documentedRoutes(doc)) {
      const { requestBody, responses } = operation(doc, route)
      const description = responses['200']?.description ?? ''
      t.ok(description.trim() && description !== 'Default Response', `${route} 200: ${description}`)
      const media = [
        ...Object.values(requestBody?.content ?? {}),
        ...Object.values(responses).flatMap((answer) => Object.values(answer.content ?? {})),
      ]
      for (const { examples: named = {} } of media) {
        for (const [name, example] of Object.entries(named)) {
          t.notMatch(name, /^example\d+$/, `${route} names its example ${name}`)
          t.ok(example.summary?.trim(), `${route} example ${name} has a summary`)
        }
      }
    }
    t.notMatch(response.body, /x-examples|x-response-description/, 'no helper keyword is left in')
  },
)

t.test(
  'the login examples log in the admin a fresh ADMIN_PASS=change-me start creates',
  async (t) => {
    const { app, doc } = await openApi(t, testConfig({ ADMIN_PASS: 'change-me' }))
    const body = operation(doc, 'POST /api/v1/login').requestBody?.content['application/json']
    const shown = examples(body)
    t.same(shown[0], { user: 'admin', password: 'change-me' }, 'the admin comes first')
    const withPassword = shown.filter(
      (example) => typeof example === 'object' && example !== null && 'password' in example,
    )
    t.equal(withPassword.length, 2, 'by username and by email')
    for (const example of withPassword) {
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: example as object,
      })
      t.equal(login.statusCode, 200, `${JSON.stringify(example)} logs in`)
      t.equal(login.json().data.me.username, 'admin')
    }
  },
)

for (const [setting, config] of [
  ['the default settings', undefined],
  ['metrics and rate limits on', everythingOn()],
] as const) {
  t.test(`every body, 200 and refusal shows an example, with ${setting}`, async (t) => {
    const { doc } = await openApi(t, config)
    const routes = documentedRoutes(doc)
    t.ok(routes.length >= apiRoutes.length, 'every route is checked')
    for (const route of routes) {
      const { requestBody, responses } = operation(doc, route)
      for (const [type, media] of Object.entries(requestBody?.content ?? {})) {
        t.ok(examples(media).length > 0, `${route} request body (${type}) has an example`)
      }
      for (const [status, response] of Object.entries(responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          t.ok(examples(media).length > 0, `${route} ${status} (${type}) has an example`)
        }
      }
      t.ok(responses['200']?.content, `${route} documents a 200 body`)
    }
  })

  t.test(`every example validates against its own schema, with ${setting}`, async (t) => {
    const { response } = await openApi(t, config)
    const doc = (await SwaggerParser.dereference(
      structuredClone(response.json<ValidatedDocument>()),
    )) as unknown as OpenApiDocument
    const shown = [...documentedExamples(doc)]
    t.ok(shown.length > 100, `${shown.length} examples are checked`)
    for (const { where, schema, value } of shown) {
      const problems = schemaErrors(schema, value)
      if (isReferenceExample(value)) {
        t.same(
          problems.map(describeError),
          [
            "/group must have required property 'fname'",
            "/group must have required property 'usersCount'",
          ],
          `${where}: Rocket.Chat's reference example lacks only fname and usersCount`,
        )
      } else {
        t.same(problems.map(describeError), [], `${where} follows its schema`)
      }
    }
  })
}

t.test(
  'the example check refuses what a schema refuses and takes null where nullable',
  async (t) => {
    const { doc } = await openApi(t)
    const media = operation(doc, 'GET /api/v1/groups.counters').responses['200']?.content?.[
      'application/json'
    ]
    const schema = media?.schema ?? {}
    const [example] = examples(media)
    if (typeof example !== 'object' || example === null) throw new Error('counters has no example')
    t.same(schemaErrors(schema, example), [])
    t.same(schemaErrors(schema, { ...example, unreads: null, latest: null }), [], 'nullable')
    t.same(
      schemaErrors(schema, { ...example, unreads: 'one', latest: 'yesterday' }).map(describeError),
      ['/unreads must be integer', '/latest must match format "date-time"'],
    )
    t.same(schemaErrors(schema, { ...example, success: false }).map(describeError), [
      '/success must be equal to one of the allowed values',
    ])
  },
)

t.test('GET /api/docs serves the documentation page', async (t) => {
  const app = await buildApp(t, db)
  let response = await app.inject({ method: 'GET', url: '/api/docs' })
  if (response.statusCode >= 300 && response.statusCode < 400) {
    const target = new URL(String(response.headers.location), 'http://localhost/api/docs')
    response = await app.inject({ method: 'GET', url: target.pathname + target.search })
  }
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/html/)
  t.match(response.body, /<html[\s>]/i)
})
