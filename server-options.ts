import { randomUUID } from 'node:crypto'
import type { FastifyRequest, FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

/** An incoming X-Request-Id is kept when it is short and plain, so it cannot forge log lines. */
const REQUEST_ID = /^[\w.:-]{1,128}$/

function requestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = request.headers['x-request-id']
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

/** TRUST_PROXY: empty (the socket's address is the client), `true`, a hop count, or addresses. */
function trustProxy(value: string): FastifyServerOptions['trustProxy'] {
  if (value === '') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) {
    const hops = Number(value)
    return (_address: string, hop: number) => hop < hops
  }
  return value
}

/** Logged objects never carry credentials, whatever a future log call passes in. */
const REDACTED = [
  'req.headers["x-auth-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  'authToken',
  'resume',
  '*.password',
  '*.authToken',
  '*.resume',
  '*["x-auth-token"]',
]

/** A `ticket` in a query string (GET /api/v1/events) stands for a login until it is used. */
const QUERY_TICKET = /([?&]ticket=)[^&]*/g

/** A request as logged: Fastify's own fields, with any ticket in its URL redacted. */
function loggedRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url.replace(QUERY_TICKET, '$1[redacted]'),
    version: request.headers['accept-version']?.toString(),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}

/** Fastify's own options, shared by the server and the tests. */
export function serverOptions(
  config: Config,
  logStream?: { write(line: string): void },
): FastifyServerOptions {
  return {
    logger: {
      level: config.LOG_LEVEL,
      redact: { paths: REDACTED, censor: '[redacted]' },
      serializers: { req: loggedRequest },
      ...(logStream ? { stream: logStream } : {}),
    },
    genReqId: requestId,
    trustProxy: trustProxy(config.TRUST_PROXY),
    bodyLimit: config.BODY_LIMIT,
    // The whole request must arrive within 30 s (slow senders hold no socket for long); an idle
    // keep-alive socket is kept longer than a load balancer's usual 60 s, so the proxy closes it first.
    requestTimeout: 30_000,
    keepAliveTimeout: 65_000,
    connectionTimeout: 75_000,
    pluginTimeout: 60_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }
}
