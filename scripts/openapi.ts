import { existsSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildServer } from '../build-server.js'
import { loadConfig } from '../config.js'
import { createDatabase, migrateToLatest } from '../db/database.js'

// Runs from scripts/ (sources) or dist/scripts/ (compiled): the project root holds package.json.
const root = ['../', '../../']
  .map((path) => new URL(path, import.meta.url))
  .find((url) => existsSync(new URL('package.json', url)))

/**
 * Writes the OpenAPI document the service serves at /api/docs/json to openapi.json at the
 * project root. The app is built on default settings (not the environment's) and an in-memory
 * database, so the document depends on the code alone.
 */
async function writeOpenApi() {
  if (!root) throw new Error('project root not found')
  const config = loadConfig({ LOG_LEVEL: 'silent' })
  const db = createDatabase({ url: '', poolSize: 1, dataDir: 'memory://' })
  try {
    await migrateToLatest(db)
    const server = await buildServer(config, { db })
    try {
      await server.ready()
      // The app is encapsulated (its swagger decorator is not on this instance): ask it as a client would.
      const response = await server.inject({ method: 'GET', url: '/api/docs/json' })
      if (response.statusCode !== 200)
        throw new Error(`/api/docs/json answered ${response.statusCode}`)
      const file = fileURLToPath(new URL('openapi.json', root))
      writeFileSync(file, `${JSON.stringify(response.json(), null, 2)}\n`)
      process.stdout.write(`wrote ${file}\n`)
    } finally {
      await server.close()
    }
  } finally {
    await db.destroy()
  }
}

writeOpenApi().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
