import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Capture, StatementSample } from './statement-counter.js'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (!address || typeof address === 'string') throw new Error('no free port')
  return address.port
}

function stop(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  return exited
}

/** Resident memory of a process in MB from /proc: `VmHWM` is its peak, `VmRSS` its current. */
export function memoryMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]
    return kb ? Number(kb) / 1024 : undefined
  } catch {
    return undefined
  }
}

export interface Service {
  url: string
  pid: number
  statements(): Promise<{ statements: number; samples: StatementSample[] }>
  /** Starts recording the units of work the service sends (bench/statement-counter.ts). */
  startCapture(): Promise<unknown>
  /** Stops recording and returns what was recorded. */
  takeCapture(): Promise<Capture>
  /** Starts a CPU profile of the service (bench/cpu-profile.ts). */
  startProfile(): Promise<unknown>
  /** Stops it and has the service write it (`.cpuprofile`) to `file`. */
  stopProfile(file: string): Promise<unknown>
  stop(): Promise<unknown>
}

/** PostgreSQL (a connection string and pool size) or the embedded database in a directory. */
export type ServiceDatabase = { url: string; poolSize: number } | { dataDir: string }

/**
 * The compiled service (dist/server.js) with request logging off and the rate limiter off, and
 * a preload that counts its SQL statements (on PostgreSQL). Ready once /api/info answers.
 * With `cpuProfileDir`, Node writes a CPU profile there when the service stops.
 */
export async function startService(
  database: ServiceDatabase,
  cpuProfileDir?: string,
): Promise<Service> {
  const port = await freePort()
  const output: string[] = []
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []
  const child = spawn(
    process.execPath,
    [...profile, '--import', here('./count-queries.js'), here('../server.js')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        ...('url' in database
          ? { DATABASE_URL: database.url, DATABASE_POOL_SIZE: String(database.poolSize) }
          : { DATA_DIR: database.dataDir }),
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_MAX: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  )
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited: ${output.join('')}`)
    const ready = await fetch(`${url}/api/info`).then(
      (response) => response.ok,
      () => false,
    )
    if (ready) break
    if (Date.now() > deadline) {
      await stop(child)
      throw new Error(`service did not start: ${output.join('')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const ask = async (message: string | { profileTo: string }) => {
    const reply = once(child, 'message')
    child.send(message)
    const [answer] = await reply
    return answer
  }
  return {
    url,
    pid: child.pid ?? 0,
    statements: async () =>
      (await ask('statements')) as { statements: number; samples: StatementSample[] },
    startCapture: () => ask('capture:start'),
    takeCapture: async () => (await ask('capture:take')) as Capture,
    startProfile: () => ask('profile:start'),
    stopProfile: (file) => ask({ profileTo: file }),
    stop: () => stop(child),
  }
}

/** The framework limit: bench/bare-server.js in its own process, like the service. */
export async function startBareServer(): Promise<{ url: string; stop(): Promise<unknown> }> {
  const child = spawn(process.execPath, [here('./bare-server.js')], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const [message] = await once(child, 'message')
  return { url: (message as { url: string }).url, stop: () => stop(child) }
}
