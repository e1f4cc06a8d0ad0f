import { ConfigError, loadConfig } from '../config.js'

/** Validates the settings in the environment, so `npm start` reports a bad one before building. */
try {
  loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
}
