import { type RawBuilder, sql } from 'kysely'

/** How a list is ordered: keys, most significant first, each with its direction. */
export interface OrderBy<K extends string> {
  key: K
  direction: 'asc' | 'desc'
}

/** A text column compared with a value, or matched by a PostgreSQL regular expression. */
export type TextMatch = { equals: string } | { regex: string; ignoreCase: boolean }

export interface TextFilter<K extends string> {
  key: K
  match: TextMatch
}

export interface Page {
  offset: number
  count: number
}

/** The condition of one filter on the column it names. */
export function textCondition(column: string, match: TextMatch): RawBuilder<boolean> {
  if ('equals' in match) return sql<boolean>`${sql.ref(column)} = ${match.equals}`
  return match.ignoreCase
    ? sql<boolean>`${sql.ref(column)} ~* ${match.regex}`
    : sql<boolean>`${sql.ref(column)} ~ ${match.regex}`
}

/** PostgreSQL refused a regular expression (bad syntax the caller sent). */
export function isInvalidRegex(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '2201B'
  )
}
