import {
  isInvalidRegularExpression,
  type ListFilter,
  type ListSort,
  type Page,
} from '../db/queries/listing.js'
import { errors } from './errors.js'

/** Rocket.Chat's page size when `count` is absent, and its upper limit: more is cut, not refused. */
const DEFAULT_COUNT = 50
const MAX_COUNT = 100
/** Longest `$regex` accepted in a `query`, so a search stays cheap. */
const MAX_PATTERN_LENGTH = 128
const MAX_DEPTH = 4
const MAX_CONDITIONS = 32

/** A list request as Rocket.Chat's clients send it; `sort` and `query` are JSON text. */
export interface ListParams {
  offset?: number | undefined
  count?: number | undefined
  sort?: string | undefined
  query?: string | undefined
}

/** A field a `query` may name: the field it filters on, and the JSON type it compares to. */
export interface QueryField<F extends string> {
  field: F
  type: 'string' | 'boolean'
}

/**
 * What one list accepts. Its API names map to the fields the queries know (`ts` → `createdAt`);
 * a list without `query` fields does not read `query`.
 */
export interface ListShape<S extends string, Q extends string = never> {
  sort: Readonly<Record<string, S>>
  defaultSort: ListSort<S>
  query?: Readonly<Record<string, QueryField<Q>>>
  /** Whether `query` may combine conditions in `$and` / `$or` arrays. */
  combinable?: boolean
}

export function pageOf(params: ListParams, defaultCount = DEFAULT_COUNT): Page {
  return {
    offset: params.offset ?? 0,
    count: Math.min(params.count ?? defaultCount, MAX_COUNT),
  }
}

const invalidSort = (raw: string) => errors.invalidSort(raw)

const invalidQuery = (raw: string) => errors.invalidQuery(raw)

/** A list's page, order and filter; `sort` is checked before `query`. */
export function parseListParams<S extends string, Q extends string>(
  params: ListParams,
  shape: ListShape<S, Q>,
): { page: Page; sort: ListSort<S>; filter: ListFilter<Q> | undefined } {
  return {
    page: pageOf(params),
    sort: parseSort(params.sort, shape.sort, shape.defaultSort),
    filter: shape.query
      ? parseQuery(params.query, shape.query, shape.combinable ?? false)
      : undefined,
  }
}

/**
 * Runs a list's queries. A `$regex` the parser let through can still be one PostgreSQL's
 * regular expressions refuse: that is the caller's `query` at fault, `error-invalid-query`.
 */
export async function withQueryChecked<T>(
  rawQuery: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (isInvalidRegularExpression(error)) throw invalidQuery(rawQuery ?? '')
    throw error
  }
}

type JsonObject = Record<string, unknown>

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseJsonObject(raw: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(raw)
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

function fieldOf<V>(fields: Readonly<Record<string, V>>, name: string): V | undefined {
  return Object.hasOwn(fields, name) ? fields[name] : undefined
}

/**
 * Rocket.Chat's `sort`: a JSON object from API field to 1 (ascending) or -1 (descending), most
 * significant first, e.g. `{"msgs":-1,"name":1}`. Unknown fields and other values are
 * `error-invalid-sort`; absent or `{}` keeps the list's own order.
 */
function parseSort<S extends string>(
  raw: string | undefined,
  fields: Readonly<Record<string, S>>,
  fallback: ListSort<S>,
): ListSort<S> {
  if (!raw) return fallback
  const object = parseJsonObject(raw)
  if (!object) throw invalidSort(raw)
  const sort = Object.entries(object).map(([name, value]) => {
    const field = fieldOf(fields, name)
    if (field === undefined || (value !== 1 && value !== -1)) throw invalidSort(raw)
    return { field, direction: value === 1 ? ('asc' as const) : ('desc' as const) }
  })
  return sort.length > 0 ? sort : fallback
}

// PostgreSQL text cannot hold the NUL character: refused here rather than failing there.
const isText = (value: string) => !value.includes('\0')

/**
 * Reads `query`, a JSON object in Rocket.Chat's (MongoDB's) notation, limited to what lists
 * need: `{field: value}` equality, `{field: {$regex, $options?}}` on text fields (without case
 * when `$options` is `i`) and, where the list allows it, `$and` / `$or` arrays of such objects.
 * Anything else is `error-invalid-query`; so is a pattern PostgreSQL refuses, once it runs.
 */
function parseQuery<Q extends string>(
  raw: string | undefined,
  fields: Readonly<Record<string, QueryField<Q>>>,
  combinable: boolean,
): ListFilter<Q> | undefined {
  if (!raw) return undefined
  const object = parseJsonObject(raw)
  if (!object) throw invalidQuery(raw)
  let conditions = 0

  const parseCondition = ({ field, type }: QueryField<Q>, value: unknown): ListFilter<Q> => {
    conditions += 1
    if (conditions > MAX_CONDITIONS) throw invalidQuery(raw)
    if (typeof value === 'boolean' && type === 'boolean') return { kind: 'equals', field, value }
    if (typeof value === 'string' && type === 'string' && isText(value)) {
      return { kind: 'equals', field, value }
    }
    if (type === 'string' && isObject(value)) {
      const { $regex: pattern, $options: options = '', ...rest } = value
      if (
        Object.keys(rest).length === 0 &&
        typeof pattern === 'string' &&
        pattern.length <= MAX_PATTERN_LENGTH &&
        isText(pattern) &&
        (options === '' || options === 'i')
      ) {
        return { kind: 'matches', field, pattern, ignoreCase: options === 'i' }
      }
    }
    throw invalidQuery(raw)
  }

  const parseObject = (object: JsonObject, depth: number): ListFilter<Q> => {
    if (depth > MAX_DEPTH) throw invalidQuery(raw)
    const filters = Object.entries(object).map(([key, value]): ListFilter<Q> => {
      if (combinable && (key === '$and' || key === '$or')) {
        if (!Array.isArray(value) || value.length === 0 || !value.every(isObject)) {
          throw invalidQuery(raw)
        }
        const kind = key === '$and' ? ('and' as const) : ('or' as const)
        return { kind, filters: value.map((part) => parseObject(part, depth + 1)) }
      }
      const field = fieldOf(fields, key)
      if (field === undefined) throw invalidQuery(raw)
      return parseCondition(field, value)
    })
    return filters.length === 1 && filters[0] ? filters[0] : { kind: 'and', filters }
  }

  return parseObject(object, 0)
}
