import autocannon from 'autocannon'
import type { DatabaseOperation } from './workload.js'

export interface Measurement {
  requestsPerSecond: number
  p50: number
  p99: number
  completed: number
  failed: number
}

/**
 * HTTP load: `connections` keep-alive connections, each repeating its request pipeline, for
 * `durationSeconds`, or until `amount` requests have been sent when that is given.
 */
export async function measureHttp(
  url: string,
  requests: autocannon.Request[],
  connections: number,
  durationSeconds: number,
  amount?: number,
): Promise<Measurement> {
  const result = await autocannon({
    url,
    connections,
    requests,
    ...(amount ? { amount } : { duration: durationSeconds }),
  })
  const completed = result['2xx'] + result.non2xx
  return {
    requestsPerSecond: completed / durationSeconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    completed,
    failed: result.non2xx + result.errors + result.timeouts,
  }
}

/** The value at `fraction` of an ascending list (0 for none). */
export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

/** The same concurrency without HTTP: `workers` loops, each awaiting one operation at a time. */
export async function measureLoop(
  newOperation: () => DatabaseOperation,
  workers: number,
  durationSeconds: number,
): Promise<Measurement> {
  const latencies: number[] = []
  let failed = 0
  const deadline = performance.now() + durationSeconds * 1000
  const worker = async () => {
    const operation = newOperation()
    while (performance.now() < deadline) {
      const started = performance.now()
      try {
        await operation()
        latencies.push(performance.now() - started)
      } catch {
        failed++
      }
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: workers }, worker))
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    requestsPerSecond: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    completed: latencies.length,
    failed,
  }
}
