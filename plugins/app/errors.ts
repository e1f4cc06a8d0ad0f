import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ApiError, UnauthorizedError } from '../../domain/errors.js'
import { refusal } from '../../schemas/common.js'
import { discardBody } from './discard-body.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Rocket.Chat reports some missing body parameters with a plain message instead of a
     * schema error (`The bodyParam "name" is required`); such routes name the message here.
     */
    missingParamMessage?: (param: string) => string
  }
}

type ValidationError = FastifyError & Required<Pick<FastifyError, 'validation'>>

function isValidationError(error: FastifyError): error is ValidationError {
  return Array.isArray(error.validation)
}

/**
 * Ajv's first complaint, naming the offending field: `name must be string`, `room is not allowed
 * here`, `body must be object`.
 */
function describeValidation(error: ValidationError): string {
  const [first] = error.validation
  if (!first) return 'Invalid parameters'
  const field = first.instancePath.slice(1).replaceAll('/', '.')
  const extra = first.params.additionalProperty
  if (first.keyword === 'additionalProperties' && typeof extra === 'string') {
    return `${field ? `${field}.` : ''}${extra} is not allowed here`
  }
  // Rocket.Chat words a missing property without a subject: `must have required property 'x'`.
  const context = error.validationContext === 'querystring' ? 'query' : error.validationContext
  const subject = field || (first.keyword === 'required' ? '' : context)
  return [subject, first.message ?? 'is invalid'].filter(Boolean).join(' ')
}

function missingParam(error: ValidationError): string | undefined {
  const missing = error.validation.find((issue) => issue.keyword === 'required')
  const param = missing?.params.missingProperty
  return typeof param === 'string' ? param : undefined
}

const invalidParams = (message: string) => refusal({ errorType: 'invalid-params', message })

/** Gives every failure, expected or not, the API's envelope; details of the unexpected stay in the log. */
async function errorHandling(app: FastifyInstance) {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send(refusal(error))
    if (error instanceof UnauthorizedError) {
      return reply
        .code(401)
        .send({ success: false, status: 'error', message: error.message, error: error.error })
    }
    if (isValidationError(error)) {
      const param = missingParam(error)
      const message = request.routeOptions.config.missingParamMessage
      if (param !== undefined && message) {
        return reply.code(400).send({ success: false, error: message(param) })
      }
      return reply.code(400).send(invalidParams(describeValidation(error)))
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable')
      return reply.code(503).send(
        refusal({
          errorType: 'error-database-unavailable',
          message: 'The database is unavailable, try again shortly',
        }),
      )
    }
    if (isUnstorableText(error)) {
      return reply
        .code(400)
        .send(invalidParams('A parameter holds characters that cannot be stored'))
    }
    if (isDataException(error)) {
      // A value the schemas let through but PostgreSQL cannot take: bad input all the same.
      request.log.warn({ err: error }, 'value refused by the database')
      return reply
        .code(400)
        .send(invalidParams('A parameter is outside the range this service can store'))
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') await discardBody(request.raw)
      const [errorType, message] = describeClientError(error)
      return reply.code(status).send(refusal({ errorType, message }))
    }
    request.log.error({ err: error }, 'request failed')
    return reply.code(500).send({ success: false, error: 'Internal server error' })
  })

  // Rocket.Chat answers 404 for a method an endpoint does not take; the message says which it does.
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? ''
    const methods = METHODS.filter((method) => app.hasRoute({ method, url }))
    const endpoint = url.replace(/^\/api\/v1\//, '')
    reply.code(404).send(
      refusal({
        errorType: 'error-not-found',
        message: methods.length
          ? `API endpoint not found: use ${methods.join(' or ')} for ${endpoint}`
          : 'API endpoint not found',
      }),
    )
  })
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'])

/**
 * The database is down, restarting or gone (as opposed to a bug): connection refused or lost, a
 * pool timing out, or PostgreSQL's shutdown, connection-failure, too-many-connections and
 * missing-database SQLSTATEs (57P0x, 08xxx, 53300, 3D000), or this process closing its database.
 */
function isDatabaseUnavailable(error: FastifyError): boolean {
  const code = typeof error.code === 'string' ? error.code : ''
  if (UNREACHABLE.has(code) || /^(57P0[1-4]|08\d{3}|53300|3D000)$/.test(code)) return true
  return /timeout exceeded when trying to connect|Connection terminated|PGlite is closed|driver has already been destroyed/i.test(
    error.message,
  )
}

/**
 * PostgreSQL refuses some text outright (a NUL byte, an invalid escape); that is bad input,
 * not a failure of ours: 22021 character_not_in_repertoire, 22P05 untranslatable_character.
 */
function isUnstorableText(error: FastifyError): boolean {
  return error.code === '22021' || error.code === '22P05'
}

/** SQLSTATE class 22, data exception: a number or date out of range, text that is no number… */
function isDataException(error: FastifyError): boolean {
  return typeof error.code === 'string' && /^22[0-9A-Z]{3}$/.test(error.code)
}

/** Fastify's own 4xx refusals (bad JSON, wrong media type, too large), named without internals. */
function describeClientError(error: FastifyError): [string, string] {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return ['error-payload-too-large', 'Request body is too large']
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return ['error-unsupported-media-type', 'Unsupported content type; send application/json']
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return ['invalid-params', 'Body cannot be empty when content-type is set to application/json']
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return ['invalid-params', 'Body is not valid JSON']
    default:
      return ['invalid-request', 'Invalid request']
  }
}

export default fp(errorHandling, { name: 'errors' })
