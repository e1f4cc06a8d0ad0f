import SwaggerParser from '@apidevtools/swagger-parser'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp, testDatabase } from './helper.js'

const db = await testDatabase(t)

interface MediaType {
  schema?: { required?: string[]; properties?: Record<string, unknown>; example?: unknown }
  example?: unknown
  examples?: Record<string, { value?: unknown }>
}

interface Operation {
  tags?: string[]
  summary?: string
  security?: Array<Record<string, string[]>>
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
  'GET /api/v1/groups.auditLog',
  'GET /api/v1/groups.counters',
  'GET /api/v1/groups.history',
  'GET /api/v1/groups.info',
  'GET /api/v1/groups.list',
  'GET /api/v1/groups.listAll',
  'GET /api/v1/groups.members',
  'GET /api/v1/groups.messages',
  'GET /api/v1/groups.moderators',
  'GET /api/v1/groups.roles',
  'GET /api/v1/me',
  'GET /api/v1/permissions.listAll',
  'GET /api/v1/roles.list',
  'GET /api/v1/users.info',
  'GET /api/v1/users.list',
  'GET /livez',
  'GET /readyz',
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

/** Every example a media type shows, wherever OpenAPI lets it sit. */
function examples(media: MediaType | undefined): unknown[] {
  if (!media) return []
  return [
    ...(media.example === undefined ? [] : [media.example]),
    ...Object.values(media.examples ?? {}).map((example) => example.value),
    ...(media.schema?.example === undefined ? [] : [media.schema.example]),
  ]
}

async function openApi(t: Test) {
  const app = await buildApp(t, db)
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

t.test('groups.leave documents 200, 400 and 401 with the seed example', async (t) => {
  const { doc } = await openApi(t)
  const leave = operation(doc, 'POST /api/v1/groups.leave')
  t.same(Object.keys(leave.responses).sort(), ['200', '400', '401'])
  t.same(examples(leave.responses['200']?.content?.['application/json']), [seedLeaveExample])
  t.same(Object.keys(leave.requestBody?.content['application/json']?.schema?.properties ?? {}), [
    'roomId',
    'roomName',
  ])
})

t.test('groups.rename documents 200, 400 and 401 with the seed examples', async (t) => {
  const { doc } = await openApi(t)
  const rename = operation(doc, 'POST /api/v1/groups.rename')
  t.same(Object.keys(rename.responses).sort(), ['200', '400', '401'])
  t.same(examples(rename.responses['200']?.content?.['application/json']), [seedRenameExample])
  const body = rename.requestBody?.content['application/json']
  t.same(examples(body), [{ roomId: 'ByehQjC44FwMeiLbX', name: 'new-name' }])
  t.same(body?.schema?.required, ['name'])
})

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
    } else {
      t.same(security, [{ [userId]: [], [authToken]: [] }], `${route} needs a login`)
    }
  }
})

t.test('every operation has tags and a summary, and private ones document 401', async (t) => {
  const { doc } = await openApi(t)
  for (const route of apiRoutes) {
    const { tags, summary, responses } = operation(doc, route)
    t.ok(tags && tags.length > 0, `${route} has tags`)
    t.ok(summary && summary.length > 0, `${route} has a summary`)
    t.ok(responses['200'], `${route} documents 200`)
    if (publicRoutes.includes(route)) continue
    t.ok(responses['401'], `${route} documents 401`)
  }
})

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
