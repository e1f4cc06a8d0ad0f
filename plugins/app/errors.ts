import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { ApiError, errors, type Refusal } from '../../domain/errors.js'
import { discardBody } from './discard-body.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Rocket.Chat reports some missing body parameters with a plain message instead of a
     * schema error (errors.bodyParamRequired); such routes name that refusal here.
     */
    missingParam?: Refusal<
      'bodyParamRequired' | 'bodyParamRequiredAsObject' | 'bodyParamNameRequired'
    >
  }
}

export interface ErrorsOptions {
  /**
   * Answer 500 instead of the refusal when a route refuses with an error its documented list
   * (`config.refuses`) lacks, so a test suite cannot pass with a route's docs missing one.
   */
  strictRefusals?: boolean
}

/** The `invalid-params` reason for a JSON body that does not parse, on any route that takes one. */
export const NOT_JSON = 'Body is not valid JSON'

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

const answer = (reply: FastifyReply, refusal: ApiError) =>
  reply.code(refusal.statusCode).send(refusal.body)

/** Gives every failure, expected or not, the API's envelope; details of the unexpected stay in the log. */
async function errorHandling(app: FastifyInstance, { strictRefusals = false }: ErrorsOptions) {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      const listed = request.routeOptions.config.refuses ?? []
      if (!errors[error.code].anyRoute && !listed.includes(error.code)) {
        request.log.error(
          { code: error.code, route: request.routeOptions.url },
          'refusal missing from the route documentation',
        )
        if (strictRefusals) return answer(reply, errors.internal())
      }
      return answer(reply, error)
    }
    if (isValidationError(error)) {
      const param = missingParam(error)
      const missing = request.routeOptions.config.missingParam
      if (param !== undefined && missing) return answer(reply, missing(param))
      return answer(reply, errors.invalidParams(describeValidation(error)))
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable')
      return answer(reply, errors.databaseUnavailable())
    }
    if (isUnstorableText(error)) {
      return answer(
        reply,
        errors.invalidParams('A parameter holds characters that cannot be stored'),
      )
    }
    if (isDataException(error)) {
      // A value the schemas let through but PostgreSQL cannot take: bad input all the same.
      request.log.warn({ err: error }, 'value refused by the database')
      return answer(
        reply,
        errors.invalidParams('A parameter is outside the range this service can store'),
      )
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') await discardBody(request.raw)
      return reply.code(status).send(describeClientError(error).body)
    }
    request.log.error({ err: error }, 'request failed')
    return answer(reply, errors.internal())
  })

  // Rocket.Chat answers 404 for a method an endpoint does not take; the message says which it does.
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? ''
    const methods = METHODS.filter((method) => app.hasRoute({ method, url }))
    const endpoint = url.replace(/^\/api\/v1\//, '')
    answer(reply, errors.endpointNotFound(methods, endpoint))
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
function describeClientError(error: FastifyError): ApiError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.payloadTooLarge()
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType()
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidParams(
        'Body cannot be empty when content-type is set to application/json',
      )
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.invalidParams(NOT_JSON)
    default:
      return errors.invalidRequest()
  }
}

export default fp<ErrorsOptions>(errorHandling, { name: 'errors' })
