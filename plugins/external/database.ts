import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { createDatabase, type Db, migrateToLatest } from '../../db/database.js'
import { checkNamedStatements } from '../../db/pooler-check.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
  }
}

export interface DatabasePluginOptions {
  config: Config
  /** An already migrated database to use instead of opening one (closed by its owner). */
  db?: Db | undefined
}

/** Opens the configured database, brings its schema up to date, and closes it with the app. */
export default fp<DatabasePluginOptions>(
  async (app, { config, db: injected }) => {
    if (injected) {
      app.decorate('db', injected)
      return
    }
    const db = createDatabase({
      url: config.DATABASE_URL,
      listenUrl: config.DATABASE_LISTEN_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
      dataDir: config.DATA_DIR,
      onIdleConnectionError: (err) => app.log.warn({ err }, 'idle database connection lost'),
    })
    app.addHook('onClose', () => db.destroy())
    const applied = await migrateToLatest(db)
    if (applied.length > 0) app.log.info({ migrations: applied }, 'database migrated')
    // Behind a pooler that loses named statements every call would fail: refuse to start.
    if (config.DATABASE_URL && config.DATABASE_PREPARED_STATEMENTS) {
      await checkNamedStatements(config.DATABASE_URL)
    }
    app.decorate('db', db)
  },
  { name: 'database' },
)
