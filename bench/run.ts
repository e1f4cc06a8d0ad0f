// `npm run bench`: the service beside its limits (Fastify alone, PostgreSQL alone, and the
// SQL it sent replayed, run by pgbench, and the fewest statements run by pgbench), all measured
// in one run on one machine; see bench/README.md.
import { loadavg } from 'node:os'
import { createDatabase, migrateToLatest } from '../db/database.js'
import { createScratchDatabase, seed } from './dataset.js'
import { EMBEDDED_SCENARIO, type EmbeddedRun, measureEmbedded } from './embedded.js'
import { EVENTS_SCENARIO, type EventsResult, eventTargets, measureEvents } from './events.js'
import { profiled } from './flame-graph.js'
import { measureLimits } from './limits.js'
import { measureHttp, measureLoop } from './load.js'
import { findPgbench } from './pgbench.js'
import { checkPlans } from './plans.js'
import { memoryMb, startBareServer, startService } from './processes.js'
import { printReport, type Report, type ScenarioResult, saveReport, targets } from './report.js'
import { benchSettings } from './settings.js'
import { countStatements, takeStatements } from './statement-counter.js'
import { type Scenario, scenarios } from './workload.js'

const log = (line: string) => process.stdout.write(`${line}\n`)
const settings = benchSettings()
const { connections, durationSeconds: duration } = settings
const warmUpSeconds = Math.min(2, Math.max(1, Math.floor(duration / 5)))
const wanted = (name: string) => settings.only.length === 0 || settings.only.includes(name)
const ratioTo = (service: number, limit: { requestsPerSecond: number } | null) =>
  limit && limit.requestsPerSecond > 0 ? service / limit.requestsPerSecond : null

