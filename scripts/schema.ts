import { existsSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createDatabase, migrateToLatest } from '../db/database.js'
import { readSchema } from '../db/schema.js'

// Runs from scripts/ (sources) or dist/scripts/ (compiled): the project root holds package.json.
const root = ['../', '../../']
  .map((path) => new URL(path, import.meta.url))
  .find((url) => existsSync(new URL('package.json', url)))

/**
 * Writes db/schema.sql: the schema of a freshly migrated in-memory embedded database, so the
 * file depends on the migrations alone (test/db/schema.test.ts checks it on PostgreSQL too).
 */
async function writeSchema() {
  if (!root) throw new Error('project root not found')
  const db = createDatabase({ url: '', poolSize: 1, dataDir: 'memory://' })
  try {
    await migrateToLatest(db)
    const file = fileURLToPath(new URL('db/schema.sql', root))
    writeFileSync(file, await readSchema(db))
    process.stdout.write(`wrote ${file}\n`)
  } finally {
    await db.destroy()
  }
}

writeSchema().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
