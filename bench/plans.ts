import pg from 'pg'
import type { StatementSample } from './statement-counter.js'

/** Tables that grow with the data set: a sequential scan on one of them fails the scenario. */
const GROWING_TABLES = ['users', 'rooms', 'room_members', 'messages', 'login_tokens']
/**
 * Below this many rows PostgreSQL rightly reads a table whole instead of through an index (a
 * small BENCH_GROUPS gives a rooms table of a few pages); such scans are reported, not failed.
 */
const LARGE_TABLE_ROWS = 1000

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  Plans?: PlanNode[]
}

function sequentialScans(node: PlanNode, found: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) found.push(node['Relation Name'])
  for (const child of node.Plans ?? []) sequentialScans(child, found)
  return found
}

export interface PlanCheck {
  explained: number
  /** Each statement that scans a large table from end to end, with the tables it scans. */
  sequentialScans: Array<{ sql: string; tables: string[] }>
  /** Sequential scans of growing tables that are still too small for an index to pay. */
  smallTableScans: Array<{ sql: string; tables: string[] }>
  unexplained: string[]
}

/** EXPLAINs (without running) every distinct statement a scenario sent, with its parameters. */
export async function checkPlans(url: string, samples: StatementSample[]): Promise<PlanCheck> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const check: PlanCheck = {
    explained: 0,
    sequentialScans: [],
    smallTableScans: [],
    unexplained: [],
  }
  try {
    const sizes = await client.query<{ relname: string; reltuples: number }>(
      'select relname, reltuples from pg_class where relname = any($1) and relkind = $2',
      [GROWING_TABLES, 'r'],
    )
    const large = new Set(
      sizes.rows.filter((row) => row.reltuples >= LARGE_TABLE_ROWS).map((row) => row.relname),
    )
    const small = new Set(GROWING_TABLES.filter((table) => !large.has(table)))
    for (const { sql, params } of samples) {
      if (!/^\s*(select|insert|update|delete|with)\b/i.test(sql)) continue
      try {
        const result = await client.query(`explain (format json) ${sql}`, params)
        const explained = result.rows[0]?.['QUERY PLAN'] as Array<{ Plan: PlanNode }> | undefined
        const plan = explained?.[0]?.Plan
        check.explained++
        const scanned = plan ? sequentialScans(plan) : []
        const tables = scanned.filter((table) => large.has(table))
        if (tables.length > 0) check.sequentialScans.push({ sql, tables })
        const smallTables = scanned.filter((table) => small.has(table))
        if (smallTables.length > 0) check.smallTableScans.push({ sql, tables: smallTables })
      } catch {
        check.unexplained.push(sql)
      }
    }
  } finally {
    await client.end()
  }
  return check
}