const loadAtStart = loadavg()
log(`load average ${loadAtStart.map((v) => v.toFixed(2)).join(' ')}`)
const pgbench = findPgbench()
log(pgbench ? `pgbench ${pgbench}` : 'pgbench not found: limits (b) and (c) left out')
countStatements()
const scratch = await createScratchDatabase(settings.databaseUrl)
log(`database ${scratch.name}`)
const db = createDatabase({ url: scratch.url, poolSize: settings.poolSize, dataDir: '' })
try {
  await migrateToLatest(db)
  const dataset = await seed(db, settings)
  log(
    `seeded ${settings.users} users, ${settings.groups} groups (${dataset.rows.members} memberships, largest ${settings.maxGroupSize}), ${dataset.rows.messages} messages in ${dataset.seconds.toFixed(1)} s`,
  )

  const bare = await startBareServer()
  await measureHttp(`${bare.url}/constant`, [{ method: 'GET' }], connections, warmUpSeconds)
  const framework = await measureHttp(
    `${bare.url}/constant`,
    [{ method: 'GET' }],
    connections,
    duration,
  )
  await bare.stop()
  log(`fastify alone: ${framework.requestsPerSecond.toFixed(0)} req/s`)

  const service = await startService(
    { url: scratch.url, poolSize: settings.poolSize },
    settings.cpuProfileDir || undefined,
  )
  const results: ScenarioResult[] = []
  const limits = new Map<string, ScenarioResult['databaseLimit']>()
  let peakRssMb: number | undefined
  const all = scenarios(dataset, connections)
  const limitsContext = { ...settings, url: scratch.url, pgbench, dataset }
  /** The database-alone figure a scenario is held against, measured once, when first needed. */
  const limitOf = async (scenario: Scenario) => {
    const known = limits.get(scenario.limitOf)
    if (known) return known
    const base = all.find((s) => s.name === scenario.limitOf)
    if (!base?.database) throw new Error(`no database-alone figure for ${scenario.limitOf}`)
    takeStatements()
    const measured = await measureLoop(base.database(db), connections, duration)
    const { statements } = takeStatements()
    const limit = {
      ...measured,
      scenario: base.name,
      statementsPerOperation: statements / Math.max(1, measured.completed + measured.failed),
    }
    limits.set(base.name, limit)
    return limit
  }
  try {
    for (const scenario of all.filter((s) => wanted(s.name))) {
      const limit = await limitOf(scenario)

      await measureHttp(
        service.url,
        scenario.requests,
        connections,
        warmUpSeconds,
        scenario.warmUpRequests,
      )
      await service.statements()
      await service.startCapture()
      const http = await profiled(
        service,
        scenario.name,
        settings.profile,
        () => measureHttp(service.url, scenario.requests, connections, duration),
        log,
      )
      const { statements, samples } = await service.statements()
      const capture = await service.takeCapture()
      const plans = await checkPlans(scratch.url, samples)
      const limits = await measureLimits(limitsContext, scenario, capture, http.completed)
      const result: ScenarioResult = {
        scenario: scenario.name,
        kind: scenario.kind,
        http,
        statementsPerRequest: statements / Math.max(1, http.completed),
        databaseLimit: limit,
        ratioToDatabase: http.requestsPerSecond / Math.max(limit.requestsPerSecond, 1e-9),
        ratioToFramework: http.requestsPerSecond / Math.max(framework.requestsPerSecond, 1e-9),
        ...limits,
        ratioToReplay: ratioTo(http.requestsPerSecond, limits.replay),
        ratioToCapturedPgbench: ratioTo(http.requestsPerSecond, limits.capturedPgbench),
        ratioToDesign: ratioTo(http.requestsPerSecond, limits.designPgbench),
        serverRssMb: memoryMb(service.pid, 'VmRSS'),
        plans,
        passed: http.failed === 0 && plans.sequentialScans.length === 0,
      }
      results.push(result)
      const figure = (label: string, limit: { requestsPerSecond: number } | null) =>
        limit ? `, ${label} ${limit.requestsPerSecond.toFixed(0)}` : ''
      log(
        `${scenario.name}: ${http.requestsPerSecond.toFixed(0)} req/s (database alone ${limit.requestsPerSecond.toFixed(0)}${figure('replay', limits.replay)}${figure('pgbench', limits.capturedPgbench)}${figure('design', limits.designPgbench)})`,
      )
    }
  } finally {
    peakRssMb = memoryMb(service.pid, 'VmHWM')
    await service.stop()
  }

  let embedded: EmbeddedRun | undefined
  if (wanted(EMBEDDED_SCENARIO)) {
    embedded = await measureEmbedded(settings, framework, warmUpSeconds, log)
    if (embedded) {
      results.push(embedded.result)
      log(
        `${EMBEDDED_SCENARIO}: ${embedded.result.http.requestsPerSecond.toFixed(0)} req/s (database alone ${embedded.result.databaseLimit.requestsPerSecond.toFixed(0)})`,
      )
    }
  }

  // The events scenario (bench/events.ts): two services of its own on the same database.
  let events: EventsResult | undefined
  if (wanted(EVENTS_SCENARIO)) events = await measureEvents(db, scratch.url, settings, log)

  const loadAtEnd = loadavg()
  log(`load average ${loadAtEnd.map((v) => v.toFixed(2)).join(' ')}`)
  const report: Report = {
    date: new Date().toISOString(),
    loadAverage: { start: loadAtStart, end: loadAtEnd },
    settings: { ...settings, databaseUrl: undefined },
    seedSeconds: dataset.seconds,
    framework,
    scenarios: results,
    serverPeakRssMb: peakRssMb,
    embedded: embedded && { seeded: embedded.seeded, peakRssMb: embedded.peakRssMb },
    targets: targets(results, peakRssMb),
  }
  if (events) {
    report.events = events
    report.targets.push(...eventTargets(events))
  }
  log('')
  printReport(report, log)
  const file = new URL('../../bench/results/latest.json', import.meta.url)
  await saveReport(report, file)
  log(`\nwritten to bench/results/latest.json`)
  if (results.some((r) => !r.passed)) process.exitCode = 1
  if (events && !events.passed) process.exitCode = 1
} finally {
  await db.destroy()
  await scratch.drop()
}
