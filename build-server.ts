import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import app from './app.js'
import type { Config } from './config.js'
import type { Db } from './db/database.js'
import { serverOptions } from './server-options.js'

export interface BuildServerOptions {
  /** A migrated database to use instead of opening the configured one; closed by its owner. */
  db?: Db
  /** Where log lines go instead of stdout. */
  logStream?: { write(line: string): void }
}

/**
 * The Fastify instance with the whole app registered, as the server, the tests and the scripts
 * use it; not yet ready or listening.
 */
export async function buildServer(config: Config, { db, logStream }: BuildServerOptions = {}) {
  const server = Fastify(serverOptions(config, logStream)).withTypeProvider<TypeBoxTypeProvider>()
  await server.register(app, { config, db })
  return server
}
