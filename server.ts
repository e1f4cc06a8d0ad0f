import v8 from 'node:v8'
import { buildServer } from './build-server.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { describeConnectionFailure } from './db/connection-failure.js'
import { DataDirInUseError } from './db/data-dir-lock.js'
import { StatementsLostError } from './db/pooler-check.js'

/** One line for the operator when the start fails for a reason they can fix; else undefined. */
function startFailure(error: unknown, config: Config): string | undefined {
  if (error instanceof DataDirInUseError || error instanceof StatementsLostError) {
    return error.message
  }
  const where = `PORT ${config.PORT} on HOST ${config.HOST}`
  switch ((error as { code?: unknown }).code) {
    case 'EADDRINUSE':
      return `${where} is taken: another process listens there; stop it, or set PORT to a free port`
    case 'EACCES':
      return `${where} needs privileges this process lacks; set PORT to 1024 or above`
    case 'EADDRNOTAVAIL':
      return `HOST ${config.HOST} is not an address of this machine; set HOST to one of its addresses, or 0.0.0.0 for all`
  }
  return describeConnectionFailure(error, config.DATABASE_URL)
}

/**
 * After each full collection V8 lets the heap grow to up to four times what survived before
 * collecting again: under load, about 100 MB of garbage over 30 MB of live objects, most of the
 * service's RSS. Growing by half keeps the benchmark's peak near 160 MB instead of 245 MB, for
 * a full collection every few seconds under load (about 11 ms each, about 1 % of the time;
 * README, "Memory"). V8 reads the setting at every collection, so setting it here takes effect;
 * one given to node wins.
 */
function limitHeapGrowth() {
  if (process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return
  v8.setFlagsFromString('--heap-growing-percent=50')
}

function stop(line: string): never {
  process.stderr.write(`${line}\n`)
  process.exit(1)
}

async function main() {
  limitHeapGrowth()
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) stop(error.message)
    throw error
  }

  const server = await buildServer(config).catch((error: unknown) => {
    const line = startFailure(error, config)
    if (!line) throw error
    return stop(line)
  })

  let closing = false
  const close = async (signal: string) => {
    if (closing) return
    closing = true
    server.log.info({ signal }, 'closing')
    await server.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void close('SIGTERM'))
  process.on('SIGINT', () => void close('SIGINT'))

  try {
    await server.listen({ port: config.PORT, host: config.HOST })
  } catch (error) {
    const line = startFailure(error, config)
    if (!line) throw error
    // The database is open by now: close it so the embedded one is left whole and unlocked.
    await server.close()
    stop(line)
  }
}

await main()
