import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import app from './app.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { serverOptions } from './server-options.js'

async function main() {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      process.exit(1)
    }
    throw error
  }

  const server = Fastify(serverOptions(config)).withTypeProvider<TypeBoxTypeProvider>()
  await server.register(app, { config })

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

  await server.listen({ port: config.PORT, host: config.HOST })
}

await main()
