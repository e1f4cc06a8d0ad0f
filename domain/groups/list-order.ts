import type { OrderBy, Page, TextFilter, TextMatch } from '../../db/queries/listing.js'
import { ApiError } from '../errors.js'

/** Rocket.Chat's upper limit on `count`: a bigger page is cut to it, not refused. */
export const MAX_PAGE_SIZE = 100
/** Longest `$regex` accepted in a `query`, so a search stays cheap. */
export const MAX_PATTERN_LENGTH = 128

/** A list request as Rocket.Chat's clients send it; `sort` and `query` are JSON text. */
export interface ListParams {
  offset?: number | undefined
  count?: number | undefined
  sort?: string | undefined
  query?: string | undefined
}

export function pageOf(params: ListParams, defaultCount = 50): Page {
  return {
    offset: params.offset ?? 0,
    count: Math.min(params.count ?? defaultCount, MAX_PAGE_SIZE),
  }
}

export const invalidSort = (raw: string) =>
  new ApiError('error-invalid-sort', `Invalid sort parameter provided: "${raw}"`)

export const invalidQuery = (raw: string) =>
  new ApiError('error-invalid-query', `Invalid query parameter provided: "${raw}"`)

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>
    }
  } catch {}
  return undefined
}

function fieldOf<K extends string>(fields: Readonly<Record<string, K>>, name: string) {
  return Object.hasOwn(fields, name) ? fields[name] : undefined
}

/**
 * Rocket.Chat's `sort`: a JSON object from API field to 1 (ascending) or -1 (descending), most
 * significant first, e.g. `{"msgs":-1,"name":1}`. `fields` maps the fields a list may be sorted
 * by to the query's keys; anything else is refused. Absent or `{}` keeps the list's own order.
 */
export function parseSort<K extends string>(
  raw: string | undefined,
  fields: Readonly<Record<string, K>>,
  fallback: OrderBy<K>[],
): OrderBy<K>[] {
  if (!raw) return fallback
  const sort = parseObject(raw)
  if (!sort) throw invalidSort(raw)
  const order = Object.entries(sort).map(([name, value]): OrderBy<K> => {
    const key = fieldOf(fields, name)
    if (key === undefined || (value !== 1 && value !== -1)) throw invalidSort(raw)
    return { key, direction: value === 1 ? 'asc' : 'desc' }
  })
  return order.length > 0 ? order : fallback
}

function textMatch(value: unknown): TextMatch | undefined {
  if (typeof value === 'string') return value.includes('\0') ? undefined : { equals: value }
  if (typeof value !== 'object' || value === null) return undefined
  const { $regex: regex, $options: options = '', ...rest } = value as Record<string, unknown>
  if (typeof regex !== 'string' || Object.keys(rest).length > 0) return undefined
  if (regex.length > MAX_PATTERN_LENGTH || regex.includes('\0')) return undefined
  if (options !== '' && options !== 'i') return undefined
  return { regex, ignoreCase: options === 'i' }
}

/**
 * The part of Rocket.Chat's `query` (a MongoDB filter as JSON) this service understands: per
 * field, a string to equal or `{"$regex": "…", "$options": "i"}` (PostgreSQL's regular
 * expressions, at most MAX_PATTERN_LENGTH characters). Any other field or operator is refused.
 */
export function parseTextQuery<K extends string>(
  raw: string | undefined,
  fields: Readonly<Record<string, K>>,
): TextFilter<K>[] {
  if (!raw) return []
  const query = parseObject(raw)
  if (!query) throw invalidQuery(raw)
  return Object.entries(query).map(([name, value]) => {
    const key = fieldOf(fields, name)
    const match = textMatch(value)
    if (key === undefined || match === undefined) throw invalidQuery(raw)
    return { key, match }
  })
}
