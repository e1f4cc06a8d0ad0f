import { loadConfig } from '../config.js'
import { describeConnectionFailure, maskDatabaseUrl } from '../db/connection-failure.js'
import { createDatabase, type Db, migrateToLatest } from '../db/database.js'

/** Where a command reads and writes; the process's own streams, or test doubles. */
export interface CliIo {
  stdin: AsyncIterable<string | Buffer> & { isTTY?: boolean | undefined }
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  env: Record<string, string | undefined>
  /** A database to use instead of opening the configured one (tests); left open afterwards. */
  db?: Db | undefined
}

/** The command line was wrong: the message and a pointer to `--help`, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/**
 * Runs `work` on the configured database (DATABASE_URL, else the embedded one under DATA_DIR),
 * migrated first unless told otherwise, and closes it afterwards.
 */
export async function withDatabase<T>(
  io: CliIo,
  work: (db: Db) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const migrated = async (db: Db) => {
    if (options.migrate ?? true) {
      const applied = await migrateToLatest(db)
      if (applied.length > 0) io.stderr.write(`migrated: ${applied.join(', ')}\n`)
    }
    return work(db)
  }
  if (io.db) return migrated(io.db)
  const config = loadConfig(io.env)
  io.stderr.write(
    config.DATABASE_URL
      ? `using PostgreSQL at ${maskDatabaseUrl(config.DATABASE_URL)}\n`
      : `using the embedded database in ${config.DATA_DIR} (set DATABASE_URL to use PostgreSQL)\n`,
  )
  const db = createDatabase({
    url: config.DATABASE_URL,
    listenUrl: config.DATABASE_LISTEN_URL,
    poolSize: 1,
    dataDir: config.DATA_DIR,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
  })
  try {
    return await migrated(db)
  } catch (error) {
    const failure = describeConnectionFailure(error, config.DATABASE_URL)
    throw failure ? new Error(failure, { cause: error }) : error
  } finally {
    await db.destroy()
  }
}

/**
 * A password from the named environment variable, else the first line piped on stdin. Never
 * from the command line, where `ps` and shell history would show it.
 */
export async function readPassword(io: CliIo, variable: string): Promise<string> {
  const fromEnv = io.env[variable]
  if (fromEnv) return fromEnv
  if (io.stdin.isTTY) {
    throw new UsageError(`no password: set ${variable} or pipe the password on stdin`)
  }
  let text = ''
  for await (const chunk of io.stdin) text += chunk.toString()
  const password = text.split(/\r?\n/)[0] ?? ''
  if (!password) throw new UsageError(`no password: set ${variable} or pipe the password on stdin`)
  return password
}
