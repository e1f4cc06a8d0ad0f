// JSON in and out: every JSON answer is `Content-Type: application/json` exactly, and an empty
// JSON body reads as `{}`.
import t from 'tap'
import { api, buildApp, createTestUser, refused, testConfig, testDatabase } from '../../helper.js'

const db = await testDatabase(t)
const JSON_TYPE = 'application/json'

interface Operation {
  parameters?: { name: string; in: string; example?: unknown; schema?: { examples?: unknown[] } }[]
  requestBody?: { content: Record<string, { schema?: { examples?: unknown[] } }> }
}

t.test(
  'every operation of the OpenAPI document answers application/json, refusals included',
  async (t) => {
    const app = await buildApp(t, db)
    const admin = await createTestUser(db, { roles: ['admin', 'user'] })
    const served = await app.inject({ method: 'GET', url: '/api/docs/json' })
    t.equal(served.headers['content-type'], JSON_TYPE, 'the OpenAPI document itself')
    const document = served.json() as { paths: Record<string, Record<string, Operation>> }
    let answers = 0
    let operationCount = 0
    const statuses = new Set<number>()
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        operationCount += 1
        const example = operation.requestBody?.content[JSON_TYPE]?.schema?.examples?.[0]
        const query: Record<string, string> = {}
        for (const parameter of operation.parameters ?? []) {
          const value = parameter.schema?.examples?.[0] ?? parameter.example
          if (parameter.in === 'query' && typeof value === 'string') query[parameter.name] = value
        }
        const attempts = [
          { headers: {}, payload: example ?? {} },
          { headers: admin.headers, payload: example ?? {} },
          { headers: admin.headers, payload: {} },
          { headers: admin.headers, payload: { notAParameter: true } },
        ]
        for (const attempt of attempts) {
          const response = await app.inject({
            method: method.toUpperCase() as 'GET' | 'POST',
            url: path,
            headers: attempt.headers,
            ...(method === 'get' ? { query } : { payload: attempt.payload }),
          })
          answers += 1
          statuses.add(response.statusCode)
          t.equal(
            response.headers['content-type'],
            JSON_TYPE,
            `${method.toUpperCase()} ${path} -> ${response.statusCode}`,
          )
        }
      }
    }
    t.ok(operationCount >= 48, `${operationCount} operations`)
    t.equal(answers, operationCount * 4)
    t.same(
      [200, 400, 401].filter((status) => statuses.has(status)),
      [200, 400, 401],
    )
  },
)

t.test('the service’s own answers outside the document: 404, 413, 415, 429, probes', async (t) => {
  const app = await buildApp(t, db, testConfig({ RATE_LIMIT_MAX: '1', BODY_LIMIT: '1024' }))
  const user = await createTestUser(db)
  const calls = [
    { method: 'GET', url: '/api/v1/no.such.endpoint', status: 404 },
    { method: 'GET', url: '/api/info', status: 200 },
    { method: 'GET', url: '/livez', status: 200 },
    { method: 'GET', url: '/readyz', status: 200 },
    {
      method: 'POST',
      url: '/api/v1/groups.create',
      headers: { ...user.headers, 'content-type': JSON_TYPE },
      payload: JSON.stringify({ name: 'x'.repeat(2000) }),
      status: 413,
    },
    {
      method: 'POST',
      url: '/api/v1/groups.leave',
      headers: { ...user.headers, 'content-type': 'application/xml' },
      payload: '<roomId>x</roomId>',
      status: 415,
    },
    { method: 'GET', url: '/api/v1/me', headers: user.headers, status: 200 },
    { method: 'GET', url: '/api/v1/me', headers: user.headers, status: 429 },
  ] as const
  for (const { status, ...request } of calls) {
    const response = await app.inject(request)
    t.equal(response.statusCode, status, `${request.method} ${request.url}`)
    t.equal(response.headers['content-type'], JSON_TYPE, `${request.url} -> ${status}`)
  }
})

t.test('the documentation page and metrics keep their own types', async (t) => {
  const app = await buildApp(t, db, testConfig({ METRICS: 'true' }))
  const page = await app.inject({ method: 'GET', url: '/api/docs/' })
  t.equal(page.headers['content-type'], 'text/html; charset=utf-8')
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.headers['content-type'], /^text\/plain/)
})

t.test('an empty JSON body reads as {}', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const empty = (endpoint: string, headers: Record<string, string> = user.headers) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/${endpoint}`,
      headers: { ...headers, 'content-type': JSON_TYPE },
      payload: '',
    })

  const leave = await empty('groups.leave')
  t.equal(leave.statusCode, 400)
  t.same(leave.json(), refused.roomParamNotProvided, 'the same refusal as for {}')
  t.same((await api(app, user).post('groups.leave', {})).json(), refused.roomParamNotProvided)

  const logout = await empty('logout')
  t.equal(logout.statusCode, 200)
  t.same(logout.json(), {
    status: 'success',
    data: { message: "You've been logged out!" },
    success: true,
  })
  const after = await api(app, user).get('me')
  t.equal(after.statusCode, 401, 'the token is dead')
  t.same(after.json(), refused.notLoggedIn)

  const bad = await empty('groups.leave', {})
  t.equal(bad.statusCode, 401, 'an empty body does not skip the login check')
})

t.test('JSON that is not valid is still refused', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  for (const payload of ['{', ' ', 'nul', '{"__proto__":{"x":1}}']) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/groups.leave',
      headers: { ...user.headers, 'content-type': JSON_TYPE },
      payload,
    })
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.equal(response.json().errorType, 'invalid-params')
  }
})
