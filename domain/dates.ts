import { errors } from './errors.js'

/**
 * The instants a time parameter may name: years 0001 to 9999, which PostgreSQL and JavaScript
 * both store and write alike (the last millisecond is left out so that "up to and including"
 * can still be asked as "before one millisecond later").
 */
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z')
const LATEST = Date.parse('9999-12-31T23:59:59.998Z')

/** A parsed time the database can compare with: a real instant within those years. */
export function isStorableTime(time: Date): boolean {
  const ms = time.getTime()
  return !Number.isNaN(ms) && ms >= EARLIEST && ms <= LATEST
}

/**
 * A date-time parameter (already checked as ISO-8601 text) as a Date. A leap second, or an
 * instant outside that range once taken to UTC, is `invalid-params` naming the parameter.
 */
export function timeParam(name: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined
  const time = new Date(text)
  if (!isStorableTime(time)) {
    throw errors.invalidParams(
      `${name} must be a date-time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.998Z`,
    )
  }
  return time
}
