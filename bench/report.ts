import { spawnSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { EMBEDDED_SCENARIO } from './embedded.js'
import { type EventsResult, printEvents } from './events.js'
import type { ScenarioLimits } from './limits.js'
import type { Measurement } from './load.js'
import type { PlanCheck } from './plans.js'
import type { Target } from './target.js'

export interface ScenarioResult extends ScenarioLimits {
  scenario: string
  kind: 'read' | 'write'
  http: Measurement
  /** Statements sent per request; null on the embedded database, whose are not counted. */
  statementsPerRequest: number | null
  /** The database-alone figure this scenario is held against (its own SQL, same pool). */
  databaseLimit: Measurement & { statementsPerOperation: number | null; scenario: string }
  ratioToDatabase: number
  ratioToFramework: number
  /** The scenario's req/s over each limit's (null when the limit was not measured). */
  ratioToReplay: number | null
  ratioToCapturedPgbench: number | null
  ratioToDesign: number | null
  serverRssMb: number | undefined
  plans: PlanCheck
  /** No failed request, and no sequential scan on a large table. */
  passed: boolean
}

export interface Report {
  date: string
  /** os.loadavg() (1, 5 and 15 minutes) when the run began and when it ended. */
  loadAverage: { start: number[]; end: number[] }
  settings: Record<string, unknown>
  seedSeconds: number
  framework: Measurement
  scenarios: ScenarioResult[]
  serverPeakRssMb: number | undefined
  /** The embedded scenario: its data set and its service's peak RSS. */
  embedded?: { seeded: string; peakRssMb: number | undefined } | undefined
  /** The events scenario (bench/events.ts), when it ran. */
  events?: EventsResult | undefined
  targets: Target[]
}

const fixed = (value: number, digits: number) => value.toFixed(digits)
const counted = (value: number | null) => (value === null ? '-' : fixed(value, 1))
const ratio = (value: number | null) => (value === null ? '-' : fixed(value, 2))
const load = (values: number[]) => values.map((v) => fixed(v, 2)).join(' ')

/** A limit's req/s, marked `!` when it had failures (listed under the table). */
function limitCell(figure: { requestsPerSecond: number } | null, flawed: boolean): string {
  if (!figure) return '-'
  return `${fixed(figure.requestsPerSecond, 0)}${flawed ? '!' : ''}`
}

const replayFlawed = (s: ScenarioResult) =>
  !!s.replay && (s.replay.failedUnits > 0 || s.replay.errors.length > 0)
const pgbenchFlawed = (run: { errors: string[]; failedTransactions: number } | null) =>
  !!run && (run.errors.length > 0 || run.failedTransactions > 0)

function printLimits(s: ScenarioResult, write: (line: string) => void) {
  const { capture, replay, capturedPgbench: captured, designPgbench: design } = s
  if (!capture && !design && s.limitErrors.length === 0) return
  write(`  ${s.scenario}:`)
  if (capture) {
    write(
      `    captured ${capture.units} units (${fixed(capture.unitsPerRequest, 2)} per request, ${capture.transactions} of the ${capture.sampled} kept are transactions${capture.truncated ? ', capped' : ''}), ${fixed(capture.statementsPerUnit, 2)} SQL/unit`,
    )
  }
  if (replay) {
    write(
      `    (a) replay: ${fixed(replay.requestsPerSecond, 0)} req/s (${fixed(replay.unitsPerSecond, 0)} units/s), per unit p50 ${fixed(replay.p50, 1)} ms, p99 ${fixed(replay.p99, 1)} ms; ${fixed(replay.passes, 2)} passes, ${replay.freshIdsPerPass} new ids per pass`,
    )
    if (replay.failedStatements > 0) {
      write(
        `      FAILED: ${replay.failedUnits} units (${replay.failedStatements} statements, ${replay.failedAsInService} of them as in the service)`,
      )
    }
    for (const error of replay.errors) write(`      error: ${error}`)
  }
  if (captured) {
    write(
      `    (b) pgbench: ${fixed(captured.requestsPerSecond, 0)} req/s (${fixed(captured.transactionsPerSecond, 0)} tps), per unit p50 ${fixed(captured.p50, 1)} ms, p99 ${fixed(captured.p99, 1)} ms; ${captured.units} units${captured.leftOut > 0 ? `, ${captured.leftOut} left out (failed in the service)` : ''}`,
    )
    if (captured.failedTransactions > 0) {
      write(`      FAILED: ${captured.failedTransactions} transactions`)
    }
    for (const error of captured.errors) write(`      error: ${error}`)
  }
  if (design) {
    const statements = design.commands?.filter((c) => !c.command.startsWith('\\')).length
    const perRun =
      design.requestsPerTransaction === 1
        ? 'transaction'
        : `run of the script (${design.requestsPerTransaction} requests)`
    write(
      `    (c) design: ${fixed(design.requestsPerSecond, 0)} req/s (${fixed(design.transactionsPerSecond, 0)} tps), per ${perRun} p50 ${fixed(design.p50, 1)} ms, p99 ${fixed(design.p99, 1)} ms; ${statements ?? '?'} statement${statements === 1 ? '' : 's'} (${design.script})`,
    )
    if (design.failedTransactions > 0)
      write(`      FAILED: ${design.failedTransactions} transactions`)
    for (const error of design.errors) write(`      error: ${error}`)
  }
  for (const error of s.limitErrors) write(`    missing: ${error}`)
}

export function printReport(report: Report, write: (line: string) => void): void {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'vs db',
    'replay',
    'ratio',
    'pgbench',
    'ratio',
    'design',
    'ratio',
    'SQL/req',
    'ok',
  ]
  const rows = report.scenarios.map((s) => [
    s.scenario,
    fixed(s.http.requestsPerSecond, 0),
    fixed(s.http.p50, 1),
    fixed(s.http.p99, 1),
    fixed(s.ratioToDatabase, 2),
    limitCell(s.replay, replayFlawed(s)),
    ratio(s.ratioToReplay),
    limitCell(s.capturedPgbench, pgbenchFlawed(s.capturedPgbench)),
    ratio(s.ratioToCapturedPgbench),
    limitCell(s.designPgbench, pgbenchFlawed(s.designPgbench)),
    ratio(s.ratioToDesign),
    counted(s.statementsPerRequest),
    s.passed ? 'yes' : 'FAIL',
  ])
  const fw = report.framework
  rows.push(['fastify alone', fixed(fw.requestsPerSecond, 0), fixed(fw.p50, 1), fixed(fw.p99, 1)])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
  write(`load average at the start: ${load(report.loadAverage.start)}`)
  write(line(header))
  for (const row of rows) write(line(row))
  write(
    'req/s of each limit in requests per second equivalent; ratio = service req/s / limit req/s; vs db = to the database-alone loop; ! = the limit had failures (below)',
  )
  write(
    'replay = (a) the captured units through a pool of the same size; pgbench = (b) the captured units as pgbench scripts; design = (c) bench/pgbench/ scripts, the fewest statements',
  )
  write(`load average at the end: ${load(report.loadAverage.end)}`)
  write('')
  write('database alone (same SQL through a pool of the same size, same concurrency):')
  const limits = new Map(report.scenarios.map((s) => [s.databaseLimit.scenario, s.databaseLimit]))
  for (const [name, m] of limits) {
    write(
      `  ${name}: ${fixed(m.requestsPerSecond, 0)} op/s, p50 ${fixed(m.p50, 1)} ms, p99 ${fixed(m.p99, 1)} ms, ${counted(m.statementsPerOperation)} SQL/op`,
    )
  }
  write('')
  write('limits (requests per second equivalent):')
  for (const s of report.scenarios) printLimits(s, write)
  write(`server peak RSS: ${report.serverPeakRssMb?.toFixed(0) ?? '?'} MB`)
  if (report.embedded) {
    write(
      `embedded database: ${report.embedded.seeded}; its server's peak RSS ${report.embedded.peakRssMb?.toFixed(0) ?? '?'} MB`,
    )
  }
  for (const s of report.scenarios) {
    for (const scan of s.plans.sequentialScans) {
      write(`  ${s.scenario}: sequential scan on ${scan.tables.join(', ')}: ${scan.sql}`)
    }
    for (const scan of s.plans.smallTableScans) {
      write(
        `  ${s.scenario}: (small table, not failed) sequential scan on ${scan.tables.join(', ')}`,
      )
    }
    if (s.plans.unexplained.length > 0) {
      write(`  ${s.scenario}: ${s.plans.unexplained.length} statements could not be explained`)
    }
    if (s.http.failed > 0) write(`  ${s.scenario}: ${s.http.failed} failed requests`)
  }
  if (report.events) printEvents(report.events, write)
  write('')
  write('targets:')
  for (const t of report.targets)
    write(`  [${t.met ? 'met' : 'NOT MET'}] ${t.target}: ${t.reached}`)
}

