import { type ObjectOptions, type Static, type TSchema, Type } from '@sinclair/typebox'
import { type ApiError, errors, type RefusalBody } from '../domain/errors.js'

export const IdSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  examples: ['ByehQjC44FwMeiLbX'],
})
export const TimestampSchema = Type.String({
  format: 'date-time',
  examples: ['2016-12-09T15:08:58.042Z'],
})

export const ErrorSchema = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String(),
    errorType: Type.Optional(Type.String()),
  },
  { description: 'The request was refused; `errorType` names the rule that refused it.' },
)
export type { RefusalBody }

/** A copy of `schema` that the documentation shows with these examples; nothing else changes. */
export function withExamples<T extends TSchema>(schema: T, ...examples: Static<T>[]): T {
  return { ...schema, examples }
}

export interface NamedExample<T extends TSchema> {
  summary: string
  value: Static<T>
}

/**
 * A copy of `schema` that the documentation shows with these examples, under these names and in
 * this order (OpenAPI's named `examples`, which @fastify/swagger takes from `x-examples`; a plain
 * `examples` list would be shown as `example1`, `example2`). `quoted` examples come last and are
 * not held to the schema: another API's documentation, shown as it is.
 */
export function withNamedExamples<T extends TSchema>(
  schema: T,
  examples: Record<string, NamedExample<T>>,
  quoted: Record<string, { summary: string; value: unknown }> = {},
): T {
  return { ...schema, 'x-examples': { ...examples, ...quoted } }
}

/** `schema` with these refusals as its examples: one plain example, or several named by type. */
function withRefusalExamples<T extends TSchema>(schema: T, refusals: ApiError[]): T {
  const bodies = refusals.map((refusal) => refusal.body as Static<T>)
  if (bodies.length < 2) return withExamples(schema, ...bodies)
  const named: Record<string, NamedExample<T>> = {}
  for (const [index, refusal] of refusals.entries()) {
    const name = refusal.errorType ?? refusal.message
    let unique = name
    for (let n = 2; unique in named; n += 1) unique = `${name} (${n})`
    named[unique] = { summary: refusal.message, value: bodies[index] as Static<T> }
  }
  return withNamedExamples(schema, named)
}

/** A route's 400 answer, with these refusals as its examples. */
export function badRequest(...refusals: ApiError[]) {
  return withRefusalExamples(ErrorSchema, refusals)
}

const UnauthorizedObject = Type.Object(
  {
    success: Type.Literal(false),
    status: Type.Literal('error'),
    message: Type.String(),
    error: Type.String(),
  },
  { description: 'Not logged in' },
)

/** A route's 401 answer (Rocket.Chat's own body), with these refusals as its examples. */
export function unauthorized(...refusals: ApiError[]) {
  return withRefusalExamples(UnauthorizedObject, refusals)
}

export const UnauthorizedSchema = unauthorized(errors.notLoggedIn())

/** A route's 403 answer, with these refusals as its examples. */
export function forbidden(...refusals: ApiError[]) {
  return withRefusalExamples(
    Type.Object(ErrorSchema.properties, {
      description: 'The caller lacks a permission the route needs (see its description).',
    }),
    refusals,
  )
}

/**
 * The answer over a limit: the rate limit, which the rate limit adds to every /api/v1 route,
 * and the route's own limits given.
 */
export function tooMany(...refusals: ApiError[]) {
  return withRefusalExamples(
    Type.Object(ErrorSchema.properties, {
      description:
        refusals.length === 0
          ? 'Too many calls to this endpoint in the window; retry after the seconds in `Retry-After`.'
          : 'Too many calls to this endpoint in the window (retry after the seconds in `Retry-After`), or over a limit of the route (see its description).',
    }),
    [errors.tooManyRequests.example(), ...refusals],
  )
}

export const TooManyRequestsSchema = tooMany()

/** What the documentation says of every 200 built with `Success`, unless the route says more. */
const SUCCESS_DESCRIPTION = 'Success'

