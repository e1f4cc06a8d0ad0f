import type { Outcome } from './send.js'

/** Standard Webhooks' example schedule, in units: 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400] as const
/** The longest a `Retry-After` is waited for: a day, like the schedule's last wait. */
const LONGEST_WAIT = 86400

/** What becomes of a delivery after an attempt. */
export type Verdict =
  | { kind: 'succeeded' }
  | { kind: 'retry'; at: Date }
  /** It failed for good, and its endpoint is disabled for this reason. */
  | { kind: 'failed'; reason: string }

function describe(outcome: Outcome): string {
  return outcome.status === null ? outcome.error : `answered ${outcome.status}`
}

/** A `Retry-After` in milliseconds: seconds, or an HTTP date; undefined when unreadable. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined
  if (/^\d{1,9}$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * The verdict on a delivery's `attempts`-th attempt: 2xx succeeds; 410 fails and disables at
 * once; anything else is retried on the schedule (the wait after attempt n is its entry n, give
 * or take a tenth), or as `Retry-After` says on 429 and 503, until the schedule runs out.
 */
export function judge(
  outcome: Outcome,
  attempts: number,
  unitMs: number,
  now = Date.now(),
  random = Math.random,
): Verdict {
  const { status } = outcome
  if (status !== null && status >= 200 && status < 300) return { kind: 'succeeded' }
  if (status === 410) return { kind: 'failed', reason: 'the endpoint answered 410 Gone' }
  const next = SCHEDULE[attempts]
  if (next === undefined) {
    return {
      kind: 'failed',
      reason: `no success in ${attempts} attempts over the retry schedule; the last ${describe(outcome)}`,
    }
  }
  const asked =
    outcome.status === 429 || outcome.status === 503
      ? retryAfterMs(outcome.retryAfter, now)
      : undefined
  const wait =
    asked === undefined
      ? next * unitMs * (0.9 + 0.2 * random())
      : Math.min(asked, LONGEST_WAIT * 1000)
  return { kind: 'retry', at: new Date(now + wait) }
}
