import { type Expression, type SqlBool, sql } from 'kysely'

/** The slice of a list to return. */
export interface Page {
  offset: number
  count: number
}

/** A list order, as parsed from Rocket.Chat's `sort` parameter; the first entry sorts first. */
export type ListSort<F extends string> = Array<{ field: F; direction: 'asc' | 'desc' }>

/** A sort order as text, to tell apart the queries it shapes. */
export const sortKey = (order: ListSort<string>) =>
  order.map((o) => `${o.field} ${o.direction}`).join()

/** A list filter over named fields, as parsed from Rocket.Chat's `query` parameter. */
export type ListFilter<F extends string> =
  | { kind: 'and' | 'or'; filters: ListFilter<F>[] }
  | { kind: 'equals'; field: F; value: string | boolean }
  | { kind: 'matches'; field: F; pattern: string; ignoreCase: boolean }

/** The SQL condition of a filter, each field read from the expression `columns` gives it. */
export function filterCondition<F extends string>(
  filter: ListFilter<F>,
  columns: Record<F, Expression<unknown>>,
): Expression<SqlBool> {
  switch (filter.kind) {
    case 'and':
    case 'or': {
      if (filter.filters.length === 0) {
        return filter.kind === 'and' ? sql<SqlBool>`true` : sql<SqlBool>`false`
      }
      const parts = filter.filters.map((part) => filterCondition(part, columns))
      return sql<SqlBool>`(${sql.join(parts, filter.kind === 'and' ? sql` and ` : sql` or `)})`
    }
    case 'equals':
      return sql<SqlBool>`${columns[filter.field]} = ${filter.value}`
    case 'matches':
      return filter.ignoreCase
        ? sql<SqlBool>`${columns[filter.field]}::text ~* ${filter.pattern}`
        : sql<SqlBool>`${columns[filter.field]}::text ~ ${filter.pattern}`
  }
}

/** PostgreSQL's refusal of a regular expression it cannot compile. */
export function isInvalidRegularExpression(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '2201B'
  )
}
