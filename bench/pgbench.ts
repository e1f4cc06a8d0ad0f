// Limits (b) and (c): pgbench at the load's concurrency, on the captured units of work written
// out as scripts (b), and on the hand-written scripts of bench/pgbench/ (c).
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type Dataset,
  LARGE_GROUP,
  SIZE_SKEW,
  SIZE_STEP,
  SMALL_GROUP_SIZE,
  STRIDE,
} from './dataset.js'
import { percentile } from './load.js'
import type { Capture, CapturedUnit } from './statement-counter.js'
import { freshIds, parameterSql, pgbenchCommand } from './units.js'
import type { Design } from './workload.js'

export interface PgbenchResult {
  /** The command line it ran with (the scripts of (b) are in a temporary directory). */
  command: string
  /** Transactions per second times the requests one transaction stands for. */
  requestsPerSecond: number
  transactionsPerSecond: number
  /** Per transaction (ms), from pgbench's log of every transaction. */
  p50: number
  p99: number
  latencyAverage: number
  transactions: number
  failedTransactions: number
  /** With `-r`: each command's average latency (ms). */
  commands?: Array<{ ms: number; command: string }>
  /** pgbench's errors (a failed statement aborts its client), its exit code when not 0. */
  errors: string[]
}

export interface PgbenchOptions {
  url: string
  scripts: Array<{ file: string; weight: number }>
  clients: number
  seconds: number
  mode: 'simple' | 'extended' | 'prepared'
  defines?: Record<string, string | number>
  reportPerCommand?: boolean
  requestsPerTransaction: number
}

/** `BENCH_PGBENCH`, else the newest /usr/lib/postgresql/<version>/bin/pgbench, if any. */
export function findPgbench(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.BENCH_PGBENCH) return env.BENCH_PGBENCH
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'pgbench')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
  return versions[0] && join(root, versions[0], 'bin', 'pgbench')
}

const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word}'`)

function parseCommands(output: string) {
  const start = output.indexOf('statement latencies in milliseconds')
  if (start < 0) return undefined
  const commands: Array<{ ms: number; command: string }> = []
  for (const line of output.slice(start).split('\n').slice(1)) {
    const match = /^\s+([\d.]+)\s+\d+\s+(.*)$/.exec(line)
    if (match) commands.push({ ms: Number(match[1]), command: (match[2] ?? '').slice(0, 200) })
  }
  return commands
}

async function loggedLatencies(dir: string): Promise<number[]> {
  const latencies: number[] = []
  for (const file of await readdir(dir)) {
    if (!file.startsWith('transactions.')) continue
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      const micros = Number(line.split(' ')[2])
      if (line && Number.isFinite(micros)) latencies.push(micros / 1000)
    }
  }
  return latencies.sort((a, b) => a - b)
}

/**
 * Runs pgbench without its vacuum (`-n`), `-c clients -j 2 -T seconds`, logging every
 * transaction (`--log`) for the percentiles; `-r` adds each command's average latency.
 */
export async function runPgbench(pgbench: string, options: PgbenchOptions): Promise<PgbenchResult> {
  const logs = await mkdtemp(join(tmpdir(), 'groups-bench-pgbench-log-'))
  const args = [
    '-n',
    '-M',
    options.mode,
    '-c',
    String(options.clients),
    '-j',
    String(Math.min(2, options.clients)),
    '-T',
    String(options.seconds),
    ...(options.reportPerCommand ? ['-r'] : []),
    ...Object.entries(options.defines ?? {}).flatMap(([name, value]) => ['-D', `${name}=${value}`]),
    ...options.scripts.flatMap(({ file, weight }) => ['-f', `${file}@${weight}`]),
  ]
  const command = [pgbench, ...args, '--log', '--log-prefix=<dir>/transactions', '<database>']
    .map(shellWord)
    .join(' ')
  try {
    const child = spawn(
      pgbench,
      [...args, '--log', `--log-prefix=${join(logs, 'transactions')}`, options.url],
      { cwd: logs, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGTERM'), (options.seconds + 120) * 1000)
      child.on('error', (error) => {
        stderr += `${error.message}\n`
        clearTimeout(timer)
        resolve(-1)
      })
      child.on('exit', (exitCode) => {
        clearTimeout(timer)
        resolve(exitCode)
      })
    })
    const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? 0)
    const transactionsPerSecond = number(/^tps = ([\d.]+)/m)
    const latencies = await loggedLatencies(logs)
    const errors = [
      ...new Set(
        stderr
          .split('\n')
          .filter((line) => /error|fatal|abort/i.test(line))
          .map((line) =>
            line
              .replace(/client \d+ script \d+/, 'client N script N')
              .replace(/\s+/g, ' ')
              .slice(0, 300),
          ),
      ),
    ].slice(0, 5)
    if (code !== 0) errors.push(`pgbench exited with code ${code}`)
    const commands = options.reportPerCommand ? parseCommands(stdout) : undefined
    return {
      command,
      requestsPerSecond: transactionsPerSecond * options.requestsPerTransaction,
      transactionsPerSecond,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      latencyAverage: number(/^latency average = ([\d.]+) ms/m),
      transactions: number(/^number of transactions actually processed: (\d+)/m),
      failedTransactions: number(/^number of failed transactions: (\d+)/m),
      ...(commands ? { commands } : {}),
      errors,
    }
  } finally {
    await rm(logs, { recursive: true, force: true })
  }
}

