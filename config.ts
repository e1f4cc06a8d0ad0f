import { type Static, type TSchema, Type, TypeGuard } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { maskDatabaseUrl } from './db/connection-failure.js'

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.String({ default: '' }),
  /** The notification listener's connection, straight to PostgreSQL; empty: DATABASE_URL. */
  DATABASE_LISTEN_URL: Type.String({ default: '' }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  /** Off behind a PgBouncer in transaction mode that cannot keep prepared statements. */
  DATABASE_PREPARED_STATEMENTS: Type.Boolean({ default: true }),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
      Type.Literal(level),
    ),
    { default: 'info' },
  ),
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 102400 }),
  ROOM_NAME_PATTERN: Type.String({ minLength: 1, default: '^[0-9a-zA-Z-_.]+$' }),
  ADMIN_USERNAME: Type.String({ minLength: 1, default: 'admin' }),
  ADMIN_PASS: Type.String({ default: '' }),
  ADMIN_EMAIL: Type.String({ default: '' }),
  ADMIN_NAME: Type.String({ minLength: 1, default: 'Administrator' }),
  CREATE_ROCKET_CAT: Type.Boolean({ default: true }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 0, default: 10 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60000 }),
  LOGIN_MAX_FAILURES_PER_USER: Type.Integer({ minimum: 0, default: 10 }),
  LOGIN_MAX_FAILURES_PER_IP: Type.Integer({ minimum: 0, default: 50 }),
  LOGIN_BLOCK_WINDOW_MS: Type.Integer({ minimum: 1000, default: 300000 }),
  CORS_ORIGIN: Type.String({ default: '' }),
  TRUST_PROXY: Type.String({ default: '' }),
  ALLOW_REGISTRATION: Type.Boolean({ default: false }),
  AUTH_CACHE_TTL_MS: Type.Integer({ minimum: 0, default: 60000 }),
  AUTH_CACHE_MAX_TOKENS: Type.Integer({ minimum: 1, default: 10000 }),
  METRICS: Type.Boolean({ default: false }),
  REALTIME_MAX_FRAME_BYTES: Type.Integer({ minimum: 1024, maximum: 16777216, default: 65536 }),
  REALTIME_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10000 }),
  REALTIME_LOGIN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 60000 }),
  REALTIME_PING_AFTER_MS: Type.Integer({ minimum: 100, default: 30000 }),
  REALTIME_PONG_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 60000 }),
  REALTIME_MAX_SUBSCRIPTIONS: Type.Integer({ minimum: 1, maximum: 100000, default: 100 }),
  REALTIME_MAX_CONNECTIONS_PER_USER: Type.Integer({ minimum: 1, maximum: 100000, default: 20 }),
  REALTIME_MESSAGES_PER_SECOND: Type.Integer({ minimum: 1, default: 20 }),
  REALTIME_MESSAGE_BURST: Type.Integer({ minimum: 1, default: 100 }),
  REALTIME_SEND_BUFFER_BYTES: Type.Integer({ minimum: 1024, default: 1048576 }),
  REALTIME_POLL_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 1000 }),
  /** Below the server's 75 s idle-connection timeout, so a quiet event stream stays open. */
  REALTIME_SSE_KEEPALIVE_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 15000 }),
  PRESENCE_HEARTBEAT_MS: Type.Integer({ minimum: 100, maximum: 3600000, default: 20000 }),
  PRESENCE_EXPIRY_MS: Type.Integer({ minimum: 200, maximum: 7200000, default: 60000 }),
  /** How long the event log keeps a change: catching up from further back reloads everything. */
  EVENTS_RETENTION_MS: Type.Integer({ minimum: 60000, maximum: 31536000000, default: 604800000 }),
  EVENTS_PRUNE_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 86400000, default: 60000 }),
  /** How long a used event-stream ticket still admits its stream's reconnects once it closed. */
  EVENTS_TICKET_RESUME_MS: Type.Integer({ minimum: 1000, maximum: 86400000, default: 300000 }),
  /**
   * Encrypts webhook signing secrets at rest: any text of at least 32 characters, kept outside the
   * database. Without it webhooks cannot be created.
   */
  WEBHOOK_ENCRYPTION_KEY: Type.String({ default: '' }),
  /** How long a rotated webhook secret keeps signing beside its successor. */
  WEBHOOK_SECRET_OVERLAP_MS: Type.Integer({ minimum: 0, maximum: 31536000000, default: 86400000 }),
  /** Whether webhooks may be sent to private, loopback and link-local addresses. */
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: Type.Boolean({ default: false }),
  /** The unit of the retry schedule (a second); tests shrink it so a day of retries takes seconds. */
  WEBHOOK_RETRY_UNIT_MS: Type.Integer({ minimum: 0, maximum: 60000, default: 1000 }),
  /** Whether this process delivers webhooks (others sharing the database may). */
  WEBHOOKS_DELIVER: Type.Boolean({ default: true }),
  /** For development: a refusal missing from its route's documentation answers 500. */
  STRICT_REFUSALS: Type.Boolean({ default: false }),
})

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** The values an enumerated or boolean setting accepts, in words; undefined for other settings. */
function allowedValues(schema: TSchema): string | undefined {
  if (TypeGuard.IsBoolean(schema)) return 'true or false'
  if (TypeGuard.IsUnion(schema) && schema.anyOf.every(TypeGuard.IsLiteral)) {
    return `one of ${schema.anyOf.map((literal) => String(literal.const)).join(', ')}`
  }
  return undefined
}

