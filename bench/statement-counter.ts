import pg from 'pg'

export interface StatementSample {
  sql: string
  params: unknown[]
}

let statements = 0
let samples = new Map<string, StatementSample>()
let installed = false

/**
 * Counts every statement this process sends through `pg` (the pool's clients included) and
 * keeps one example of each distinct statement text, so its plan can be checked afterwards.
 */
export function countStatements(): void {
  if (installed) return
  installed = true
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown
  pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
    statements++
    const [text, values] = args
    if (typeof text === 'string' && !samples.has(text)) {
      samples.set(text, { sql: text, params: Array.isArray(values) ? values : [] })
    }
    return original.apply(this, args)
  } as typeof pg.Client.prototype.query
}

/** The statements counted since the last call, which starts a new count. */
export function takeStatements(): { statements: number; samples: StatementSample[] } {
  const taken = { statements, samples: [...samples.values()] }
  statements = 0
  samples = new Map()
  return taken
}
