// The three limits measured beside each scenario, from what the service sent while it was
// measured: (a) its units of work replayed, (b) the same units run by pgbench, (c) the
// hand-written script of the fewest statements run by pgbench. See bench/README.md.
import type { Dataset } from './dataset.js'
import {
  type CapturedPgbenchResult,
  type DesignPgbenchResult,
  measureCapturedPgbench,
  measureDesignPgbench,
} from './pgbench.js'
import { type ReplayResult, replayCapture } from './replay.js'
import type { Capture } from './statement-counter.js'
import type { Scenario } from './workload.js'

/** What the service sent while measured, as units of work (bench/statement-counter.ts). */
export interface CaptureSummary {
  /** Requests answered in the window, units begun and ended in it, and their statements. */
  requests: number
  units: number
  statements: number
  unitsPerRequest: number
  statementsPerUnit: number
  /** Units kept for the limits (all of them unless a cap stopped the capture), transactions among them. */
  sampled: number
  transactions: number
  truncated: boolean
}

export interface ScenarioLimits {
  capture: CaptureSummary | null
  replay: ReplayResult | null
  capturedPgbench: CapturedPgbenchResult | null
  designPgbench: DesignPgbenchResult | null
  /** A limit that could not be measured, and why. */
  limitErrors: string[]
}

export interface LimitsContext {
  url: string
  /** pgbench's path; without one, (b) and (c) are reported missing. */
  pgbench: string | undefined
  poolSize: number
  connections: number
  durationSeconds: number
  dataset: Dataset
}

function summarize(capture: Capture, requests: number): CaptureSummary {
  return {
    requests,
    units: capture.unitsSeen,
    statements: capture.statementsSeen,
    unitsPerRequest: capture.unitsSeen / Math.max(1, requests),
    statementsPerUnit: capture.statementsSeen / Math.max(1, capture.unitsSeen),
    sampled: capture.units.length,
    transactions: capture.units.filter((unit) => unit.transaction).length,
    truncated: capture.truncated,
  }
}

/** Runs `measure`, turning a throw into a line of `errors` and a null figure. */
async function attempt<T>(errors: string[], label: string, measure: () => Promise<T>) {
  try {
    return await measure()
  } catch (error) {
    errors.push(`${label}: ${error instanceof Error ? error.message : String(error)}`)
    return null
  }
}

/**
 * Each limit for `settings.durationSeconds`, one after the other, with the service idle. Their
 * figures are requests per second equivalents: units (or pgbench transactions) per second times
 * the capture's requests per unit, or the design script's requests per transaction.
 */
export async function measureLimits(
  context: LimitsContext,
  scenario: Scenario,
  capture: Capture | null,
  requests: number,
): Promise<ScenarioLimits> {
  const { url, pgbench, poolSize, connections, durationSeconds: seconds } = context
  const limitErrors: string[] = []
  const summary = capture && summarize(capture, requests)
  const captured = capture && capture.units.length > 0 ? capture : null
  if (!captured) limitErrors.push('nothing captured: (a) and (b) not measured')
  const requestsPerUnit = requests / Math.max(1, capture?.unitsSeen ?? 0)
  const replay =
    captured &&
    (await attempt(limitErrors, '(a) replay', () =>
      replayCapture(url, captured, requestsPerUnit, poolSize, connections, seconds),
    ))
  if (!pgbench) limitErrors.push('pgbench not found: (b) and (c) not measured')
  const capturedPgbench =
    pgbench && captured
      ? await attempt(limitErrors, '(b) pgbench', () =>
          measureCapturedPgbench(pgbench, url, captured, requestsPerUnit, connections, seconds),
        )
      : null
  const designPgbench = pgbench
    ? await attempt(limitErrors, '(c) design', () =>
        measureDesignPgbench(pgbench, url, scenario.design, context.dataset, connections, seconds),
      )
    : null
  return {
    capture: summary,
    replay,
    capturedPgbench: capturedPgbench ?? null,
    designPgbench,
    limitErrors,
  }
}