function isPostgresUrl(url: string): boolean {
  if (!/^postgres(ql)?:\/\//.test(url)) return false
  try {
    new URL(url)
    return true
  } catch {
    return false
  }
}

/** Reads the service's settings from an environment, failing with the name of a bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.keys(ConfigSchema.properties)
  const raw = Object.fromEntries(
    known.filter((key) => env[key] !== undefined).map((key) => [key, env[key]]),
  )
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    // Conversion would quietly truncate 3000.5 to 3000: whole numbers must be written as such.
    if (schema.type === 'integer' && raw[key] !== undefined && !/^\d+$/.test(String(raw[key]))) {
      throw new ConfigError(`Invalid configuration: ${key} must be a whole number`)
    }
  }
  const config = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw))
  const firstError = Value.Errors(ConfigSchema, config).First()
  if (firstError) {
    const variable = firstError.path.replace(/^\//, '')
    const allowed = allowedValues(firstError.schema)
    throw new ConfigError(
      allowed
        ? `Invalid configuration: ${variable} must be ${allowed} (got ${JSON.stringify(raw[variable])})`
        : `Invalid configuration: ${variable} ${firstError.message.toLowerCase()}`,
    )
  }
  const databaseUrl = String((config as Config).DATABASE_URL)
  if (databaseUrl && !isPostgresUrl(databaseUrl)) {
    throw new ConfigError(
      `Invalid configuration: DATABASE_URL must be empty (the embedded database) or a URL like postgres://user:password@host:5432/database (got ${JSON.stringify(maskDatabaseUrl(databaseUrl))})`,
    )
  }
  const listenUrl = String((config as Config).DATABASE_LISTEN_URL)
  if (listenUrl && (!databaseUrl || !isPostgresUrl(listenUrl))) {
    throw new ConfigError(
      `Invalid configuration: DATABASE_LISTEN_URL must be empty (DATABASE_URL's) or, with DATABASE_URL set, a URL like postgres://user:password@host:5432/database (got ${JSON.stringify(maskDatabaseUrl(listenUrl))})`,
    )
  }
  try {
    new RegExp(String((config as Config).ROOM_NAME_PATTERN))
  } catch {
    throw new ConfigError(
      'Invalid configuration: ROOM_NAME_PATTERN is not a valid regular expression',
    )
  }
  const { PRESENCE_HEARTBEAT_MS: heartbeat, PRESENCE_EXPIRY_MS: expiry } = config as Config
  if (expiry <= heartbeat) {
    throw new ConfigError(
      `Invalid configuration: PRESENCE_EXPIRY_MS must be greater than PRESENCE_HEARTBEAT_MS (got ${expiry} and ${heartbeat})`,
    )
  }
  const { WEBHOOK_ENCRYPTION_KEY: webhookKey } = config as Config
  if (webhookKey && webhookKey.length < 32) {
    throw new ConfigError(
      'Invalid configuration: WEBHOOK_ENCRYPTION_KEY must be empty or at least 32 characters',
    )
  }
  return config as Config
}
