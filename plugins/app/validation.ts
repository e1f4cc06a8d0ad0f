import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import fp from 'fastify-plugin'

function newAjv(coerceTypes: boolean | 'array') {
  const ajv = new Ajv.default({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  })
  addFormats.default(ajv)
  return ajv
}

/** How a number is written in a query string: plain decimal digits, no sign on zero, no `+`. */
const DECIMAL_INTEGER = /^(0|-?[1-9][0-9]*)$/
const DECIMAL_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/

type Schema = { type?: unknown; properties?: Record<string, Schema> }

/** The query parameters a schema declares as numbers, with the text each must match. */
function numericParameters(schema: Schema): [string, RegExp][] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]): [string, RegExp][] => {
    if (property.type === 'integer') return [[name, DECIMAL_INTEGER]]
    if (property.type === 'number') return [[name, DECIMAL_NUMBER]]
    return []
  })
}

function notDecimal(name: string, integer: boolean): ErrorObject {
  return {
    instancePath: `/${name}`,
    schemaPath: `#/properties/${name}/type`,
    keyword: 'type',
    params: {},
    message: integer
      ? 'must be a whole number written in decimal digits'
      : 'must be a number written in decimal digits',
  }
}

/**
 * Ajv turns any text `Number()` reads into a number (`1e20`, `Infinity`, `0x10`, `-0`), and
 * bounds are then checked on a value that is no longer what was sent; query-string numbers
 * are first held to plain decimal text, then Ajv coerces and checks their bounds.
 */
function strictQueryNumbers(schema: Schema, validate: ValidateFunction) {
  const numeric = numericParameters(schema)
  if (numeric.length === 0) return validate
  const checked = (data: unknown, context?: object) => {
    if (data && typeof data === 'object') {
      const query = data as Record<string, unknown>
      for (const [name, text] of numeric) {
        const value = query[name]
        if (value === undefined) continue
        const values = Array.isArray(value) ? value : [value]
        if (!values.every((item) => typeof item === 'string' && text.test(item))) {
          checked.errors = [notDecimal(name, text === DECIMAL_INTEGER)]
          return false
        }
      }
    }
    const valid = validate(data, context as Parameters<ValidateFunction>[1])
    checked.errors = validate.errors
    return valid
  }
  checked.errors = null as ErrorObject[] | null | undefined
  checked.schemaEnv = validate.schemaEnv
  return checked
}

/**
 * Query strings only carry text, so their numbers and booleans are coerced; JSON bodies are
 * checked as sent: `{"name": 123}` is refused, not turned into "123".
 */
// One pair per process: Ajv keeps what it compiled by schema, so a second app in the process
// (a test's, a script's) reuses the first one's validators instead of compiling them again.
const bodies = newAjv(false)
const strings = newAjv('array')

export default fp(
  async (app) => {
    app.setValidatorCompiler(({ schema, httpPart }) => {
      if (httpPart === 'body') return bodies.compile(schema)
      const validate = strings.compile(schema)
      return httpPart === 'querystring' ? strictQueryNumbers(schema as Schema, validate) : validate
    })
  },
  { name: 'validation' },
)
