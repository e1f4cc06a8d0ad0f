import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ApiError, UnauthorizedError } from '../../domain/errors.js'

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

/** Ajv's first complaint, naming the offending field: `name must be string`. */
function describeValidation(error: ValidationError): string {
  const [first] = error.validation
  if (!first) return 'Invalid parameters'
  const field = first.instancePath.slice(1).replaceAll('/', '.')
  return [field, first.message ?? 'is invalid'].filter(Boolean).join(' ')
}

function missingParam(error: ValidationError): string | undefined {
  const missing = error.validation.find((issue) => issue.keyword === 'required')
  const param = missing?.params.missingProperty
  return typeof param === 'string' ? param : undefined
}

/** Gives every failure, expected or not, the API's envelope; details of the unexpected stay in the log. */
async function errorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      const body = error.errorType
        ? { success: false, error: error.envelopeMessage, errorType: error.errorType }
        : { success: false, error: error.message }
      return reply.code(error.statusCode).send(body)
    }
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
      return reply.code(400).send({
        success: false,
        error: `${describeValidation(error)} [invalid-params]`,
        errorType: 'invalid-params',
      })
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable')
      return reply.code(503).send({
        success: false,
        error: 'The database is unavailable, try again shortly [error-database-unavailable]',
        errorType: 'error-database-unavailable',
      })
    }
    if (isUnstorableText(error)) {
      return reply.code(400).send({
        success: false,
        error: 'A parameter holds characters that cannot be stored [invalid-params]',
        errorType: 'invalid-params',
      })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const [errorType, message] = describeClientError(error)
      return reply
        .code(status)
        .send({ success: false, error: `${message} [${errorType}]`, errorType })
    }
    request.log.error({ err: error }, 'request failed')
    return reply.code(500).send({ success: false, error: 'Internal server error' })
  })

  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({
      success: false,
      error: 'API endpoint not found [error-not-found]',
      errorType: 'error-not-found',
    })
  })
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'])

/**
 * The database is down or restarting (as opposed to a bug): connection refused or lost, a
 * pool timing out, or PostgreSQL's shutdown and connection-failure SQLSTATEs (57P0x, 08xxx).
 */
function isDatabaseUnavailable(error: FastifyError): boolean {
  const code = typeof error.code === 'string' ? error.code : ''
  if (UNREACHABLE.has(code) || /^(57P0[1-3]|08\d{3})$/.test(code)) return true
  return /timeout exceeded when trying to connect|Connection terminated/i.test(error.message)
}

/**
 * PostgreSQL refuses some text outright (a NUL byte, an invalid escape); that is bad input,
 * not a failure of ours: 22021 character_not_in_repertoire, 22P05 untranslatable_character.
 */
function isUnstorableText(error: FastifyError): boolean {
  return error.code === '22021' || error.code === '22P05'
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
