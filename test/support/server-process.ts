import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { projectFile } from './paths.js'

const serverEntry = projectFile('dist', 'server.js')

/**
 * What a child process takes from the test's environment: PATH, and what the test runner
 * (scripts/test.mjs) sets to make processes cheaper to start: Node's compile cache, so that it
 * does not compile the service's modules anew, and glibc's tunables.
 */
function inherited(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' }
  for (const name of ['NODE_COMPILE_CACHE', 'GLIBC_TUNABLES']) {
    const value = process.env[name]
    if (value) env[name] = value
  }
  return env
}

export interface ServerProcess {
  url: string
  child: ChildProcess
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string | null>
}

/**
 * Starts the compiled service (`npm run build` first) as its own process on a free port and
 * resolves once it listens. Its log lines are kept in `log` for assertions.
 */
export async function startServer(
  env: Record<string, string>,
  log: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [serverEntry], {
    // Load tests fire far more than a client's share of requests: no rate limit.
    env: {
      ...inherited(),
      PORT: '0',
      LOG_LEVEL: 'info',
      RATE_LIMIT_MAX: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  let buffered = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not start: ${log.join('\n')}`))
    }, 60_000)
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        log.push(line)
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)
        if (match?.[1]) {
          clearTimeout(timer)
          resolve(match[1])
        }
      }
    })
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => log.push(chunk))
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${code}) before listening: ${log.join('\n')}`))
    })
  })
  return { url, child, exited }
}

const cliEntry = projectFile('dist', 'bin', 'cli.js')

export interface Finished {
  code: number | string
  stdout: string
  stderr: string
}

/** Runs a compiled entry point to its end: for starts that must fail, and the command-line tool. */
async function runToExit(entry: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { ...inherited(), PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const [code, signal] = await once(child, 'close')
  clearTimeout(timer)
  return { code: (code ?? signal) as number | string, stdout, stderr } satisfies Finished
}

/** Starts the compiled service expecting it to stop by itself (a failed start); its outcome. */
export function runServerToExit(env: Record<string, string>): Promise<Finished> {
  return runToExit(serverEntry, [], env)
}

/** Runs the compiled command-line tool (`dist/bin/cli.js`) with `args` in `env`. */
export function runCli(args: string[], env: Record<string, string>): Promise<Finished> {
  return runToExit(cliEntry, args, env)
}
