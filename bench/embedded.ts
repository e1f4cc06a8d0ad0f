import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, migrateToLatest } from '../db/database.js'
import { type Dataset, seed } from './dataset.js'
import { profiled } from './flame-graph.js'
import { type Measurement, measureHttp, measureLoop } from './load.js'
import { memoryMb, startService } from './processes.js'
import type { ScenarioResult } from './report.js'
import { type BenchSettings, embeddedDataSettings } from './settings.js'
import { type Scenario, scenarios } from './workload.js'

export const EMBEDDED_SCENARIO = 'groups.info (embedded)'

export interface EmbeddedRun {
  result: ScenarioResult
  seeded: string
  peakRssMb: number | undefined
}

/**
 * groups.info on the embedded database: a smaller data set seeded into a fresh DATA_DIR, the
 * same query run in this process on it (the database-alone figure), then the service started
 * on that directory with no DATABASE_URL. The embedded database allows one process at a time,
 * so the two never overlap. Its statements are neither counted nor explained (no `pg`).
 */
export async function measureEmbedded(
  settings: BenchSettings,
  framework: Measurement,
  warmUpSeconds: number,
  log: (line: string) => void,
): Promise<EmbeddedRun | undefined> {
  const data = embeddedDataSettings(settings)
  if (!data) return undefined
  const { connections, durationSeconds: duration } = settings
  const dataDir = await mkdtemp(join(tmpdir(), 'groups-bench-embedded-'))
  try {
    const db = createDatabase({ url: '', poolSize: 1, dataDir })
    let dataset: Dataset
    let scenario: Scenario | undefined
    let limit: Measurement
    try {
      await migrateToLatest(db)
      dataset = await seed(db, data)
      scenario = scenarios(dataset, connections).find((s) => s.name === 'groups.info')
      if (!scenario?.database) throw new Error('no groups.info scenario')
      limit = await measureLoop(scenario.database(db), connections, duration)
    } finally {
      await db.destroy()
    }

    const service = await startService({ dataDir }, settings.cpuProfileDir || undefined)
    let http: Measurement
    let rss: number | undefined
    let peakRssMb: number | undefined
    try {
      const { requests, warmUpRequests } = scenario
      await measureHttp(service.url, requests, connections, warmUpSeconds, warmUpRequests)
      http = await profiled(
        service,
        EMBEDDED_SCENARIO,
        settings.profile,
        () => measureHttp(service.url, requests, connections, duration),
        log,
      )
      rss = memoryMb(service.pid, 'VmRSS')
    } finally {
      peakRssMb = memoryMb(service.pid, 'VmHWM')
      await service.stop()
    }
    const result: ScenarioResult = {
      scenario: EMBEDDED_SCENARIO,
      kind: 'read',
      http,
      statementsPerRequest: null,
      databaseLimit: { ...limit, scenario: EMBEDDED_SCENARIO, statementsPerOperation: null },
      ratioToDatabase: http.requestsPerSecond / Math.max(limit.requestsPerSecond, 1e-9),
      ratioToFramework: http.requestsPerSecond / Math.max(framework.requestsPerSecond, 1e-9),
      // PGlite runs inside the service: no pg traffic to capture, nothing pgbench can reach.
      capture: null,
      replay: null,
      capturedPgbench: null,
      designPgbench: null,
      limitErrors: [],
      ratioToReplay: null,
      ratioToCapturedPgbench: null,
      ratioToDesign: null,
      serverRssMb: rss,
      plans: { explained: 0, sequentialScans: [], smallTableScans: [], unexplained: [] },
      passed: http.failed === 0,
    }
    const seeded = `${data.users} users, ${data.groups} groups (${dataset.rows.members} memberships), ${dataset.rows.messages} messages in ${dataset.seconds.toFixed(1)} s`
    return { result, seeded, peakRssMb }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}