/** At most this many script files (pgbench takes 128), so each holds a share of the units. */
const SCRIPT_FILES = 100

/** A unit as script lines: a new value for each id it makes up, then its statements. */
function unitLines(capture: Capture, unit: CapturedUnit, fresh: Set<string>): string[] {
  const variables = new Map([...fresh].map((id, i) => [id, `fresh${i + 1}`]))
  const lines = [...variables.values()].map((name) => `\\set ${name} random(0, 9999999999999999)`)
  for (const statement of unit.statements) {
    const text = capture.texts[statement.text] ?? ''
    lines.push(
      pgbenchCommand(text, (index) =>
        parameterSql(
          statement.params?.[index] ?? null,
          fresh,
          (id) => `('f' || lpad(:${variables.get(id)}::text, 16, '0'))`,
        ),
      ),
    )
  }
  return lines
}

/**
 * The captured units as pgbench scripts: the units spread over up to SCRIPT_FILES files, each
 * weighted by its number of units; a file picks one of its units per transaction at random
 * (`\set u random(…)` and an `\if` chain), so every unit is as likely as any other. Units that
 * failed in the service are left out: pgbench stops a client at its first error.
 */
async function writeCapturedScripts(capture: Capture, dir: string) {
  const freshOf = freshIds(capture)
  const units = capture.units.filter((unit) => unit.statements.every((s) => !s.failed))
  const count = Math.min(SCRIPT_FILES, units.length)
  const scripts: Array<{ file: string; weight: number }> = []
  for (let f = 0; f < count; f++) {
    const mine = units.filter((_, i) => i % count === f)
    const lines = [`\\set u random(0, ${mine.length - 1})`]
    mine.forEach((unit, i) => {
      lines.push(`${i === 0 ? '\\if' : '\\elif'} :u = ${i}`)
      lines.push(...unitLines(capture, unit, freshOf(unit)))
    })
    lines.push('\\endif')
    const file = join(dir, `units-${f}.sql`)
    await writeFile(file, `${lines.join('\n')}\n`)
    scripts.push({ file, weight: mine.length })
  }
  return { scripts, units: units.length, leftOut: capture.units.length - units.length }
}

export type CapturedPgbenchResult = PgbenchResult & {
  /** Units in the scripts, and those left out because they had failed in the service. */
  units: number
  leftOut: number
}

/**
 * Limit (b): the captured units run by pgbench, `-M simple` (the parameters are written into
 * the statements as literals, so there is nothing to bind; a BEGIN the service sent in one
 * message with the statement after it stays one message), one unit per pgbench transaction.
 */
export async function measureCapturedPgbench(
  pgbench: string,
  url: string,
  capture: Capture,
  requestsPerUnit: number,
  clients: number,
  seconds: number,
): Promise<CapturedPgbenchResult | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'groups-bench-pgbench-'))
  try {
    const { scripts, units, leftOut } = await writeCapturedScripts(capture, dir)
    if (scripts.length === 0) return undefined
    const run = await runPgbench(pgbench, {
      url,
      scripts,
      clients,
      seconds,
      mode: 'simple',
      requestsPerTransaction: requestsPerUnit,
    })
    return { ...run, command: run.command.replaceAll(dir, '<scripts>'), units, leftOut }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** bench/pgbench/, where the hand-written scripts of limit (c) are. */
const designScripts = fileURLToPath(new URL('../../bench/pgbench/', import.meta.url))

export type DesignPgbenchResult = PgbenchResult & {
  script: string
  /** Requests one run of the script stands for; its p50 and p99 are per run. */
  requestsPerTransaction: number
}

/**
 * Limit (c): a hand-written script of bench/pgbench/, `-M prepared` (each statement parsed once
 * per connection, as the service's named statements are) with `-r`, told the data set's shape
 * through `-D` so it draws the same kind of groups and users as the load.
 */
export async function measureDesignPgbench(
  pgbench: string,
  url: string,
  design: Design,
  dataset: Dataset,
  clients: number,
  seconds: number,
): Promise<DesignPgbenchResult> {
  const [first, last] = design.groups
  const run = await runPgbench(pgbench, {
    url,
    scripts: [{ file: join(designScripts, design.script), weight: 1 }],
    clients,
    seconds,
    mode: 'prepared',
    reportPerCommand: true,
    requestsPerTransaction: design.requestsPerTransaction,
    defines: {
      users: dataset.users,
      max_size: dataset.sizes[LARGE_GROUP] ?? 2,
      small_size: SMALL_GROUP_SIZE,
      stride: STRIDE,
      size_step: SIZE_STEP,
      size_skew: SIZE_SKEW,
      first_group: first,
      last_group: last,
      clients,
    },
  })
  return {
    ...run,
    script: `bench/pgbench/${design.script}`,
    requestsPerTransaction: design.requestsPerTransaction,
  }
}
