import SwaggerParser from '@apidevtools/swagger-parser'
import t from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  postgresUrl,
  testConfig,
  testDatabase,
} from './helper.js'

const db = await testDatabase(t)

const metricsOn = () => testConfig({ METRICS: 'true' })

/** The value of one sample line, `name{labels} value`, or undefined when there is none. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('GET /metrics: 404 envelope while METRICS is off (the default)', async (t) => {
  const app = await buildApp(t, db)

  const response = await app.inject({ method: 'GET', url: '/metrics' })

  t.equal(response.statusCode, 404)
  t.same(response.json(), {
    success: false,
    error: 'API endpoint not found [error-not-found]',
    errorType: 'error-not-found',
  })
})

t.test('GET /metrics: request counts and latency by route pattern and status', async (t) => {
  const app = await buildApp(t, db, metricsOn())
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  for (let i = 0; i < 2; i += 1) {
    const info = await app.inject({
      method: 'GET',
      url: `/api/v1/groups.info?roomId=${group._id}`,
      headers: owner.headers,
    })
    t.equal(info.statusCode, 200)
  }
  const refused = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info?roomId=no-such-group',
    headers: owner.headers,
  })
  t.equal(refused.statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/groups.info' })).statusCode, 401)

  const response = await app.inject({ method: 'GET', url: '/metrics' })

  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  const body = response.body
  t.match(body, '# TYPE http_request_duration_seconds histogram')
  const info = (status: number) => `method="GET",route="/api/v1/groups.info",status="${status}"`
  t.equal(sample(body, `http_requests_total{${info(200)}}`), 2)
  t.equal(sample(body, `http_requests_total{${info(400)}}`), 1)
  t.equal(sample(body, `http_requests_total{${info(401)}}`), 1)
  t.equal(sample(body, `http_request_duration_seconds_count{${info(200)}}`), 2)
  t.equal(sample(body, `http_request_duration_seconds_bucket{le="+Inf",${info(200)}}`), 2)
  t.ok((sample(body, `http_request_duration_seconds_sum{${info(200)}}`) ?? 0) > 0, 'time spent')
  t.equal(
    sample(body, 'http_requests_total{method="POST",route="/api/v1/groups.create",status="200"}'),
    1,
  )
})

t.test('GET /metrics labels routes by pattern, never by the URL sent', async (t) => {
  const app = await buildApp(t, db, metricsOn())
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  await app.inject({
    method: 'GET',
    url: `/api/v1/groups.info?roomId=${group._id}`,
    headers: owner.headers,
  })
  await app.inject({ method: 'GET', url: '/no/such/page-for-visitor-42' })

  const { body } = await app.inject({ method: 'GET', url: '/metrics' })

  t.notMatch(body, group._id, 'no query string')
  t.notMatch(body, 'visitor-42', 'no unknown URL')
  t.equal(sample(body, 'http_requests_total{method="GET",route="unmatched",status="404"}'), 1)
})

t.test('GET /metrics reports event-loop lag and the process', async (t) => {
  const app = await buildApp(t, db, metricsOn())

  const { body } = await app.inject({ method: 'GET', url: '/metrics' })

  t.match(body, '# TYPE nodejs_eventloop_lag_seconds gauge')
  t.match(body, /^nodejs_eventloop_lag_p99_seconds \d/m)
  t.match(body, /^process_resident_memory_bytes \d/m)
})

t.test('GET /metrics reports the PostgreSQL pool (the embedded database has none)', async (t) => {
  const app = await buildApp(t, db, metricsOn())

  const { body } = await app.inject({ method: 'GET', url: '/metrics' })

  if (postgresUrl) {
    t.equal(sample(body, 'db_pool_connections_max'), 20, 'the test pool size')
    t.ok((sample(body, 'db_pool_connections_open') ?? -1) >= 1, 'open connections')
    t.ok((sample(body, 'db_pool_connections_idle') ?? -1) >= 0, 'idle connections')
    t.equal(sample(body, 'db_pool_requests_waiting'), 0)
  } else {
    t.notMatch(body, 'db_pool_', 'no pool to report')
  }
})

t.test('each app counts its own requests', async (t) => {
  const first = await buildApp(t, db, metricsOn())
  const second = await buildApp(t, db, metricsOn())
  await first.inject({ method: 'GET', url: '/livez' })
  await first.inject({ method: 'GET', url: '/livez' })

  const counted = (body: string) =>
    sample(body, 'http_requests_total{method="GET",route="/livez",status="200"}')

  t.equal(counted((await first.inject({ method: 'GET', url: '/metrics' })).body), 2)
  t.equal(counted((await second.inject({ method: 'GET', url: '/metrics' })).body), undefined)
})

t.test('/metrics is documented as text when on, absent when off', async (t) => {
  const on = await buildApp(t, db, metricsOn())
  const off = await buildApp(t, db)

  const docOn = (await on.inject({ method: 'GET', url: '/api/docs/json' })).json()
  const docOff = (await off.inject({ method: 'GET', url: '/api/docs/json' })).json()

  t.match(docOn.paths['/metrics'].get, {
    tags: ['Server'],
    summary: 'Prometheus metrics',
    responses: { 200: { content: { 'text/plain': { schema: { type: 'string' } } } } },
  })
  t.equal(docOn.paths['/metrics'].get.security, undefined, 'no login needed')
  t.equal(docOff.paths['/metrics'], undefined)
  await t.resolves(SwaggerParser.validate(structuredClone(docOn)), 'still valid OpenAPI')
})