export async function saveReport(report: Report, file: URL): Promise<void> {
  await mkdir(new URL('.', file), { recursive: true })
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
  // The repository's formatter checks JSON too: leave the file as `npm run lint` expects it.
  const biome = fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url))
  spawnSync(biome, ['format', '--write', fileURLToPath(file)], { stdio: 'ignore' })
}

/** A ratio beside its limit: `0.59 (>= 0.8)`; `-` when it was not measured. */
function against(value: number | null | undefined, limit: number): Target['reached'] {
  return value === null || value === undefined ? '-' : `${fixed(value, 2)} (>= ${limit})`
}

const atLeast = (value: number | null | undefined, limit: number) =>
  value !== null && value !== undefined && value >= limit

/** The targets, checked against what this run measured. */
export function targets(scenarios: ScenarioResult[], peakRssMb: number | undefined): Target[] {
  const found: Target[] = []
  const byName = new Map(scenarios.map((s) => [s.scenario, s]))
  for (const s of scenarios) {
    if (s.scenario === EMBEDDED_SCENARIO) {
      found.push({
        target: `${s.scenario} >= 0.9 of PGlite alone (the same statement in one process)`,
        reached: against(s.ratioToDatabase, 0.9),
        met: atLeast(s.ratioToDatabase, 0.9),
      })
      continue
    }
    const limit = s.kind === 'read' ? 0.8 : 0.9
    found.push({
      target: `${s.scenario} >= ${limit} of its replayed SQL`,
      reached: against(s.ratioToReplay, limit),
      met: atLeast(s.ratioToReplay, limit),
    })
    const sqlToDesign =
      s.replay && s.designPgbench
        ? s.replay.requestsPerSecond / Math.max(s.designPgbench.requestsPerSecond, 1e-9)
        : null
    found.push({
      target: `${s.scenario}: its SQL replayed >= 0.7 of the minimal design`,
      reached: against(sqlToDesign, 0.7),
      met: atLeast(sqlToDesign, 0.7),
    })
  }
  for (const base of ['groups.rename', 'groups.invite+leave']) {
    const variants = scenarios.filter((s) => s.scenario.startsWith(`${base} @`))
    const [small, large] = variants
    if (!small || !large || !byName.has(base)) continue
    const slowdown = small.http.requestsPerSecond / Math.max(large.http.requestsPerSecond, 1e-9)
    const sqlSlowdown =
      small.replay && large.replay
        ? small.replay.requestsPerSecond / Math.max(large.replay.requestsPerSecond, 1e-9)
        : null
    found.push({
      target: `${large.scenario} within 1.5x of ${small.scenario.replace(`${base} `, '')}`,
      reached: `${fixed(slowdown, 2)}x slower (<= 1.5; its SQL replayed: ${sqlSlowdown === null ? '-' : `${fixed(sqlSlowdown, 2)}x`})`,
      met: slowdown <= 1.5,
    })
  }
  found.push({
    target: 'every query uses an index on large tables',
    reached: `${scenarios.filter((s) => s.plans.sequentialScans.length > 0).length} scenarios with a sequential scan`,
    met: scenarios.every((s) => s.plans.sequentialScans.length === 0),
  })
  found.push({
    target: 'server RSS < 150 MB over the run (on PostgreSQL)',
    reached: `${peakRssMb?.toFixed(0) ?? '?'} MB`,
    met: peakRssMb !== undefined && peakRssMb < 150,
  })
  return found
}
