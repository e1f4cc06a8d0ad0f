// Limit (a): the units of work the service sent, captured (statement-counter.ts), sent again
// through a pg pool of the service's size by as many loops as the load had connections.
import pg from 'pg'
import { randomId } from '../domain/ids.js'
import { percentile } from './load.js'
import type { Capture, CapturedStatement, CapturedUnit } from './statement-counter.js'
import { freshIds, withIdsRenamed } from './units.js'

export interface ReplayResult {
  /** Units per second times the capture's requests per unit. */
  requestsPerSecond: number
  unitsPerSecond: number
  /** Per unit (ms), from taking it (waiting for a pooled connection included) to its end. */
  p50: number
  p99: number
  /** Units that ran as they did in the service. */
  units: number
  /** Units stopped by a statement that failed here but not in the service. */
  failedUnits: number
  /** Statements that failed here, and those of them that had failed in the service too. */
  failedStatements: number
  failedAsInService: number
  /** Times the loops went through the sample; past 1, writes ran a second time. */
  passes: number
  /** Ids the service made up for new rows, each given a new value on every replay. */
  freshIdsPerPass: number
  errors: string[]
}

interface PreparedUnit {
  transaction: boolean
  statements: Array<{ query: pg.QueryConfig; failedInService: boolean }>
  fresh: Set<string>
}

const MAX_ERRORS = 5

function prepare(capture: Capture, unit: CapturedUnit, fresh: Set<string>): PreparedUnit {
  return {
    transaction: unit.transaction,
    fresh,
    statements: unit.statements.map((s: CapturedStatement) => ({
      query: {
        text: capture.texts[s.text] ?? '',
        ...(s.name ? { name: s.name } : {}),
        ...(s.params ? { values: s.params } : {}),
      },
      failedInService: s.failed === true,
    })),
  }
}

/** The unit's statements with a new value for each id it makes up (the same throughout). */
function withNewIds(unit: PreparedUnit): pg.QueryConfig[] {
  if (unit.fresh.size === 0) return unit.statements.map((s) => s.query)
  const renamed = new Map([...unit.fresh].map((id) => [id, randomId()]))
  return unit.statements.map(({ query }) => ({
    ...query,
    ...(query.values
      ? {
          values: query.values.map((v) => (typeof v === 'string' ? withIdsRenamed(v, renamed) : v)),
        }
      : {}),
  }))
}

/**
 * Sends the captured units again, in the order the service began them, for `durationSeconds`
 * (going round the sample again when it runs out): a transaction on one pooled connection, a
 * unit outside one as a single pooled query, as the service ran them. The statements go as pg
 * sent them (named prepared statements by their name), with new ids for new rows (units.ts).
 * A statement failing stops its unit, with a ROLLBACK when inside a transaction, and is
 * counted; one that failed in the service as well is counted apart and the unit goes on.
 */
export async function replayCapture(
  url: string,
  capture: Capture,
  requestsPerUnit: number,
  poolSize: number,
  loops: number,
  durationSeconds: number,
): Promise<ReplayResult> {
  const freshOf = freshIds(capture)
  const units = capture.units.map((unit) => prepare(capture, unit, freshOf(unit)))
  const pool = new pg.Pool({ connectionString: url, max: poolSize })
  pool.on('error', () => {})
  const latencies: number[] = []
  const errors = new Set<string>()
  let failedUnits = 0
  let failedStatements = 0
  let failedAsInService = 0
  let taken = 0

  const note = (error: unknown, text: string) => {
    if (errors.size >= MAX_ERRORS) return
    const message = error instanceof Error ? error.message : String(error)
    errors.add(`${message}: ${text.replace(/\s+/g, ' ').trim().slice(0, 160)}`)
  }
  /** Runs one statement; false when it failed and the service's had not. */
  const run = async (client: pg.PoolClient, query: pg.QueryConfig, failedInService: boolean) => {
    try {
      await client.query(query)
      return true
    } catch (error) {
      failedStatements++
      if (failedInService) {
        failedAsInService++
        return true
      }
      note(error, query.text)
      return false
    }
  }
  const runUnit = async (unit: PreparedUnit) => {
    const queries = withNewIds(unit)
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (error) {
      note(error, '(connecting)')
      return false
    }
    try {
      for (const [index, query] of queries.entries()) {
        if (await run(client, query, unit.statements[index]?.failedInService ?? false)) continue
        if (unit.transaction && index < queries.length - 1) {
          await client.query('rollback').catch(() => {})
        }
        return false
      }
      return true
    } finally {
      client.release()
    }
  }

  const deadline = performance.now() + durationSeconds * 1000
  const loop = async () => {
    while (performance.now() < deadline) {
      const unit = units[taken++ % units.length]
      if (!unit) return
      const started = performance.now()
      if (await runUnit(unit)) latencies.push(performance.now() - started)
      else failedUnits++
    }
  }
  const started = performance.now()
  try {
    await Promise.all(Array.from({ length: loops }, loop))
  } finally {
    await pool.end()
  }
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const unitsPerSecond = latencies.length / elapsed
  return {
    requestsPerSecond: unitsPerSecond * requestsPerUnit,
    unitsPerSecond,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    units: latencies.length,
    failedUnits,
    failedStatements,
    failedAsInService,
    passes: units.length === 0 ? 0 : taken / units.length,
    freshIdsPerPass: units.reduce((sum, unit) => sum + unit.fresh.size, 0),
    errors: [...errors],
  }
}
