import type { ListFilter, ListSort } from '../db/queries/list-filter.js'
import { ApiError } from './errors.js'

export const DEFAULT_COUNT = 50
export const MAX_COUNT = 100
const MAX_PATTERN_LENGTH = 128
const MAX_DEPTH = 4
const MAX_CONDITIONS = 32

export interface Page {
  offset: number
  count: number
}

/** Rocket.Chat's paging: `count` defaults to 50 and larger values than 100 are cut to 100. */
export function pageOf(query: { offset?: number | undefined; count?: number | undefined }): Page {
  return { offset: query.offset ?? 0, count: Math.min(query.count ?? DEFAULT_COUNT, MAX_COUNT) }
}

export const invalidSort = (raw: string) =>
  new ApiError('error-invalid-sort', `Invalid sort parameter provided: "${raw}"`)

export const invalidQuery = (raw: string) =>
  new ApiError('error-invalid-query', `Invalid query parameter provided: "${raw}"`)

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

function isOneOf<F extends string>(name: string, names: readonly F[]): name is F {
  return (names as readonly string[]).includes(name)
}

/**
 * Reads `sort`, a JSON object of field → 1 (ascending) or -1 (descending). Fields outside
 * `fields` and any other value are refused with `error-invalid-sort`; no sort gives `fallback`.
 */
export function parseSort<F extends string>(
  raw: string | undefined,
  fields: readonly F[],
  fallback: ListSort<F>,
): ListSort<F> {
  if (raw === undefined || raw === '') return fallback
  const object = parseJsonObject(raw)
  if (!object) throw invalidSort(raw)
  const sort = Object.entries(object).map(([field, value]) => {
    if (!isOneOf(field, fields) || (value !== 1 && value !== -1)) throw invalidSort(raw)
    return { field, direction: value === 1 ? ('asc' as const) : ('desc' as const) }
  })
  return sort.length > 0 ? sort : fallback
}

/** The fields a `query` may name, with the JSON type each compares to. */
export type QueryFields<F extends string> = Record<F, 'string' | 'boolean'>

/**
 * Reads `query`, a JSON object in Rocket.Chat's (MongoDB's) notation, limited to what lists
 * need: `{field: value}` equality, `{field: {$regex, $options?}}` on text fields (without case
 * when `$options` is `i`), and `$and` / `$or` arrays of such objects. Anything else is
 * `error-invalid-query`; so is a pattern PostgreSQL refuses, once the query runs.
 */
export function parseQuery<F extends string>(
  raw: string | undefined,
  fields: QueryFields<F>,
): ListFilter<F> | undefined {
  if (raw === undefined || raw === '') return undefined
  const object = parseJsonObject(raw)
  if (!object) throw invalidQuery(raw)
  const names = Object.keys(fields) as F[]
  let conditions = 0

  const parseCondition = (field: F, value: unknown): ListFilter<F> => {
    conditions += 1
    if (conditions > MAX_CONDITIONS) throw invalidQuery(raw)
    const kind = fields[field]
    if (typeof value === 'boolean' && kind === 'boolean') return { kind: 'equals', field, value }
    if (typeof value === 'string' && kind === 'string' && isText(value)) {
      return { kind: 'equals', field, value }
    }
    if (kind === 'string' && isObject(value)) {
      const { $regex: pattern, $options: options = '', ...rest } = value
      if (
        Object.keys(rest).length === 0 &&
        typeof pattern === 'string' &&
        pattern.length <= MAX_PATTERN_LENGTH &&
        isText(pattern) &&
        (options === '' || options === 'i') &&
        compiles(pattern)
      ) {
        return { kind: 'matches', field, pattern, ignoreCase: options === 'i' }
      }
    }
    throw invalidQuery(raw)
  }

  const parseObject = (object: JsonObject, depth: number): ListFilter<F> => {
    if (depth > MAX_DEPTH) throw invalidQuery(raw)
    const filters = Object.entries(object).map(([key, value]): ListFilter<F> => {
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0 || !value.every(isObject)) {
          throw invalidQuery(raw)
        }
        const kind = key === '$and' ? ('and' as const) : ('or' as const)
        return { kind, filters: value.map((part) => parseObject(part, depth + 1)) }
      }
      if (!isOneOf(key, names)) throw invalidQuery(raw)
      return parseCondition(key, value)
    })
    return filters.length === 1 && filters[0] ? filters[0] : { kind: 'and', filters }
  }

  return parseObject(object, 0)
}

// PostgreSQL text cannot hold the NUL character: refused here rather than failing there.
const isText = (value: string) => !value.includes('\0')

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern)
    return true
  } catch {
    return false
  }
}
