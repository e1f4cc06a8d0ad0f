import { createRequire } from 'node:module'
import type { PGlite } from '@electric-sql/pglite'
import { Kysely, type KyselyConfig, Migrator, PostgresDialect } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import { LoginChanges } from '../domain/auth/login-changes.js'
import { migrations } from '../migrations/index.js'
import type { Backend } from './backend.js'
import { type DataDirLock, lockDataDir } from './data-dir-lock.js'
import { DeferredBeginClient } from './pg-client.js'
import { namedStatementClient, StatementNames } from './prepared-statements.js'
import type { Database } from './types.js'

export interface DatabaseOptions {
  /** A PostgreSQL connection string; empty selects the embedded database. */
  url: string
  /** Where the notification listener connects, when not `url` (a pooler cannot LISTEN). */
  listenUrl?: string
  poolSize: number
  /** Where the embedded database keeps its files (`memory://` keeps them in memory). */
  dataDir: string
  /** Told when PostgreSQL drops an idle pooled connection (the pool replaces it). */
  onIdleConnectionError?: (error: Error) => void
  /**
   * On PostgreSQL, send parameterized statements as named prepared statements, parsed once per
   * connection (db/prepared-statements.ts); default on. Off for a PgBouncer in transaction mode
   * that cannot keep them (before 1.21, or without `max_prepared_statements`).
   */
  preparedStatements?: boolean
  /**
   * The embedded database's starting state: a data directory PGlite dumped (`dumpDataDir`), for
   * example an already migrated one. Without it a new directory is initialized from nothing.
   */
  initialDataDir?: Blob
}

/**
 * PGlite is loaded for the embedded database only (through its CommonJS build, so that opening
 * stays synchronous): a service on PostgreSQL never needs its ~1 MB of heap.
 */
function loadPGlite(): typeof PGlite {
  const require = createRequire(import.meta.url)
  return (require('@electric-sql/pglite') as typeof import('@electric-sql/pglite')).PGlite
}

// int8 (count(*), sums) would otherwise arrive as a string; our counts fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10))

export type { Backend }

/**
 * The service's database: Kysely, plus what it runs on and the login changes kept in step with
 * it. Domain functions take it; queries take any Kysely or transaction (db/executor.ts).
 */
export class Db extends Kysely<Database> {
  /** None for a database built over another dialect (a test's failing one): nothing to listen on. */
  readonly backend: Backend | undefined
  /** The login cache and what keeps it in step, shared by every app using this database. */
  readonly logins: LoginChanges
  /** The names of its prepared statements; none when statements run unnamed. */
  readonly statementNames: StatementNames | undefined

  constructor(config: KyselyConfig, backend?: Backend, statementNames?: StatementNames) {
    super(config)
    this.backend = backend
    this.logins = new LoginChanges(this)
    this.statementNames = statementNames
  }
}

/** How busy a PostgreSQL database's pool is; nothing for the embedded database, which has none. */
export function poolUsage(db: Db) {
  const pool = db.backend && 'pool' in db.backend ? db.backend.pool : undefined
  if (!pool) return undefined
  return {
    max: pool.options.max,
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
  }
}

/** The embedded database; destroying it closes PGlite and gives its directory up. */
class EmbeddedDb extends Db {
  constructor(
    private readonly client: PGlite,
    private readonly lock: DataDirLock | undefined,
  ) {
    super({ dialect: new PGliteDialect(client) }, { embedded: client })
  }

  override async destroy() {
    try {
      await super.destroy()
      // Kysely destroys only a driver it has started: an unused client is still open.
      if (!this.client.closed) await this.client.close()
    } finally {
      this.lock?.release()
    }
  }
}

export function createDatabase(options: DatabaseOptions): Db {
  if (options.url) {
    const statementNames = options.preparedStatements === false ? undefined : new StatementNames()
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      Client: statementNames
        ? namedStatementClient(statementNames, DeferredBeginClient)
        : DeferredBeginClient,
      // With the database unreachable, fail a request within seconds instead of queueing it.
      connectionTimeoutMillis: 3000,
    })
    // Unheard, a lost idle connection (server restart, terminated backend) crashes the process.
    pool.on('error', (error) => options.onIdleConnectionError?.(error))
    const backend = options.listenUrl ? { pool, listenUrl: options.listenUrl } : { pool }
    return new Db({ dialect: new PostgresDialect({ pool }) }, backend, statementNames)
  }
  // Two processes on one directory overwrite each other's files: the second is refused.
  const inMemory = !options.dataDir || options.dataDir.startsWith('memory://')
  const lock = inMemory ? undefined : lockDataDir(options.dataDir)
  const Embedded = loadPGlite()
  const client = new Embedded(options.dataDir, {
    parsers: { 20: (value: string) => Number.parseInt(value, 10) },
    ...(options.initialDataDir && { loadDataDir: options.initialDataDir }),
  })
  return new EmbeddedDb(client, lock)
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  })
  const migrate = () => migrator.migrateToLatest()
  const { error, results } = await (db.statementNames?.unnamedWhile(migrate) ?? migrate())
  if (error) throw error
  return (results ?? []).map((result) => result.migrationName)
}
