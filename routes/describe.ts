import { type Endpoint, endpointDocs } from '../docs/index.js'
import { type ErrorCode, errors, type Refusal } from '../domain/errors.js'
import { NOT_JSON } from '../plugins/app/errors.js'
import {
  badRequest,
  type ErrorSchema,
  forbidden,
  tooMany,
  type UnauthorizedSchema,
  unauthorized,
} from '../schemas/common.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The refusals a route documents, in checking order; the error handler notices one it is
     * not listed (see plugins/app/errors.ts).
     */
    refuses?: readonly ErrorCode[]
  }
}

/** A refusal as a route lists it: the catalogue entry, or the entry with this route's words for when. */
export type ListedRefusal = Refusal | readonly [Refusal, string]

/** A route's documentation and answers, put together from its docs and its refusal list. */
export interface RouteDescription {
  schema: { tags: string[]; summary: string; description: string }
  /** The `response` entries of the listed refusals, one status each, with an example apiece. */
  refusals: RefusalResponses
  config: { refuses: readonly ErrorCode[] }
}

const REFUSALS_MARK = '{refusals}'

/** How a refusal is named in prose: its errorType, or its whole message when it has none. */
function nameOf(refusal: Refusal): string {
  const example = refusal.example()
  return example.errorType ?? example.message
}

/** "Refusals, in the order they are checked: …" for this list. */
export function refusalsParagraph(listed: readonly ListedRefusal[]): string {
  const parts = listed.map((entry) => {
    const [refusal, when] = Array.isArray(entry) ? entry : [entry as Refusal, undefined]
    return `${when ?? refusal.when} (\`${nameOf(refusal)}\`)`
  })
  return `Refusals, in the order they are checked: ${parts.join('; ')}.`
}

export interface RefusalResponses {
  400?: typeof ErrorSchema
  401?: typeof UnauthorizedSchema
  403?: typeof ErrorSchema
  429?: typeof ErrorSchema
}

function responses(listed: readonly Refusal[]): RefusalResponses {
  const byStatus = new Map<number, Refusal[]>()
  // A refusal checked at two points of a route is one example.
  for (const refusal of new Set(listed)) {
    byStatus.set(refusal.status, [...(byStatus.get(refusal.status) ?? []), refusal])
  }
  const out: RefusalResponses = {}
  for (const [status, refusals] of byStatus) {
    const examples = refusals.map((refusal) => refusal.example())
    if (status === 400) out[400] = badRequest(...examples)
    else if (status === 401) {
      const login = refusals.some((refusal) => refusal.code !== 'notLoggedIn')
      out[401] = {
        ...unauthorized(...examples),
        ...(login && { description: 'The login was refused' }),
      }
    } else if (status === 403) out[403] = forbidden(...examples)
    else if (status === 429) out[429] = tooMany(...examples)
    else throw new Error(`a route lists a ${status} refusal; only 400, 401, 403 and 429 are listed`)
  }
  return out
}

/** Whether the route gave this refusal an example of its own (`withExample`). */
function hasOwnExample(refusal: Refusal): boolean {
  return refusal.example !== errors[refusal.code].example
}

/**
 * Describes the endpoint from its docs (docs/) and the refusals it gives, in the order they are
 * checked. Its description says the refusals where it writes `{refusals}`, else at its end.
 */
export function describeRoute(
  endpoint: Endpoint,
  listed: readonly ListedRefusal[] = [],
): RouteDescription {
  const docs = endpointDocs[endpoint]
  const refusals = listed.map((entry) => (Array.isArray(entry) ? entry[0] : entry) as Refusal)
  for (const refusal of refusals) {
    // The catalogue's words would name another route's parameter (`offset must be >= 0`).
    if (refusal.routeExample && !hasOwnExample(refusal)) {
      throw new Error(
        `${endpoint} lists ${refusal.code} without an example of its own: list it with withExample(errors.${refusal.code}, …) and a refusal this route gives`,
      )
    }
  }
  const paragraph = listed.length ? refusalsParagraph(listed) : ''
  const description = docs.description.includes(REFUSALS_MARK)
    ? docs.description.replace(REFUSALS_MARK, () => paragraph)
    : [docs.description, paragraph].filter(Boolean).join('\n\n')
  return {
    schema: { tags: [docs.tag], summary: docs.summary, description },
    refusals: responses(refusals),
    config: { refuses: refusals.map((refusal) => refusal.code) },
  }
}

/**
 * The catalogue entry, documented with this route's example arguments (`The bodyParam "topic"
 * is required`) rather than the catalogue's.
 */
export function withExample<C extends ErrorCode>(
  refusal: Refusal<C>,
  ...args: Parameters<Refusal<C>>
): Refusal<C> {
  return Object.assign((...called: Parameters<Refusal<C>>) => refusal(...called), refusal, {
    example: () => refusal(...args),
  })
}

/** A JSON body that does not parse, refused on any route that takes a body (plugins/app/errors.ts). */
export const notJsonBody = [
  withExample(errors.invalidParams, NOT_JSON),
  'a body that is not JSON',
] as const satisfies ListedRefusal