/** A route's success body, with `success: true` beside its payload. */
export function Success<T extends Record<string, TSchema>>(properties: T, options?: ObjectOptions) {
  return Type.Object(
    { ...properties, success: Type.Literal(true) },
    { 'x-response-description': SUCCESS_DESCRIPTION, ...options },
  )
}

export const SuccessSchema = Success(
  {},
  {
    'x-response-description': 'Success; the body is only `success: true`',
    examples: [{ success: true }],
  },
)

export const RoomRefProperties = {
  roomId: Type.Optional(
    Type.String({ description: "The group's ID", examples: ['ByehQjC44FwMeiLbX'] }),
  ),
  roomName: Type.Optional(
    Type.String({
      description: "The group's name (roomId wins when both are sent)",
      examples: ['team-testing'],
    }),
  ),
}

export const UserRefProperties = {
  userId: Type.Optional(
    Type.String({ description: "The user's ID", examples: ['BsNr28znDkG8aeo7W'] }),
  ),
  username: Type.Optional(
    Type.String({ description: "The user's username", examples: ['rocket.cat'] }),
  ),
}

/**
 * The largest `offset` or `count` a list takes: far past any real table, and small enough that
 * PostgreSQL stores it as it is. Larger numbers, and anything not written as a plain decimal
 * integer, are `invalid-params`.
 */
export const MAX_PAGE_NUMBER = 2_147_483_647

/** A list's `offset`: how many items to skip. */
export function OffsetQueryProperty() {
  return Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_PAGE_NUMBER,
      default: 0,
      description: `Items to skip (0 to ${MAX_PAGE_NUMBER}); past the last item the page is empty`,
    }),
  )
}

/** A list's `count`: items per page, cut to 100. */
export function CountQueryProperty(defaultCount: number, items = 'Items') {
  return Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_PAGE_NUMBER,
      default: defaultCount,
      description: `${items} per page (0 to ${MAX_PAGE_NUMBER}); above 100 is cut to 100`,
    }),
  )
}

export const PageQueryProperties = {
  offset: OffsetQueryProperty(),
  count: CountQueryProperty(50),
}

const fieldList = (fields: string[]) => fields.map((field) => `\`${field}\``).join(', ')

/** A list's `sort` parameter (JSON text), documenting the fields that list may be sorted by. */
export function SortQueryProperty(fields: string[]) {
  return Type.Optional(
    Type.String({
      maxLength: 512,
      description: `A JSON object of field to 1 (ascending) or -1 (descending), most significant first; fields: ${fieldList(fields)}. Anything else is \`error-invalid-sort\`.`,
      examples: [`{"${fields[0]}":1}`],
    }),
  )
}

/** A list's `query` parameter (JSON text): per field, a string to equal or a `$regex`. */
export function TextQueryProperty(fields: string[]) {
  return Type.Optional(
    Type.String({
      maxLength: 1024,
      description: `A JSON filter on ${fieldList(fields)}: \`{"field": "value"}\` or \`{"field": {"$regex": "…", "$options": "i"}}\` (a PostgreSQL regular expression of at most 128 characters). Anything else is \`error-invalid-query\`.`,
      examples: [`{"${fields[0]}":{"$regex":"^team","$options":"i"}}`],
    }),
  )
}

/** A value that may also be null (OpenAPI 3.0's `nullable`, which the serializer honours too). */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true })
}

export const PageResultProperties = {
  count: Type.Integer({ description: 'Items in this page' }),
  offset: Type.Integer(),
  total: Type.Integer(),
}

const refusalSchemas = {
  400: badRequest(errors.roomNotFound()),
  401: UnauthorizedSchema,
  403: forbidden(errors.forbidden()),
} as const

/**
 * The refusal statuses a route can answer, for its `response` map, each with a typical example;
 * a route whose 400s are of another kind gives its own with `badRequest(...)`.
 */
export function refusals<S extends keyof typeof refusalSchemas>(
  ...statuses: S[]
): Pick<typeof refusalSchemas, S> {
  const picked: Partial<typeof refusalSchemas> = {}
  for (const status of statuses) Object.assign(picked, { [status]: refusalSchemas[status] })
  return picked as Pick<typeof refusalSchemas, S>
}
