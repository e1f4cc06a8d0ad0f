import { type Compilable, CompiledQuery, type RawBuilder, sql } from 'kysely'
import type { Executor } from '../executor.js'

/** Where a value of the call goes in a query compiled once: its index in the call's values. */
class Slot {
  constructor(readonly index: number) {}
}

/** The value at `index` of each call's values, as a parameter of a query compiled once. */
export function slot<T>(index: number): RawBuilder<T> {
  return sql<T>`${new Slot(index)}`
}

/** Shapes kept per query; past this many (sort orders are the only open-ended part) each call compiles. */
const MAX_SHAPES = 64

/**
 * A query whose text depends on its shape only (lookup by id or by name, sort order), built and
 * compiled by Kysely once per shape; each call binds its own values to the slots. The text is
 * the one Kysely would compile for those values, so the server's named statements and plans are
 * the same as before.
 */
export function compiledOnce<Shape, Row>(
  keyOf: (shape: Shape) => string,
  build: (db: Executor, shape: Shape) => Compilable<Row>,
) {
  const compiled = new Map<string, { sql: string; parameters: readonly unknown[] }>()
  return async (db: Executor, shape: Shape, values: readonly unknown[]): Promise<Row[]> => {
    const key = keyOf(shape)
    let query = compiled.get(key)
    if (!query) {
      query = build(db, shape).compile()
      if (compiled.size < MAX_SHAPES) compiled.set(key, query)
    }
    const parameters = query.parameters.map((p) => (p instanceof Slot ? values[p.index] : p))
    const result = await db.executeQuery(CompiledQuery.raw(query.sql, parameters))
    return result.rows as Row[]
  }
}
