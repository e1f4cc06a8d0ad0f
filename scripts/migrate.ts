import { ConfigError, loadConfig } from '../config.js'
import { createDatabase, migrateToLatest } from '../db/database.js'

/** Brings the configured database's schema up to date, then exits. */
async function migrate() {
  const config = loadConfig()
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolSize: 1,
    dataDir: config.DATA_DIR,
  })
  try {
    const applied = await migrateToLatest(db)
    process.stdout.write(
      applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'already up to date\n',
    )
  } finally {
    await db.destroy()
  }
}

migrate().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`)
  process.exit(1)
})
