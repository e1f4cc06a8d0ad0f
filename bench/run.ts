// `npm run bench`: the service beside its two limits (Fastify alone, PostgreSQL alone), all
// measured in one run on one machine; see bench/README.md.
import { createDatabase, migrateToLatest } from '../db/database.js'
import { createScratchDatabase, seed } from './dataset.js'
import { measureHttp, measureLoop } from './load.js'
import { checkPlans } from './plans.js'
import { memoryMb, startBareServer, startService } from './processes.js'
import { printReport, type Report, type ScenarioResult, saveReport, targets } from './report.js'
import { benchSettings } from './settings.js'
import { countStatements, takeStatements } from './statement-counter.js'
import { scenarios } from './workload.js'

const log = (line: string) => process.stdout.write(`${line}\n`)
const settings = benchSettings()
const { connections, durationSeconds: duration } = settings
const warmUpSeconds = Math.min(2, Math.max(1, Math.floor(duration / 5)))

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

  const service = await startService(scratch.url, settings.poolSize)
  const results: ScenarioResult[] = []
  const limits = new Map<string, ScenarioResult['databaseLimit']>()
  let peakRssMb: number | undefined
  try {
    for (const scenario of scenarios(dataset, connections)) {
      if (scenario.database) {
        takeStatements()
        const measured = await measureLoop(scenario.database(db), connections, duration)
        const { statements } = takeStatements()
        limits.set(scenario.name, {
          ...measured,
          scenario: scenario.name,
          statementsPerOperation: statements / Math.max(1, measured.completed + measured.failed),
        })
      }
      const limit = limits.get(scenario.limitOf)
      if (!limit) throw new Error(`no database-alone figure for ${scenario.limitOf}`)

      await measureHttp(service.url, scenario.requests, connections, warmUpSeconds)
      await service.statements()
      const http = await measureHttp(service.url, scenario.requests, connections, duration)
      const { statements, samples } = await service.statements()
      const plans = await checkPlans(scratch.url, samples)
      const result: ScenarioResult = {
        scenario: scenario.name,
        kind: scenario.kind,
        http,
        statementsPerRequest: statements / Math.max(1, http.completed),
        databaseLimit: limit,
        ratioToDatabase: http.requestsPerSecond / Math.max(limit.requestsPerSecond, 1e-9),
        ratioToFramework: http.requestsPerSecond / Math.max(framework.requestsPerSecond, 1e-9),
        serverRssMb: memoryMb(service.pid, 'VmRSS'),
        plans,
        passed: http.failed === 0 && plans.sequentialScans.length === 0,
      }
      results.push(result)
      log(
        `${scenario.name}: ${http.requestsPerSecond.toFixed(0)} req/s (database alone ${limit.requestsPerSecond.toFixed(0)})`,
      )
    }
  } finally {
    peakRssMb = memoryMb(service.pid, 'VmHWM')
    await service.stop()
  }

  const report: Report = {
    date: new Date().toISOString(),
    settings: { ...settings, databaseUrl: undefined },
    seedSeconds: dataset.seconds,
    framework,
    scenarios: results,
    serverPeakRssMb: peakRssMb,
    targets: targets(results, peakRssMb),
  }
  log('')
  printReport(report, log)
  const file = new URL('../../bench/results/latest.json', import.meta.url)
  await saveReport(report, file)
  log(`\nwritten to bench/results/latest.json`)
  if (results.some((r) => !r.passed)) process.exitCode = 1
} finally {
  await db.destroy()
  await scratch.drop()
}
