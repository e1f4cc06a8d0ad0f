import Ajv from 'ajv'
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

/**
 * Query strings only carry text, so their numbers and booleans are coerced; JSON bodies are
 * checked as sent: `{"name": 123}` is refused, not turned into "123".
 */
export default fp(
  async (app) => {
    const bodies = newAjv(false)
    const strings = newAjv('array')
    app.setValidatorCompiler(({ schema, httpPart }) =>
      (httpPart === 'body' ? bodies : strings).compile(schema),
    )
  },
  { name: 'validation' },
)
